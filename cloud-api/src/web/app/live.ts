// The dashboard's WebSocket: snapshots then updates for alerts, seniors and hubs, resuming alerts
// from the last cursor after any drop. Liveness is judged from what the server sends (its answers to
// our pings and every update), measured on the wall clock, so a throttled background tab that wakes
// late still knows how long it has heard nothing.
import type { HubRollout } from '@hearth/shared';
import type { Hub, LastActivity, LiveAlert, Model, Senior } from './model.js';
import { reconnectDelayMs } from './reconnect.js';
import type { Session } from './session.js';

/** With no message from the server for this long, the connection is treated as dead. */
export const SILENCE_LIMIT_MS = 35_000;
const PING_EVERY_MS = 10_000;
/** The close code of a dashboard whose sessions the cloud ended. */
const CLOSE_SIGNED_OUT = 4001;
/** Seniors whose events are followed live on the board (more would be one topic each). */
const MAX_LIVE_SENIORS = 50;
const ACTIVE_KINDS = new Set(['motion', 'contact', 'button', 'pressure']);

export interface AlertEvents {
  /** An alert this tab had not seen, or a change to one it had; `before` is the previous state. */
  onAlert(alert: LiveAlert, before: LiveAlert | undefined): void;
  /** Someone was rung about this alert, or a delivery of it moved on (sent, delivered, seen…). */
  onDeliveries?(alertId: string): void;
}

interface Envelope {
  type: string;
  topic: string;
  data?: unknown;
  id?: string | number;
}

export class LiveFeed {
  private ws: WebSocket | null = null;
  private retry = 0;
  private stopped = true;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly followed = new Set<string>();

  constructor(
    private readonly session: Session,
    private readonly model: Model,
    private readonly events: AlertEvents,
  ) {}

  start(): void {
    this.stopped = false;
    void this.open();
    // Checked against the wall clock: a late tick still sees the true silence.
    this.pinger = setInterval(() => this.checkLiveness(), PING_EVERY_MS);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pinger);
    clearTimeout(this.reconnectTimer);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.ws?.close(1000, 'signed out');
    this.ws = null;
  }

  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.checkLiveness();
  };

  private checkLiveness(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const last = this.model.connection.lastMessageAt ?? 0;
    if (Date.now() - last > SILENCE_LIMIT_MS) {
      ws.close(4000, 'server silent');
      this.onDown();
      return;
    }
    this.send({ type: 'ping', topic: '' });
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const token = await this.session.token();
    if (this.stopped) return;
    if (!token) return this.onDown();
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      const cursor = this.model.cursor;
      this.send({ type: 'subscribe', topic: 'alerts', data: cursor === null ? {} : { cursor } });
      this.send({ type: 'subscribe', topic: 'seniors' });
      this.send({ type: 'subscribe', topic: 'hubs' });
      this.followed.clear();
      this.followSeniors();
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      this.model.connection.lastMessageAt = Date.now();
      try {
        this.handle(JSON.parse(String(event.data)) as Envelope);
      } finally {
        this.model.changed();
      }
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      // The cloud ended this person's sessions (signed out everywhere, disabled, new role): the token
      // this tab holds is dead, so ask the cookie; without a session left, the page signs out.
      if (event.code === CLOSE_SIGNED_OUT) void this.session.refresh();
      this.onDown();
    };
  }

  private onDown(): void {
    this.ws = null;
    const c = this.model.connection;
    if (c.state !== 'down') {
      c.state = 'down';
      c.downSince = Date.now();
      this.model.changed();
    }
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open(), reconnectDelayMs(this.retry++));
  }

  private send(msg: Envelope): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Follows the live events of the seniors on the board, for last activity and the sparkline. */
  followSeniors(): void {
    for (const id of [...this.model.seniors.keys()].slice(0, MAX_LIVE_SENIORS)) {
      if (this.followed.has(id)) continue;
      this.followed.add(id);
      this.send({ type: 'subscribe', topic: `senior:${id}` });
    }
  }

  private handle(msg: Envelope): void {
    const m = this.model;
    if (msg.type === 'ping') {
      this.send({ type: 'pong', topic: '' });
      return;
    }
    if (msg.type === 'shutdown') {
      m.connection.state = 'down';
      m.connection.downSince ??= Date.now();
      return;
    }
    if (msg.topic === 'alerts' && msg.type === 'snapshot') {
      const data = msg.data as { alerts: LiveAlert[]; cursor: number; resumed: boolean };
      if (!data.resumed) m.alerts.clear();
      for (const a of data.alerts) this.applyAlert(a, data.resumed);
      m.cursor = data.cursor;
      if (data.resumed && m.connection.downSince !== null) m.connection.resumedAt = Date.now();
      m.connection.state = 'live';
      m.connection.downSince = null;
      return;
    }
    if (msg.topic === 'alerts' && msg.type === 'update') {
      const a = msg.data as LiveAlert;
      this.applyAlert(a, true);
      m.cursor = Math.max(m.cursor ?? 0, a.cursor);
      return;
    }
    if (msg.topic === 'seniors') {
      const data = msg.data as { seniors?: Senior[]; senior?: Senior };
      if (msg.type === 'snapshot') {
        m.seniors.clear();
        for (const s of data.seniors ?? []) m.seniors.set(s.id, s);
      } else if (data.senior) m.seniors.set(data.senior.id, data.senior);
      this.followSeniors();
      return;
    }
    if (msg.topic === 'hubs') {
      const data = msg.data as { hubs?: Hub[]; hub?: Hub; online?: boolean; rollout?: HubRollout };
      if (msg.type === 'snapshot') {
        // The snapshot says which hubs hold a control channel now: a hub that died shows at once.
        m.hubs.clear();
        for (const h of data.hubs ?? []) m.hubs.set(h.id, h);
      } else if (data.hub) {
        const before = m.hubs.get(data.hub.id);
        m.hubs.set(data.hub.id, { ...data.hub, online: data.hub.online ?? data.online ?? before?.online });
        if (data.rollout) m.rollouts.set(data.hub.id, data.rollout);
      }
      return;
    }
    if (msg.topic === 'deliveries' && msg.type === 'update') {
      this.events.onDeliveries?.((msg.data as { alertId: string }).alertId);
      return;
    }
    if (msg.topic.startsWith('senior:') && msg.type !== 'error') {
      const seniorId = msg.topic.slice('senior:'.length);
      const events = (msg.data as { events?: LastEvent[] }).events ?? [];
      this.noteActivity(seniorId, events, msg.type === 'update');
    }
  }

  private applyAlert(a: LiveAlert, live: boolean): void {
    const before = this.model.alerts.get(a.id);
    if (before && before.cursor > a.cursor) return;
    const next: LiveAlert = {
      ...a,
      escalation: a.escalation ?? before?.escalation,
      seenAt: before?.seenAt ?? (live ? Date.now() : undefined),
    };
    this.model.alerts.set(a.id, next);
    if (live) this.events.onAlert(next, before);
  }

  private noteActivity(seniorId: string, events: LastEvent[], live: boolean): void {
    const active = events.filter((e) => ACTIVE_KINDS.has(e.kind) && e.value !== false);
    const latest = active.at(-1);
    const known = this.model.lastActivity.get(seniorId);
    if (latest && (!known || known.at < latest.ts)) {
      const next: LastActivity = { at: latest.ts, room: latest.room ?? null };
      this.model.lastActivity.set(seniorId, next);
    }
    if (!live) return;
    const today = this.model.todayActivity.get(seniorId);
    if (!today) return;
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    for (const e of active) {
      const hour = Math.floor((Date.parse(e.ts) - start.getTime()) / 3600_000);
      if (hour >= 0 && hour < 24) today[hour] = (today[hour] ?? 0) + 1;
    }
  }
}

interface LastEvent {
  ts: string;
  kind: string;
  value: unknown;
  room?: string | null;
}
