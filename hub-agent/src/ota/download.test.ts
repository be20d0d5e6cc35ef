import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, downloadOnce } from './download.js';

const bundle = randomBytes(300_000);
const dir = mkdtempSync(join(tmpdir(), 'hearth-download-'));

/** A release server that honours `Range: bytes=N-`, and cuts the connection mid-file when told. */
let server: Server;
let url = '';
let cutAfter: number | null = null;
let honourRange = true;
const requests: { range: string | null; authorization: string | null }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const range = req.headers.range ?? null;
    requests.push({ range, authorization: req.headers.authorization ?? null });
    if (req.headers.authorization !== 'Bearer hk_test') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"UNAUTHENTICATED","message":"unknown hub key"}}');
      return;
    }
    const start = honourRange && range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
    if (start >= bundle.length) {
      res.writeHead(416, { 'content-range': `bytes */${bundle.length}` });
      res.end();
      return;
    }
    const body = bundle.subarray(start);
    res.writeHead(
      start > 0 ? 206 : 200,
      start > 0
        ? {
            'content-range': `bytes ${start}-${bundle.length - 1}/${bundle.length}`,
            'content-length': body.length,
          }
        : { 'content-length': body.length },
    );
    if (cutAfter === null) {
      res.end(body);
      return;
    }
    // Send part of the body, then drop the connection: a home's link going down mid-download.
    const part = body.subarray(0, cutAfter);
    cutAfter = null;
    res.write(part, () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/hub/releases/1.1.0/bundle`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  requests.length = 0;
  cutAfter = null;
  honourRange = true;
});

const headers = { authorization: 'Bearer hk_test' };
let n = 0;
const target = () => join(dir, `bundle-${++n}.tar.gz.part`);

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('downloading a release bundle', () => {
  it('resumes after a cut from where the file ends, and ends with the very bytes served', async () => {
    const file = target();
    cutAfter = 120_000;
    const cut = await failure(downloadOnce({ url, file, maxBytes: 1_000_000, headers }));
    expect(cut.kind).toBe('retry');
    const kept = statSync(file).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(bundle.length);

    await expect(downloadOnce({ url, file, maxBytes: 1_000_000, headers })).resolves.toBe(bundle.length);
    expect(requests.map((r) => r.range)).toEqual([null, `bytes=${kept}-`]);
    expect(readFileSync(file).equals(bundle)).toBe(true);
  });

  it('resumes a file left by an earlier run (an agent restart), and knows a whole file when it sees one', async () => {
    const file = target();
    writeFileSync(file, bundle.subarray(0, 200_000));
    await downloadOnce({ url, file, maxBytes: 1_000_000, headers });
    expect(requests.at(-1)?.range).toBe('bytes=200000-');
    expect(readFileSync(file).equals(bundle)).toBe(true);
    // Everything is there already: the server answers 416 with the length, and that is success.
    await expect(downloadOnce({ url, file, maxBytes: 1_000_000, headers })).resolves.toBe(bundle.length);
    expect(readFileSync(file).equals(bundle)).toBe(true);
  });

  it('starts again from the first byte when the server ignores the range', async () => {
    const file = target();
    writeFileSync(file, Buffer.from('bytes of some other file'));
    honourRange = false;
    await downloadOnce({ url, file, maxBytes: 1_000_000, headers });
    expect(readFileSync(file).equals(bundle)).toBe(true);
  });

  it('refuses a download larger than allowed and deletes what it had', async () => {
    const file = target();
    writeFileSync(file, bundle.subarray(0, 1000));
    const error = await failure(downloadOnce({ url, file, maxBytes: 100_000, headers }));
    expect(error.kind).toBe('too_large');
    expect(error.message).toBe('the download is 300000 bytes, more than the 100000 bytes allowed');
    expect(existsSync(file)).toBe(false);
  });

  it('sends the credentials, and says a refusal is not worth retrying', async () => {
    const error = await failure(
      downloadOnce({ url, file: target(), maxBytes: 1_000_000, headers: { authorization: 'Bearer wrong' } }),
    );
    expect(error).toMatchObject({ kind: 'refused', status: 401 });
    expect(requests[0]?.authorization).toBe('Bearer wrong');
  });

  it('says a server that cannot be reached is worth retrying', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(
      downloadOnce({ url: `http://127.0.0.1:${port}/bundle`, file: target(), maxBytes: 1_000_000, headers }),
    );
    expect(error.kind).toBe('retry');
    expect(error.message).toMatch(/broke off at 0 bytes \(ECONNREFUSED\)/);
  });
});
