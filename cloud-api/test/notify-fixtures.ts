// Real receivers for the notification channels: an SMTP server (smtp-server), a Web Push endpoint that
// decrypts RFC 8291 payloads and checks the VAPID JWT (RFC 8292) with node:crypto alone, and a webhook
// receiver that checks the HMAC signature and refuses replays.
import {
  createDecipheriv,
  createECDH,
  createHmac,
  createPublicKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Waits until `check` returns a value (not undefined), re-checking on every event of `source`. */
function waiter() {
  const waiting = new Set<() => void>();
  return {
    notify: () => {
      for (const w of waiting) w();
    },
    async until<R>(check: () => R | undefined, what: string, timeoutMs = 10_000): Promise<R> {
      const now = check();
      if (now !== undefined) return now;
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(poke);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        const poke = () => {
          const v = check();
          if (v === undefined) return;
          clearTimeout(timer);
          waiting.delete(poke);
          resolve(v);
        };
        waiting.add(poke);
      });
    },
  };
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

async function listen(server: Server | SMTPServer, port = 0): Promise<number> {
  const http = server instanceof SMTPServer ? (server as unknown as { server: Server }).server : server;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (http.address() as AddressInfo).port;
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that keeps every message. */
export async function startSmtp(port = 0) {
  const mails: ReceivedMail[] = [];
  const w = waiter();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        w.notify();
        done();
      });
    },
  });
  const bound = await listen(server, port);
  return {
    port: bound,
    mails,
    waitFor: (match: (m: ReceivedMail) => boolean, what = 'an email') =>
      w.until(() => mails.find(match), what),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Quoted-printable soft breaks and escapes undone, enough to find a link in a plain-text part. */
export function unQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** A browser's push subscription keys (RFC 8291 §2): a P-256 key pair and a 16-byte auth secret. */
export function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    json: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  };
}

/** RFC 8291 §3.4 / RFC 8188 §2: decrypts a single-record aes128gcm body with the subscription's keys. */
export function decryptPush(body: Buffer, keys: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const uaPublic = keys.ecdh.getPublicKey();
  const ecdhSecret = keys.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, keys.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02 followed by zero or more 0x00 of padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing the last-record padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/**
 * RFC 8292: checks `Authorization: vapid t=<jwt>, k=<key>` — the ES256 signature against `k`, the
 * audience (the endpoint's origin) and the expiry. @returns the key and claims.
 */
export function verifyVapid(header: string | undefined, endpointOrigin: string) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`not a vapid Authorization header: ${header}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  const header_ = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (!ok || header_.alg !== 'ES256') throw new Error('VAPID signature does not verify');
  if (claims.aud !== endpointOrigin) throw new Error(`VAPID aud ${claims.aud} is not ${endpointOrigin}`);
  const now = Date.now() / 1000;
  if (claims.exp <= now || claims.exp > now + 24 * 3600) throw new Error('VAPID exp out of range');
  return { publicKey: k, claims };
}

export interface PushRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

/** A push service stand-in: keeps every request and answers 201 (or what `answer` says). */
export async function startPushEndpoint() {
  const requests: PushRequest[] = [];
  const w = waiter();
  let answer = 201;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ path: req.url ?? '', headers: req.headers, body, at: performance.now() });
    res.writeHead(answer).end();
    w.notify();
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    answerWith: (status: number) => {
      answer = status;
    },
    waitFor: (n: number, what = `${n} push requests`) =>
      w.until(() => (requests.length >= n ? requests : undefined), what),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A webhook receiver that verifies as the README tells integrators to: HMAC-SHA256 over
 * `${timestamp}.${body}`, a timestamp within 5 minutes, and a delivery id not seen before.
 */
export async function startWebhookReceiver(secret: string) {
  const accepted: { headers: IncomingMessage['headers']; body: string; json: Record<string, unknown> }[] = [];
  const refused: { status: number; reason: string }[] = [];
  const seen = new Set<string>();
  const w = waiter();
  const server = createServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    const refuse = (status: number, reason: string) => {
      refused.push({ status, reason });
      res.writeHead(status).end(reason);
      w.notify();
    };
    const ts = Number(req.headers['hearth-timestamp']);
    const sig = String(req.headers['hearth-signature'] ?? '');
    const id = String(req.headers['hearth-delivery'] ?? '');
    const expected = `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
      return refuse(401, 'bad signature');
    }
    if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return refuse(401, 'stale timestamp');
    if (seen.has(id)) return refuse(409, 'replay');
    seen.add(id);
    accepted.push({ headers: req.headers, body, json: JSON.parse(body) });
    res.writeHead(204).end();
    w.notify();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    accepted,
    refused,
    waitFor: (n: number) => w.until(() => (accepted.length >= n ? accepted : undefined), `${n} webhooks`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A plain receiver for Slack/Teams-style bodies (no signature). */
export async function startChatReceiver() {
  const bodies: Record<string, unknown>[] = [];
  const w = waiter();
  const server = createServer(async (req, res) => {
    bodies.push(JSON.parse((await readBody(req)).toString('utf8')));
    res.writeHead(200).end('ok');
    w.notify();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/chat`,
    bodies,
    waitFor: (n: number) => w.until(() => (bodies.length >= n ? bodies : undefined), `${n} chat posts`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
