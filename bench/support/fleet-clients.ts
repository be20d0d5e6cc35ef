// The fleet bench's clients: simulated hubs that run the hub's own control channel (ControlChannel
// over HttpCloudLink, with its jittered backoff) and upload through the hub's own HTTP link, and
// dashboards that speak /ws the way the browser's LiveFeed does (same jittered reconnect, resume from
// the cursor). Each client asks the balancer for an instance whenever it (re)connects.
import { randomUUID } from 'node:crypto';
import type { SensorEvent } from '@hearth/shared';
import { pino } from 'pino';
import WebSocket from 'ws';
import { reconnectDelayMs } from '../../cloud-api/src/web/app/reconnect.js';
import { Backoff } from '../../hub-agent/src/backoff.js';
import { systemClock } from '../../hub-agent/src/clock.js';
import type { CredentialsSource } from '../../hub-agent/src/config/credentials-source.js';
import { ControlChannel } from '../../hub-agent/src/uplink/control-channel.js';
import { HttpCloudLink } from '../../hub-agent/src/uplink/http-cloud-link.js';
import type { UplinkCredentials } from '../../hub-agent/src/uplink/uplink.js';
import type { FleetCarer, FleetHome } from './fleet-setup.js';

/** Hands out the instances a load balancer would, round robin; a draining instance is removed first. */
export class Balancer {
  private next = 0;
  constructor(public urls: string[]) {}
  pick(): string {
    const url = this.urls[this.next++ % this.urls.length];
    if (!url) throw new Error('no cloud instance in the balancer');
    return url;
  }
}

/** What the clients saw, in ms since the epoch. */
export class FleetLog {
  /** `hubId:seq` → when the hub first tried to upload it. */
  readonly uploadedAt = new Map<string, number>();
  /** Hub alert id → when the hub first tried to upload it. */
  readonly alertUploadedAt = new Map<string, number>();
  /** Dashboard receipts of readings: `hubId:seq` and the arrival time. */
  readonly readings: { key: string; at: number }[] = [];
  /** Dashboard first receipts of alerts: the cloud's alert id, the hub's alert id, arrival, and how. */
  readonly alerts: { id: string; hubAlertId: string; at: number; via: 'update' | 'snapshot' }[] = [];
  alertsSent = 0;
  readingsSent = 0;
}

const quiet = pino({ level: 'silent' });
const link = new HttpCloudLink();
const PROBE = 'fleet probe ';

export class SimHub {
  private seq = 0;
  private outbox: SensorEvent[] = [];
  private sending = false;
  private ticking = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly uploadBackoff = new Backoff({ initialMs: 1000, maxMs: 10_000 });
  private channel: ControlChannel | undefined;
  /** The instance the control channel last connected to, and whether the cloud said hello there. */
  instance = '';
  connected = false;

  constructor(
    readonly home: FleetHome,
    private readonly balancer: Balancer,
    private readonly log: FleetLog,
    private readonly options: { readingEveryMs: number; alertEveryMs: number },
  ) {}

  /** Opens the control channel (the hub's own, with its backoff) and starts sending readings. */
  async start(): Promise<void> {
    const { home } = this;
    const credentials: CredentialsSource<UplinkCredentials> = {
      current: () => {
        this.instance = this.balancer.pick();
        return { cloudUrl: this.instance, hubId: home.hubId, apiKey: home.apiKey, seniorId: home.seniorId };
      },
      problem: () => null,
      onChange: () => () => {},
    };
    const channel = new ControlChannel({
      clock: systemClock,
      log: quiet,
      credentials,
      link,
      handlers: {
        connected: () => {
          this.connected = true;
        },
        alertChanged: () => {},
        modelAvailable: () => {},
        rulesChanged: () => {},
        safetyCheckRequested: () => {},
      },
    });
    this.channel = channel;
    await channel.start();
    this.ticking = true;
    this.timer = setTimeout(() => this.tick(), Math.random() * this.options.readingEveryMs);
  }

  /** The channel is up when the hub's own status says so (a close clears it before the next hello). */
  get up(): boolean {
    if (!this.channel?.status().connected) this.connected = false;
    return this.connected;
  }

  /** Stops making readings; what is in the outbox still goes up. */
  stopSending(): void {
    this.ticking = false;
    clearTimeout(this.timer);
  }

  get backlog(): number {
    return this.outbox.length;
  }

  async stop(): Promise<void> {
    this.stopSending();
    this.connected = false;
    await this.channel?.stop();
  }

  private tick(): void {
    if (!this.ticking) return;
    const { hubId } = this.home;
    const ts = new Date().toISOString();
    this.outbox.push({ hubId, seq: ++this.seq, ts, sensorId: 'hall-temp', kind: 'temperature', value: 21.5 });
    this.log.readingsSent++;
    if (Math.random() < this.options.readingEveryMs / this.options.alertEveryMs) {
      const alertId = randomUUID();
      this.outbox.push({
        hubId,
        seq: ++this.seq,
        ts,
        sensorId: 'pendant',
        kind: 'alert',
        value: null,
        alert: {
          alertId,
          kind: 'fleet_probe',
          severity: 'critical',
          source: 'button',
          message: `${PROBE}${alertId}`,
          evidence: [],
        },
      });
      this.log.alertsSent++;
    }
    this.timer = setTimeout(() => this.tick(), this.options.readingEveryMs);
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.sending || this.outbox.length === 0) return;
    this.sending = true;
    const batch = this.outbox.slice(0, 500);
    const now = Date.now();
    for (const e of batch) {
      const key = `${e.hubId}:${e.seq}`;
      if (!this.log.uploadedAt.has(key)) this.log.uploadedAt.set(key, now);
      if (e.alert && !this.log.alertUploadedAt.has(e.alert.alertId))
        this.log.alertUploadedAt.set(e.alert.alertId, now);
    }
    try {
      const acked = await link.uploadEvents(
        { cloudUrl: this.balancer.pick(), apiKey: this.home.apiKey },
        batch,
      );
      this.outbox = this.outbox.filter((e) => e.seq > acked);
      this.uploadBackoff.reset();
      this.sending = false;
      void this.flush();
    } catch {
      this.sending = false;
      setTimeout(() => void this.flush(), this.uploadBackoff.next());
    }
  }
}

interface Envelope {
  type: string;
  topic: string;
  data?: unknown;
}

interface WireAlert {
  id: string;
  cursor: number;
  message: string;
}

export class SimDashboard {
  private ws: WebSocket | undefined;
  private retry = 0;
  private stopped = true;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private cursor: number | null = null;
  /** Alert id → the cursors seen for it; a cursor seen twice is an alert shown twice. */
  private readonly seen = new Map<string, Set<number>>();
  instance = '';
  /** Subscribed to alerts and holding their snapshot. */
  live = false;
  duplicates = 0;

  constructor(
    readonly carer: FleetCarer,
    private readonly balancer: Balancer,
    private readonly log: FleetLog,
  ) {}

  /** Cloud alert ids this dashboard has shown. */
  get alertIds(): ReadonlySet<string> {
    return new Set(this.seen.keys());
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.live = false;
    this.ws?.terminate();
  }

  private open(): void {
    if (this.stopped) return;
    this.live = false;
    this.instance = this.balancer.pick();
    const ws = new WebSocket(
      `${this.instance.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.carer.token)}`,
      { perMessageDeflate: false },
    );
    this.ws = ws;
    const send = (m: Envelope) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
    ws.on('open', () => {
      this.retry = 0;
      send({ type: 'subscribe', topic: 'alerts', data: this.cursor === null ? {} : { cursor: this.cursor } });
      for (const id of this.carer.seniorIds) send({ type: 'subscribe', topic: `senior:${id}` });
    });
    ws.on('message', (data) => {
      if (ws !== this.ws) return;
      const at = Date.now();
      this.handle(JSON.parse(data.toString()) as Envelope, at);
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (ws !== this.ws) return;
      this.live = false;
      if (this.stopped) return;
      this.reconnectTimer = setTimeout(() => this.open(), reconnectDelayMs(this.retry++));
    });
  }

  private handle(msg: Envelope, at: number): void {
    if (msg.topic === 'alerts' && msg.type === 'snapshot') {
      const data = msg.data as { alerts: WireAlert[]; cursor: number };
      for (const a of data.alerts) this.alert(a, at, 'snapshot');
      this.cursor = Math.max(this.cursor ?? 0, data.cursor);
      this.live = true;
    } else if (msg.topic === 'alerts' && msg.type === 'update') {
      const a = msg.data as WireAlert;
      this.alert(a, at, 'update');
      this.cursor = Math.max(this.cursor ?? 0, a.cursor);
    } else if (msg.topic.startsWith('senior:') && msg.type === 'update') {
      for (const e of (msg.data as { events: { hubId: string; seq: number }[] }).events)
        this.log.readings.push({ key: `${e.hubId}:${e.seq}`, at });
    }
  }

  private alert(a: WireAlert, at: number, via: 'update' | 'snapshot'): void {
    let cursors = this.seen.get(a.id);
    if (!cursors) {
      cursors = new Set();
      this.seen.set(a.id, cursors);
      if (a.message.startsWith(PROBE))
        this.log.alerts.push({ id: a.id, hubAlertId: a.message.slice(PROBE.length), at, via });
    }
    if (cursors.has(a.cursor)) this.duplicates++;
    cursors.add(a.cursor);
  }
}
