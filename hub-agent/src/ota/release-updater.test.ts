import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRelease, HubUpMessage } from '@hearth/shared';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { DownloadError, type DownloadRequest } from './download.js';
import { signRelease } from './release-signature.js';
import { INSTALL_REQUEST, ReleaseUpdater } from './release-updater.js';
import { UpdateReports } from './update-reports.js';

const log = pino({ level: 'silent' });
const releaseKey = generateKeyPairSync('ed25519');
const trusted = releaseKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const bundle = Buffer.from('hearth-hub 1.1.0, as the release machine built it');
const sha256 = createHash('sha256').update(bundle).digest('hex');
const cloudUrl = 'http://cloud.test:8080';

function offerOf(bytes = bundle, key = releaseKey.privateKey, version = '1.1.0'): AgentRelease {
  const signed = signRelease(
    { version, arch: 'x64', sha256: createHash('sha256').update(bytes).digest('hex') },
    key,
  );
  return { ...signed, url: `${cloudUrl}/api/v1/hub/releases/${version}/bundle`, size: bytes.length };
}

/** A hub's data directory, the updater and what it sent up, rebuilt as after a restart by `restart()`. */
class Hub {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'hearth-ota-'));
  readonly clock = new FakeClock();
  readonly sent: HubUpMessage[] = [];
  readonly downloads: DownloadRequest[] = [];
  connected = true;
  /** What the fake server serves; `cutAt` drops the first attempt after that many bytes. */
  serve = bundle;
  cutAt: number | null = null;
  updater!: ReleaseUpdater;
  reports!: UpdateReports;

  constructor(readonly running = '1.0.0') {
    this.build();
  }

  build() {
    this.reports = new UpdateReports({
      file: join(this.dataDir, 'ota/reports.json'),
      send: (message) => this.connected && this.sent.push(message) > 0,
      log,
    });
    this.updater = new ReleaseUpdater({
      dir: join(this.dataDir, 'ota'),
      installRecord: join(this.dataDir, 'release-state.json'),
      running: this.running,
      arch: 'x64',
      trustedKey: () => trusted,
      identity: () => ({ cloudUrl, apiKey: 'hk_hub' }),
      reports: this.reports,
      clock: this.clock,
      log,
      maxBytes: 1_000_000,
      backoff: { initialMs: 1000, maxMs: 1000 },
      download: async (request) => {
        this.downloads.push(request);
        const kept = existsSync(request.file) ? readFileSync(request.file) : Buffer.alloc(0);
        if (this.cutAt !== null) {
          writeFileSync(request.file, this.serve.subarray(0, this.cutAt));
          this.cutAt = null;
          throw new DownloadError('the download broke off (ECONNRESET)', 'retry');
        }
        writeFileSync(request.file, Buffer.concat([kept, this.serve.subarray(kept.length)]));
        return this.serve.length;
      },
    });
  }

  async restart(running = this.running) {
    await this.updater.stop();
    (this as { running: string }).running = running;
    this.build();
    await this.updater.start();
  }

  ready = () =>
    existsSync(join(this.dataDir, 'ota/ready')) ? readdirSync(join(this.dataDir, 'ota/ready')).sort() : [];
  results = () => this.sent.flatMap((m) => (m.type === 'update' && m.topic === 'release' ? [m.data] : []));

  /** What install-hub.sh writes when it is done. */
  installerRecords(result: string, version: string, attempted: string, reason = '') {
    writeFileSync(
      join(this.dataDir, 'release-state.json'),
      `${JSON.stringify({ result, version, attempted, reason, at: new Date().toISOString() })}\n`,
    );
  }
}

let hub: Hub;
beforeEach(async () => {
  hub = new Hub();
  await hub.updater.start();
});

describe('an offered release', () => {
  it('is downloaded with the hub credentials, verified and handed to the installer, whose outcome is reported until acknowledged', async () => {
    hub.updater.offer(offerOf());
    await hub.updater.settled();
    expect(hub.downloads[0]?.headers).toEqual({ authorization: 'Bearer hk_hub' });
    expect(hub.ready()).toEqual([
      'hearth-hub-1.1.0-linux-x64.tar.gz',
      'hearth-hub-1.1.0-linux-x64.tar.gz.release.json',
      INSTALL_REQUEST,
    ]);
    const ready = join(hub.dataDir, 'ota/ready');
    expect(readFileSync(join(ready, 'hearth-hub-1.1.0-linux-x64.tar.gz')).equals(bundle)).toBe(true);
    expect(
      JSON.parse(readFileSync(join(ready, 'hearth-hub-1.1.0-linux-x64.tar.gz.release.json'), 'utf8')),
    ).toEqual({
      version: '1.1.0',
      arch: 'x64',
      sha256,
      signature: offerOf().signature,
    });
    expect(hub.updater.status().state).toBe('handed_off');

    // The installer upgrades and restarts the agent; the new one reads the outcome once it is recorded.
    await hub.restart('1.1.0');
    hub.installerRecords('upgraded', '1.1.0', '1.1.0');
    hub.clock.advance(5000);
    const [report] = hub.sent.filter((m) => m.topic === 'release');
    expect(report).toMatchObject({
      type: 'update',
      topic: 'release',
      data: { version: '1.1.0', status: 'installed', running: '1.1.0' },
    });
    expect(hub.updater.status()).toEqual({ state: 'idle', version: null, reportsWaiting: 1 });
    hub.reports.acknowledged(report?.id);
    expect(hub.updater.status().reportsWaiting).toBe(0);
    hub.clock.advance(5000);
    expect(hub.results()).toHaveLength(1);
  });

  it('reports a rollback the next time the hub reaches the cloud, even after a restart', async () => {
    hub.updater.offer(offerOf());
    await hub.updater.settled();
    hub.connected = false;
    hub.installerRecords('rolled-back', '1.0.0', '1.1.0', 'agent: not ready within 120 s');
    await hub.restart();
    expect(hub.results()).toEqual([]);
    await hub.restart();
    hub.connected = true;
    hub.reports.connected();
    expect(hub.results()).toEqual([
      { version: '1.1.0', status: 'rolled_back', running: '1.0.0', detail: 'agent: not ready within 120 s' },
    ]);
    // Rolled back once, not tried again when the same release is offered again.
    hub.updater.offer(offerOf());
    await hub.updater.settled();
    expect(hub.downloads).toHaveLength(1);
  });

  it('resumes a cut download, also after an agent restart', async () => {
    hub.cutAt = 10;
    hub.updater.offer(offerOf());
    await Promise.resolve();
    await hub.restart();
    await hub.updater.settled();
    expect(hub.downloads.map((d) => d.file)).toEqual([hub.downloads[0]?.file, hub.downloads[0]?.file]);
    expect(hub.ready()).toContain(INSTALL_REQUEST);
  });

  it('is rejected with the reason and deleted when its bytes are not the ones signed', async () => {
    hub.serve = Buffer.from('hearth-hub 1.1.0, with something added on the way');
    hub.updater.offer(offerOf());
    await hub.updater.settled();
    expect(hub.results()).toEqual([
      expect.objectContaining({ version: '1.1.0', status: 'rejected', running: '1.0.0' }),
    ]);
    expect(hub.results()[0]?.detail).toMatch(/the download's sha256 is [0-9a-f]{64}, the release says/);
    expect(hub.ready()).toEqual([]);
    expect(existsSync(join(hub.dataDir, 'ota/staging'))).toBe(false);
  });

  it('is rejected when signed by another key', async () => {
    const stranger = generateKeyPairSync('ed25519');
    hub.updater.offer(offerOf(bundle, stranger.privateKey));
    await hub.updater.settled();
    expect(hub.results()).toEqual([
      {
        version: '1.1.0',
        status: 'rejected',
        running: '1.0.0',
        detail: 'release 1.1.0 refused: its signature does not match the release key this hub trusts',
      },
    ]);
    expect(hub.ready()).toEqual([]);
  });

  it('is ignored when it is the version running, or while another is under way', async () => {
    hub.updater.offer(offerOf(bundle, releaseKey.privateKey, '1.0.0'));
    hub.cutAt = 5;
    hub.updater.offer(offerOf());
    hub.updater.offer(offerOf(Buffer.from('another build'), releaseKey.privateKey, '1.2.0'));
    await new Promise((resolve) => setImmediate(resolve)); // the cut is handled and the retry waits
    hub.clock.advance(1000);
    await hub.updater.settled();
    expect(hub.downloads.map((d) => d.url)).toEqual([offerOf().url, offerOf().url]);
    expect(hub.ready()).toContain('hearth-hub-1.1.0-linux-x64.tar.gz');
  });

  it('is reported failed when the installer never takes it', async () => {
    hub.updater.offer(offerOf());
    await hub.updater.settled();
    hub.clock.advance(29 * 60_000);
    expect(hub.results()).toEqual([]);
    hub.clock.advance(60_000);
    expect(hub.results()).toEqual([
      {
        version: '1.1.0',
        status: 'failed',
        running: '1.0.0',
        detail: 'the installer did not take release 1.1.0 within 30 min (is hearth-update.path enabled?)',
      },
    ]);
    expect(hub.ready()).toEqual([]);
    expect(hub.updater.status().state).toBe('idle');
  });

  it('is rejected without a download when built for another CPU', async () => {
    hub.updater.offer({ ...offerOf(), arch: 'arm64' });
    await hub.updater.settled();
    expect(hub.downloads).toEqual([]);
    expect(hub.results()).toEqual([
      {
        version: '1.1.0',
        status: 'rejected',
        running: '1.0.0',
        detail: 'release 1.1.0 is built for arm64; this hub is x64',
      },
    ]);
  });

  it('does not send the hub key to a host other than its cloud', async () => {
    hub.updater.offer({ ...offerOf(), url: 'https://cdn.example/hearth-hub-1.1.0.tar.gz' });
    await hub.updater.settled();
    expect(hub.downloads[0]?.headers).toEqual({});
  });
});
