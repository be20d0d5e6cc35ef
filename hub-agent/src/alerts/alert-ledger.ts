import type { Alert, RaisedAlert } from '@hearth/shared';
import { z } from 'zod';
import type { AlertLedgerTable } from '../store/hub-state.js';

const Status = z.enum(['open', 'acknowledged', 'resolved']);

/** One alert this hub raised and what people in the cloud have done about it. */
export const HubAlertRecord = z.object({
  /** The hub's alert id (RaisedAlert.alertId); null for a cloud alert naming none of the hub's ids. */
  alertId: z.string().nullable(),
  /** The cloud's alert it was recorded under (several hub alerts can fold into one); null until heard. */
  cloudAlertId: z.string().nullable(),
  kind: z.string(),
  severity: z.string(),
  raisedAt: z.string(),
  status: Status,
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolutionNote: z.string().nullable(),
});
export type HubAlertRecord = z.infer<typeof HubAlertRecord>;

const Stored = z.object({ version: z.literal(1), records: z.array(HubAlertRecord) });

const rank = { open: 0, acknowledged: 1, resolved: 2 } as const;

/** The cloud names the hub alerts folded into one of its alerts in their evidence. */
function hubAlertIdsOf(alert: Alert): string[] {
  const ids = alert.evidence
    .map((e) => e.hubAlertId)
    .filter((id): id is string => typeof id === 'string' && id.length > 0);
  return [...new Set(ids)];
}

/**
 * What the hub knows about its alerts: raised here, then acknowledged or resolved by a person in
 * the cloud. Kept in the outbox database so a human acknowledgement survives a restart or a power
 * cut; read by whatever must stop once a human has the alert (the robot's safety check). Status only
 * moves forward (open → acknowledged → resolved), so a late or repeated message cannot undo it.
 */
export class AlertLedger {
  private records: HubAlertRecord[];
  private readonly listeners = new Set<(record: HubAlertRecord) => void>();

  /**
   * Loads the ledger. A stored ledger that cannot be read is reported through `onUnreadable` and
   * replaced by an empty one (the alerts themselves are still in the outbox and in the cloud).
   */
  constructor(
    private readonly deps: {
      /** Where the ledger keeps itself: its table in the hub state (each write is fsynced). */
      table: AlertLedgerTable;
      /** Records kept; the oldest resolved ones go first, then the oldest. Default 200. */
      maxRecords?: number;
      onUnreadable?: (reason: string) => void;
    },
  ) {
    this.records = this.load();
  }

  /** Notes an alert the hub just committed, as open. A repeat of a known id changes nothing. */
  raised(alert: RaisedAlert, at: number): void {
    if (this.records.some((r) => r.alertId === alert.alertId)) return;
    this.records.push({
      alertId: alert.alertId,
      cloudAlertId: null,
      kind: alert.kind,
      severity: alert.severity,
      raisedAt: new Date(at).toISOString(),
      status: 'open',
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedBy: null,
      resolvedAt: null,
      resolutionNote: null,
    });
    this.save();
  }

  /**
   * Applies what the cloud says about one of its alerts to every hub alert it covers, durably,
   * before telling listeners. @returns the records that changed. @throws when the disk refuses the write.
   */
  cloudChanged(alert: Alert): HubAlertRecord[] {
    const ids = hubAlertIdsOf(alert);
    const covered = this.records.filter(
      (r) => r.cloudAlertId === alert.id || (r.alertId !== null && ids.includes(r.alertId)),
    );
    for (const id of ids) {
      if (covered.some((r) => r.alertId === id)) continue;
      // Raised before this ledger existed, or already forgotten: keep what the cloud says about it.
      const record = this.fromCloud(alert, id);
      this.records.push(record);
      covered.push(record);
    }
    if (covered.length === 0) {
      const record = this.fromCloud(alert, null);
      this.records.push(record);
      covered.push(record);
    }
    const changed: HubAlertRecord[] = [];
    for (const record of covered) {
      const before = JSON.stringify(record);
      record.cloudAlertId = alert.id;
      if (rank[alert.status] >= rank[record.status]) {
        record.status = alert.status;
        record.acknowledgedBy = alert.acknowledgedBy ?? record.acknowledgedBy;
        record.acknowledgedAt = alert.acknowledgedAt ?? record.acknowledgedAt;
        record.resolvedBy = alert.resolvedBy ?? record.resolvedBy;
        record.resolvedAt = alert.resolvedAt ?? record.resolvedAt;
        record.resolutionNote = alert.resolutionNote ?? record.resolutionNote;
      }
      if (JSON.stringify(record) !== before) changed.push(record);
    }
    if (changed.length === 0) return [];
    this.save();
    for (const record of changed) for (const listener of this.listeners) listener({ ...record });
    return changed.map((r) => ({ ...r }));
  }

  /** The record of one of the hub's alerts, or undefined. */
  get(alertId: string): HubAlertRecord | undefined {
    const found = this.records.find((r) => r.alertId === alertId);
    return found && { ...found };
  }

  /** True once a person acknowledged or resolved the hub's alert `alertId`. */
  hasHuman(alertId: string): boolean {
    const found = this.records.find((r) => r.alertId === alertId);
    return found !== undefined && found.status !== 'open';
  }

  /** Calls `listener` after each change is stored (e.g. a safety check stops once a human has it). */
  onChange(listener: (record: HubAlertRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What `hearth status` shows: counts and the latest records, newest first. */
  summary(latest = 10): { open: number; acknowledged: number; recent: HubAlertRecord[] } {
    return {
      open: this.records.filter((r) => r.status === 'open').length,
      acknowledged: this.records.filter((r) => r.status === 'acknowledged').length,
      recent: this.records
        .slice(-latest)
        .reverse()
        .map((r) => ({ ...r })),
    };
  }

  private fromCloud(alert: Alert, alertId: string | null): HubAlertRecord {
    return {
      alertId,
      cloudAlertId: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      raisedAt: alert.occurredAt,
      status: 'open',
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedBy: null,
      resolvedAt: null,
      resolutionNote: null,
    };
  }

  private load(): HubAlertRecord[] {
    const raw = this.deps.table.load();
    if (raw === undefined) return [];
    try {
      const parsed = Stored.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data.records;
      this.deps.onUnreadable?.(`the stored alert ledger has an unexpected shape: ${parsed.error.message}`);
    } catch {
      this.deps.onUnreadable?.('the stored alert ledger is not valid JSON');
    }
    return [];
  }

  private save(): void {
    const max = this.deps.maxRecords ?? 200;
    while (this.records.length > max) {
      const resolved = this.records.findIndex((r) => r.status === 'resolved');
      this.records.splice(resolved >= 0 ? resolved : 0, 1);
    }
    this.deps.table.save(JSON.stringify({ version: 1, records: this.records }));
  }
}
