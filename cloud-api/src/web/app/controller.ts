// Wires the session, the live feed, the ringer and the model for the views.
import type { StaffMember } from '@hearth/shared';
import { occurrences } from './format.js';
import { LiveFeed } from './live.js';
import { type LiveAlert, Model } from './model.js';
import { Ringer, ringsMe } from './ringer.js';
import { Session } from './session.js';

const ACTIVE_KINDS = new Set(['motion', 'contact', 'button', 'pressure']);

export class Dashboard {
  readonly model = new Model();
  readonly ringer = new Ringer();
  readonly session: Session;
  /** False until the first attempt to restore the session from the cookie has answered. */
  restored = false;
  readonly escalationSeconds: number;
  private live: LiveFeed | null = null;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    const meta = document.querySelector<HTMLMetaElement>('meta[name=hearth-escalation-seconds]');
    this.escalationSeconds = Number(meta?.content) || 300;
    this.session = new Session((me) => this.onSession(me));
  }

  async start(): Promise<void> {
    await this.session.refresh();
    this.restored = true;
    this.model.changed();
  }

  /** The "start shift" gesture: unlocks sound and asks for notifications. */
  async startShift(): Promise<void> {
    await this.ringer.startShift(() =>
      [...this.model.alerts.values()].some(
        (a) => a.status === 'open' && a.severity === 'critical' && ringsMe(a),
      ),
    );
    this.model.shiftStarted = true;
    this.model.changed();
  }

  private onSession(me: StaffMember | null): void {
    this.model.me = me;
    this.live?.stop();
    this.live = null;
    clearInterval(this.refreshTimer);
    if (!me) {
      this.ringer.stop();
      this.model.shiftStarted = false;
      this.model.reset();
      return;
    }
    this.model.staffNames.set(me.id, me.name);
    this.live = new LiveFeed(this.session, this.model, {
      onAlert: (a, before) => {
        this.onAlert(a, before);
        this.deliveriesChanged(a.id);
      },
      onDeliveries: (alertId) => this.deliveriesChanged(alertId),
    });
    this.live.start();
    if (me.role === 'admin') void this.loadStaffNames();
    // The sparklines come from the hourly rollup; live events add to them in between.
    this.refreshTimer = setInterval(() => void this.loadBoardActivity(), 5 * 60_000);
    setTimeout(() => void this.loadBoardActivity(), 1500);
    this.model.changed();
  }

  private onAlert(a: LiveAlert, before: LiveAlert | undefined): void {
    this.ensureOwnerName(a);
    if (!ringsMe(a)) return;
    const me = this.model.me?.id;
    const repeated = before !== undefined && occurrences(a).count > occurrences(before).count;
    const isNew = before === undefined && a.status === 'open';
    const escalated = a.escalation !== undefined && a.escalation.level !== before?.escalation?.level;
    // A repeat after acknowledgement rings the carer who has it; an open one rings whoever the cloud rings.
    const ring =
      (a.status === 'open' && (isNew || repeated || escalated)) ||
      (a.status === 'acknowledged' && repeated && a.acknowledgedBy === me);
    if (ring) this.ringer.ring(a, this.model.seniorName(a.seniorId), () => (location.hash = '#/alerts'));
  }

  async loadStaffNames(): Promise<void> {
    const { staff } = await this.session.api<{ staff: StaffMember[] }>('/staff');
    for (const s of staff) this.model.staffNames.set(s.id, s.name);
    this.model.changed();
  }

  private readonly askedNames = new Set<string>();
  private readonly deliveryWatchers = new Map<string, Set<() => void>>();

  private deliveriesChanged(alertId: string): void {
    for (const fn of this.deliveryWatchers.get(alertId) ?? []) fn();
  }

  /** Calls `fn` whenever the alert or its deliveries change (a panel reads them again). */
  watchDeliveries(alertId: string, fn: () => void): () => void {
    let set = this.deliveryWatchers.get(alertId);
    if (!set) {
      set = new Set();
      this.deliveryWatchers.set(alertId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.deliveryWatchers.delete(alertId);
    };
  }

  /** Looks up, once, the name of whoever has an alert when this tab does not know it yet. */
  ensureOwnerName(a: LiveAlert): void {
    if (!a.acknowledgedBy || this.model.staffNames.has(a.acknowledgedBy) || this.askedNames.has(a.id)) return;
    this.askedNames.add(a.id);
    this.loadHistoryNames(a.id).catch(() => this.askedNames.delete(a.id));
  }

  /** Names of the people who acted on an alert (carers may not list staff, but may read this). */
  async loadHistoryNames(alertId: string): Promise<void> {
    const { history } = await this.session.api<{
      history: { staffId: string | null; staffName: string | null }[];
    }>(`/alerts/${alertId}/history`);
    for (const h of history) if (h.staffId && h.staffName) this.model.staffNames.set(h.staffId, h.staffName);
    this.model.changed();
  }

  /** Today's hourly activity and the latest sign of life of each senior on the board. */
  async loadBoardActivity(): Promise<void> {
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    const from = start.toISOString();
    const to = new Date(start.getTime() + 24 * 3600_000).toISOString();
    await Promise.allSettled(
      [...this.model.seniors.keys()].slice(0, 100).map(async (id) => {
        const [activity, events] = await Promise.all([
          this.session.api<{ buckets: { bucket: string; activeEvents: number }[] }>(
            `/seniors/${id}/activity?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
          ),
          this.session.api<{ events: { ts: string; kind: string; value: unknown; room: string | null }[] }>(
            `/seniors/${id}/events?limit=200`,
          ),
        ]);
        const hours = new Array<number>(24).fill(0);
        for (const b of activity.buckets) {
          const h = Math.floor((Date.parse(b.bucket) - start.getTime()) / 3600_000);
          if (h >= 0 && h < 24) hours[h] = (hours[h] ?? 0) + b.activeEvents;
        }
        this.model.todayActivity.set(id, hours);
        const last = events.events.filter((e) => ACTIVE_KINDS.has(e.kind) && e.value !== false).at(-1);
        const known = this.model.lastActivity.get(id);
        if (last && (!known || known.at < last.ts))
          this.model.lastActivity.set(id, { at: last.ts, room: last.room });
      }),
    );
    this.model.changed();
  }
}
