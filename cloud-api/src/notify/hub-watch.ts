import type { Alert } from '@hearth/shared';
import type { Logger } from 'pino';
import { ringAlert } from '../alerts/alert-ring.js';
import { type AlertRow, lockAlertCursor, toAlert } from '../alerts/alert-store.js';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import { type Sql, transaction } from '../db/database.js';

export interface HubWatchDeps {
  sql: Sql;
  bus: Bus;
  log: Logger;
  clock: Clock;
  /** Minutes without an upload or an open control socket before a hub is an alert. */
  silenceMinutes: number;
  escalationSeconds: number;
  /** Hubs with a control socket open on this instance: heard from even when they upload nothing. */
  connectedHubIds: () => string[];
  tickMs: number;
}

/** The alert kind a silent hub raises. */
export const HUB_SILENT = 'hub_silent';

/** Age buckets of the silent-hubs metric, in minutes of silence (upper bounds). */
const BUCKETS: [string, number][] = [
  ['<1h', 60],
  ['1h-6h', 360],
  ['6h-24h', 1440],
  ['>24h', Number.POSITIVE_INFINITY],
];

function clockTime(at: Date, timezone: string, now: Date): string {
  const sameDay = now.getTime() - at.getTime() < 20 * 3600_000;
  try {
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hour: '2-digit',
      minute: '2-digit',
      ...(!sameDay && { day: 'numeric', month: 'short' }),
    }).format(at);
  } catch {
    return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/**
 * The cloud's own alert: a hub not heard from (no upload, no control socket) for the configured time
 * is an alert for the senior's carers — "hub not heard from since 14:02" — resolved by itself when the
 * hub is heard again, with the outage's length kept. One open outage per hub (a unique index), so
 * several instances raise it once.
 *
 * It looks on the injected clock's timer, but measures silence with the database's clock: `last_seen_at`
 * is stamped by the database (uploads, control sockets), and comparing it with any other clock would
 * make a skewed instance (or a test's fake clock) declare hubs silent that are not.
 */
export class HubWatch {
  private stopTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: HubWatchDeps) {}

  start(): void {
    this.stopTimer = this.deps.clock.every(this.deps.tickMs, () => {
      this.running ??= this.tick()
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err }, 'hub watch failed'))
        .finally(() => {
          this.running = undefined;
        });
    });
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    await this.running;
  }

  async settled(): Promise<void> {
    await this.running;
  }

  /** Marks connected hubs seen, closes outages of hubs heard again, opens those of silent hubs. */
  async tick(): Promise<{ raised: number; resolved: number }> {
    const { sql } = this.deps;
    const connected = this.deps.connectedHubIds();
    if (connected.length > 0) {
      await sql`update hubs set last_seen_at = greatest(last_seen_at, now()) where id = any(${connected}::uuid[])`;
    }
    const [{ now } = { now: new Date() }] = await sql<{ now: Date }[]>`select now() as now`;
    const changes: Alert[] = [];
    const back = await sql<{ id: number }[]>`
      select o.id from hub_outages o join hubs h on h.id = o.hub_id
      where o.ended_at is null and (h.last_seen_at > o.silent_since or h.status <> 'active')`;
    for (const { id } of back) {
      const alert = await this.close(id, now);
      if (alert) changes.push(alert);
    }
    const resolved = changes.length;
    const silent = await sql<{ id: string; senior_id: string; since: Date; timezone: string }[]>`
      select h.id, h.senior_id, coalesce(h.last_seen_at, h.created_at) as since, s.timezone
      from hubs h join seniors s on s.id = h.senior_id
      where h.status = 'active'
        and coalesce(h.last_seen_at, h.created_at) < now() - make_interval(mins => ${this.deps.silenceMinutes})
        and not exists (select 1 from hub_outages o where o.hub_id = h.id and o.ended_at is null)`;
    for (const hub of silent) {
      const alert = await this.open(hub, now);
      if (alert) changes.push(alert);
    }
    for (const alert of changes) await ringAlert(this.deps.bus, { alert, level: 0 }, this.deps.log);
    return { raised: changes.length - resolved, resolved };
  }

  private async open(hub: { id: string; senior_id: string; since: Date; timezone: string }, now: Date) {
    const message = `hub not heard from since ${clockTime(hub.since, hub.timezone, now)}`;
    const next = new Date(now.getTime() + this.deps.escalationSeconds * 1000);
    return (await transaction(this.deps.sql, async (tx) => {
      await lockAlertCursor(tx);
      const [outage] = await tx<{ id: number }[]>`
        insert into hub_outages (hub_id, silent_since) values (${hub.id}, ${hub.since})
        on conflict (hub_id) where ended_at is null do nothing returning id`;
      if (!outage) return undefined;
      const evidence = [{ hubId: hub.id, lastHeardAt: hub.since.toISOString() }];
      const [row] = await tx<AlertRow[]>`
        insert into alerts (senior_id, hub_id, kind, severity, source, message, evidence, occurred_at,
          last_occurred_at, next_escalation_at)
        values (${hub.senior_id}, ${hub.id}, ${HUB_SILENT}, 'warning', 'device', ${message},
          ${tx.json(evidence as never)}, ${now}, ${now}, ${next})
        returning *`;
      await tx`update hub_outages set alert_id = ${row!.id} where id = ${outage.id}`;
      this.deps.log.warn({ hubId: hub.id, since: hub.since }, 'hub not heard from');
      return toAlert(row!);
    })) as Alert | undefined;
  }

  private async close(outageId: number, now: Date) {
    return (await transaction(this.deps.sql, async (tx) => {
      await lockAlertCursor(tx);
      const [outage] = await tx<{ alert_id: string | null; hub_id: string; seconds: number }[]>`
        update hub_outages o set ended_at = greatest(h.last_seen_at, o.silent_since),
          seconds = greatest(0, extract(epoch from (greatest(h.last_seen_at, o.silent_since) - o.silent_since)))::int
        from hubs h where h.id = o.hub_id and o.id = ${outageId} and o.ended_at is null
        returning o.alert_id, o.hub_id, o.seconds`;
      if (!outage?.alert_id) return undefined;
      const minutes = Math.round(outage.seconds / 60);
      const note = `hub heard from again after ${minutes >= 1 ? `${minutes} min` : `${outage.seconds} s`} of silence`;
      const [row] = await tx<AlertRow[]>`
        update alerts set status = 'resolved', resolved_at = ${now}, resolution_note = ${note},
          acknowledged_at = coalesce(acknowledged_at, ${now}), next_escalation_at = null,
          evidence = evidence || ${tx.json([{ outageSeconds: outage.seconds }] as never)}::jsonb,
          cursor = nextval('alert_cursor_seq')
        where id = ${outage.alert_id} and status <> 'resolved' returning *`;
      this.deps.log.info({ hubId: outage.hub_id, seconds: outage.seconds }, 'hub heard from again');
      return row && toAlert(row);
    })) as Alert | undefined;
  }

  /** Active hubs silent longer than the configured time, by how long, for /metrics. */
  async silentByAge(): Promise<[Record<string, string>, number][]> {
    const rows = await this.deps.sql<{ minutes: number }[]>`
      select extract(epoch from now() - coalesce(last_seen_at, created_at))::float8 / 60 as minutes from hubs
      where status = 'active'
        and coalesce(last_seen_at, created_at) < now() - make_interval(mins => ${this.deps.silenceMinutes})`;
    const counts = new Map(BUCKETS.map(([label]) => [label, 0]));
    for (const r of rows) {
      const minutes = r.minutes;
      const [label] = BUCKETS.find(([, upTo]) => minutes < upTo)!;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    return [...counts].map(([age, n]) => [{ silent_for: age }, n]);
  }
}
