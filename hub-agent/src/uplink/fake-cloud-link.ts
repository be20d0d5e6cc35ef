import { randomUUID } from 'node:crypto';
import { type ModelStatusReport, type SensorEvent, UploadBatch } from '@hearth/shared';
import {
  type CloudIdentity,
  type CloudLink,
  CloudLinkError,
  type ControlPort,
  type ControlPortEvents,
  type ModelDownload,
  uploadErrorFor,
} from './cloud-link.js';

export { FaultyCloudLink } from './faulty-cloud-link.js';

/** A hub the in-memory cloud knows, and what it holds for it. */
export interface MemoryHub {
  hubId: string;
  seniorId: string;
  apiKey: string;
  /** Events held by seq, first write wins (as in the real cloud). */
  events: Map<number, SensorEvent>;
  /** Seqs uploaded again with other content: a hub reusing a seq (never a marker for a held seq). */
  conflicts: number[];
}

/** The cloud's side of one control session, for tests to talk to the hub. */
export interface FakeControlSession {
  readonly hubId: string;
  /** Frames the hub sent, parsed. */
  readonly received: unknown[];
  /** Sends a frame down to the hub. */
  deliver(message: unknown): void;
  /** Closes from the cloud's side with a close code (4001: the key was revoked). */
  close(code: number, reason?: string): void;
}

const isMarker = (e: SensorEvent) =>
  e.sensorId === 'hub' && typeof e.value === 'string' && e.value.startsWith('reading_');

/**
 * A cloud in memory that keeps the hub contract: keys, idempotent storage by `(hubId, seq)`, the
 * highest gap-free seq as the acknowledgement, config, one model and the control channel. It is
 * checked against the real `hearth-cloud` by the uplink suite, which runs on both.
 */
export class MemoryCloud implements CloudLink {
  readonly hubs = new Map<string, MemoryHub>();
  readonly pairingCodes = new Map<string, string>();
  readonly sessions: FakeControlSession[] = [];
  readonly modelReports: ModelStatusReport[] = [];
  /** What `GET /hub/config` answers besides the identity fields. */
  home: Record<string, unknown> = { seniorName: 'Ada Lovelace', timezone: 'Europe/London' };
  model: { bytes: Uint8Array; version: string; sha256: string } | null = null;

  /** Registers a hub for a senior (a new one by default) and returns its identity. */
  addHub(seniorId: string = randomUUID()): MemoryHub {
    const hub: MemoryHub = {
      hubId: randomUUID(),
      seniorId,
      apiKey: `hk_${randomUUID()}`,
      events: new Map(),
      conflicts: [],
    };
    this.hubs.set(hub.apiKey, hub);
    return hub;
  }

  async uploadEvents(who: CloudIdentity, events: SensorEvent[]): Promise<number> {
    const hub = this.hubs.get(who.apiKey);
    if (!hub) throw uploadErrorFor(401, { error: { code: 'UNAUTHENTICATED', message: 'unknown hub key' } });
    const parsed = UploadBatch.safeParse({ events });
    if (!parsed.success)
      throw uploadErrorFor(400, { error: { code: 'VALIDATION_FAILED', message: parsed.error.message } });
    if (events.some((e) => e.hubId !== hub.hubId))
      throw uploadErrorFor(403, { error: { code: 'HUB_MISMATCH', message: 'event from another hub' } });
    for (const event of parsed.data.events) {
      const held = hub.events.get(event.seq);
      if (!held) hub.events.set(event.seq, event);
      else if (JSON.stringify(held) !== JSON.stringify(event) && !isMarker(held) && !isMarker(event))
        hub.conflicts.push(event.seq);
    }
    let acked = 0;
    while (hub.events.has(acked + 1)) acked++;
    return acked;
  }

  async fetchConfig(who: CloudIdentity): Promise<unknown> {
    const hub = this.authorised(who);
    return { hubId: hub.hubId, seniorId: hub.seniorId, ...this.home };
  }

  async fetchModel(who: CloudIdentity, known: string[]): Promise<ModelDownload> {
    this.authorised(who);
    if (!this.model) return { kind: 'none' };
    if (known.includes(this.model.sha256)) return { kind: 'unchanged' };
    return { kind: 'model', ...this.model, bytes: new Uint8Array(this.model.bytes) };
  }

  async reportModelStatus(who: CloudIdentity, report: ModelStatusReport): Promise<void> {
    this.authorised(who);
    this.modelReports.push(report);
  }

  async claim(_cloudUrl: string, request: { code: string; deviceId: string }): Promise<unknown> {
    const seniorId = this.pairingCodes.get(request.code);
    if (!seniorId) {
      const body = { error: { code: 'NOT_FOUND', message: 'pairing code unknown, used or expired' } };
      throw new CloudLinkError('the cloud answered 404', 404, body);
    }
    this.pairingCodes.delete(request.code);
    const hub = this.addHub(seniorId);
    return { hubId: hub.hubId, apiKey: hub.apiKey, seniorId };
  }

  openControl(who: CloudIdentity, events: ControlPortEvents): ControlPort {
    const hub = this.hubs.get(who.apiKey);
    let open = false;
    let closed = false;
    const finish = (code: number, reason: string, refusedStatus: number | null) => {
      if (closed) return;
      closed = true;
      open = false;
      queueMicrotask(() => events.close({ code, reason, refusedStatus, error: null }));
    };
    const received: unknown[] = [];
    if (hub) {
      this.sessions.push({
        hubId: hub.hubId,
        received,
        deliver: (message) => {
          if (open) queueMicrotask(() => events.message(JSON.stringify(message)));
        },
        close: (code, reason = '') => finish(code, reason, null),
      });
    }
    queueMicrotask(() => {
      if (closed) return;
      if (!hub) return finish(1006, '', 401);
      open = true;
      events.open();
      events.message(
        JSON.stringify({ type: 'ack', topic: 'hello', data: { hubId: hub.hubId, seniorId: hub.seniorId } }),
      );
    });
    return {
      get isOpen() {
        return open;
      },
      send(text) {
        if (!open) return false;
        received.push(JSON.parse(text));
        return true;
      },
      ping: () => {
        if (open) queueMicrotask(() => events.pong());
      },
      close: (code, reason) => finish(code, reason, null),
      terminate: () => finish(1006, '', null),
    };
  }

  private authorised(who: CloudIdentity): MemoryHub {
    const hub = this.hubs.get(who.apiKey);
    if (!hub)
      throw new CloudLinkError('the cloud answered 401', 401, {
        error: { code: 'UNAUTHENTICATED', message: 'unknown hub key' },
      });
    return hub;
  }
}
