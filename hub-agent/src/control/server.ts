import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DeviceError } from '../sensors/devices.js';
import type { PairedDevice } from '../store/hub-state.js';
import type { OutboxEntry } from '../store/outbox.js';
import type { AgentStatus, SensorStatus } from './status.js';

/** What the control API can reach inside the agent. */
export interface ControlDeps {
  /** Path of the Unix socket; created with mode 0660 (the agent's user and group). */
  socketPath: string;
  log: Logger;
  status: () => AgentStatus;
  /** Registers a listener for every committed entry; returns its removal. */
  subscribe: (listener: (entry: OutboxEntry) => void) => () => void;
  /** The technician's sensor list; changes apply without a restart. */
  sensors: {
    list(): { devices: PairedDevice[]; sensors: SensorStatus[] };
    /** Validates and stores a device; throws DeviceError naming a bad setting. */
    add(input: unknown): Promise<PairedDevice>;
    /** False when no device had that id. */
    remove(id: string): Promise<boolean>;
  };
  /** Tells the agent that `hearth pair` wrote new credentials, so it uses them at once. */
  credentialsChanged: () => void;
  /** Present only with --simulate: triggers a simulated sensor. Throws for an unknown id. */
  press?: (sensorId: string) => OutboxEntry | null;
}

const PressBody = z.object({ sensorId: z.string().min(1).max(64) });

/** Thrown when the control socket cannot be opened; the message says what to do. */
export class ControlSocketError extends Error {
  readonly code = 'CONTROL_SOCKET';
}

/**
 * The agent's local API for the technician CLI: HTTP over a Unix socket in the data directory,
 * so only users in the agent's group can reach it and nothing listens on the network.
 */
export class ControlServer {
  private server: Server | null = null;
  private streams = new Set<ServerResponse>();

  constructor(private readonly deps: ControlDeps) {}

  async start(): Promise<void> {
    const path = this.deps.socketPath;
    if (existsSync(path)) {
      if (await answers(path)) {
        throw new ControlSocketError(
          `another hearth-agent is already running with this data directory (${path} answers); stop it first`,
        );
      }
      unlinkSync(path); // left behind by an agent that was killed
    }
    const server = createServer((req, res) => this.route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new ControlSocketError(`cannot listen on ${path}: ${(error as NodeJS.ErrnoException).code}`)),
      );
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o660);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.streams) res.end();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://agent');
    try {
      if (req.method === 'GET' && url.pathname === '/status') json(res, 200, this.deps.status());
      else if (req.method === 'GET' && url.pathname === '/events') this.stream(url, res);
      else if (req.method === 'POST' && url.pathname === '/simulate/press') void this.press(req, res);
      else if (req.method === 'POST' && url.pathname === '/credentials/changed') {
        this.deps.credentialsChanged();
        json(res, 202, { reloading: true });
      } else if (req.method === 'GET' && url.pathname === '/sensors')
        json(res, 200, this.deps.sensors.list());
      else if (req.method === 'POST' && url.pathname === '/sensors') void this.addSensor(req, res);
      else if (req.method === 'DELETE' && url.pathname.startsWith('/sensors/')) {
        void this.removeSensor(decodeURIComponent(url.pathname.slice('/sensors/'.length)), res);
      } else json(res, 404, failure('NOT_FOUND', `no route ${req.method} ${url.pathname}`));
    } catch (error) {
      this.deps.log.error({ err: String(error) }, 'control request failed');
      json(res, 500, failure('INTERNAL', 'the agent failed to answer; see its log'));
    }
  }

  /** NDJSON: one committed entry per line, as it is committed; `?sensor=ID` narrows it to one sensor. */
  private stream(url: URL, res: ServerResponse): void {
    const sensor = url.searchParams.get('sensor');
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.flushHeaders();
    this.streams.add(res);
    const unsubscribe = this.deps.subscribe((entry) => {
      if (sensor && entry.sensorId !== sensor) return;
      // A reader that stopped reading is cut off rather than buffered without end.
      if (res.writableLength > 1024 * 1024) res.destroy();
      else res.write(`${JSON.stringify(entry)}\n`);
    });
    res.on('close', () => {
      unsubscribe();
      this.streams.delete(res);
    });
  }

  private async addSensor(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req, res);
    if (body === undefined) return;
    try {
      json(res, 201, await this.deps.sensors.add(body));
    } catch (error) {
      if (error instanceof DeviceError) json(res, 400, failure('VALIDATION_FAILED', error.message));
      else this.internal(res, error);
    }
  }

  private async removeSensor(id: string, res: ServerResponse): Promise<void> {
    try {
      if (await this.deps.sensors.remove(id)) json(res, 200, { removed: id });
      else json(res, 404, failure('NOT_FOUND', `no sensor '${id}' is configured; see hearth sensors list`));
    } catch (error) {
      this.internal(res, error);
    }
  }

  private internal(res: ServerResponse, error: unknown): void {
    this.deps.log.error({ err: String(error) }, 'control request failed');
    json(res, 500, failure('INTERNAL', 'the agent failed to answer; see its log'));
  }

  private async press(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.deps.press) {
      return json(
        res,
        409,
        failure(
          'CONFLICT',
          'the agent runs real sensors; restart it with --simulate to press simulated ones',
        ),
      );
    }
    const body = await readJson(req, res);
    if (body === undefined) return;
    const parsed = PressBody.safeParse(body);
    if (!parsed.success)
      return json(res, 400, failure('VALIDATION_FAILED', 'the body must be {"sensorId": "<id>"}'));
    try {
      const entry = this.deps.press(parsed.data.sensorId);
      if (!entry)
        return json(res, 422, failure('VALIDATION_FAILED', 'the reading was refused; see the agent log'));
      json(res, 200, { seq: entry.seq, sensorId: entry.sensorId, kind: entry.kind, value: entry.value });
    } catch (error) {
      json(res, 404, failure('NOT_FOUND', error instanceof Error ? error.message : String(error)));
    }
  }
}

/** Reads a JSON body; answers 400 and returns undefined when it is not JSON. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) {
      json(res, 413, failure('PAYLOAD_TOO_LARGE', 'the body is larger than 64 KiB'));
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    json(res, 400, failure('MALFORMED_JSON', 'the body must be JSON'));
    return undefined;
  }
}

function failure(code: string, message: string) {
  return { error: { code, message } };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** True when something is listening on the socket. */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/status', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
