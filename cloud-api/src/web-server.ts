import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CloudConfig } from './config.js';
import type { Module } from './modules.js';
import { rejectUpgrade } from './realtime/upgrade.js';

/** Something that may take a WebSocket upgrade; false when the path is not its own. */
export interface UpgradeHandler {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/**
 * The listening HTTP server as a module: started last (once everything it serves is ready), stopped
 * first (no new connections while the rest stops). Its `drain` module goes first in the list, so it
 * stops last: in-flight requests get until then, and 5 s more, to finish.
 */
export class HttpListener implements Module {
  readonly name = 'http';
  private address: { url: string; port: number } | undefined;
  private closed: Promise<void> | undefined;

  /** Waits for in-flight requests once everything else stopped (5 s at most), then cuts the rest. */
  readonly drain: Module = {
    name: 'http-drain',
    start: () => {},
    stop: async () => {
      if (!this.closed) return;
      this.server.closeIdleConnections();
      const drained = await Promise.race([this.closed.then(() => true), sleep(5000).then(() => false)]);
      if (!drained) this.server.closeAllConnections();
    },
  };

  constructor(
    private readonly server: Server,
    private readonly config: Pick<CloudConfig, 'port' | 'host'>,
    private readonly upgrades: readonly UpgradeHandler[],
  ) {}

  /** `http://<host>:<port>`; only after start. */
  get url(): string {
    if (!this.address) throw new Error('the HTTP listener has not started');
    return this.address.url;
  }

  get port(): number {
    if (!this.address) throw new Error('the HTTP listener has not started');
    return this.address.port;
  }

  async start(): Promise<void> {
    const { server, config } = this;
    server.on('upgrade', (req, socket, head) => {
      if (this.upgrades.some((u) => u.handleUpgrade(req, socket, head))) return;
      rejectUpgrade(
        socket,
        404,
        'NOT_FOUND',
        'no WebSocket at this path; dashboards use /ws, hubs /api/v1/hub/ws',
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const wildcard = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(config.host);
    this.address = { port, url: `http://${wildcard ? '127.0.0.1' : config.host}:${port}` };
  }

  /** Refuses new connections; the requests under way go on until `drain` stops. */
  stop(): void {
    this.closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
