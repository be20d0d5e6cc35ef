// The dashboard's state: what the server has told this tab, kept current by the live feed.
import type { Alert, HubRollout, StaffMember } from '@hearth/shared';

/** An alert as pushed: the shared Alert, the escalation step when that changed, and whether to ring. */
export type LiveAlert = Alert & {
  escalation?: { level: number; notifiedStaff: string[]; at: string };
  /** Whether the escalation policy rings this staff member for this change (absent: ring). */
  ring?: boolean;
  /** When this tab first heard of it live (close to when the cloud received it and started escalating). */
  seenAt?: number;
};

export interface Senior {
  id: string;
  name: string;
  address: string | null;
  timezone: string;
  healthInfo: Record<string, unknown>;
  videoConsent?: boolean;
}

export interface Hub {
  id: string;
  seniorId: string;
  status: string;
  lastSeenAt: string | null;
  /** A control channel to the cloud is open now (in the snapshot and every update). */
  online?: boolean;
  /** The agent version of the hub's last hello. */
  agentVersion?: string | null;
  deviceId?: string;
}

export interface ActivityBucket {
  bucket: string;
  events: number;
  rooms?: Record<string, number>;
}

export interface Connection {
  state: 'connecting' | 'live' | 'down';
  /** When the last message from the server arrived (wall clock, so a throttled tab still tells the truth). */
  lastMessageAt: number | null;
  downSince: number | null;
  /** Set when a reconnect resumed from the cursor; cleared after a while by the view. */
  resumedAt: number | null;
}

/** What one senior's last sign of life was. */
export interface LastActivity {
  at: string;
  room: string | null;
}

type Listener = () => void;

export class Model {
  me: StaffMember | null = null;
  readonly alerts = new Map<string, LiveAlert>();
  cursor: number | null = null;
  readonly seniors = new Map<string, Senior>();
  readonly hubs = new Map<string, Hub>();
  /** Each hub's place in the newest release rollout, as the `hubs` topic last told it (admins). */
  readonly rollouts = new Map<string, HubRollout>();
  readonly staffNames = new Map<string, string>();
  readonly todayActivity = new Map<string, number[]>();
  readonly lastActivity = new Map<string, LastActivity>();
  connection: Connection = { state: 'connecting', lastMessageAt: null, downSince: null, resumedAt: null };
  shiftStarted = false;
  private readonly listeners = new Set<Listener>();
  private scheduled = false;

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tells the views once per frame, however many messages arrived. */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const fn of this.listeners) fn();
    });
  }

  reset(): void {
    this.alerts.clear();
    this.cursor = null;
    this.seniors.clear();
    this.hubs.clear();
    this.todayActivity.clear();
    this.lastActivity.clear();
    this.changed();
  }

  seniorName(id: string): string {
    return this.seniors.get(id)?.name ?? `#${id.slice(0, 8)}`;
  }

  /** The senior's hubs that are not revoked. */
  hubsOf(seniorId: string): Hub[] {
    return [...this.hubs.values()].filter((h) => h.seniorId === seniorId && h.status !== 'revoked');
  }

  openAlertsOf(seniorId: string): LiveAlert[] {
    return [...this.alerts.values()].filter((a) => a.seniorId === seniorId && a.status !== 'resolved');
  }
}
