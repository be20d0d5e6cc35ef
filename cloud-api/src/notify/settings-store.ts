import type { Sql } from '../db/database.js';
import type { NotifySettings, PushSubscriptionInput } from './schemas.js';

interface SettingsRow {
  push: boolean;
  email: boolean;
  email_address: string | null;
  webhook_url: string | null;
  webhook_kind: 'slack' | 'teams' | 'generic' | null;
  on_duty: boolean;
}

/** What a person gets without settings of their own: push and email, on duty. */
export const DEFAULT_SETTINGS: NotifySettings = {
  push: true,
  email: true,
  emailAddress: null,
  webhookUrl: null,
  webhookKind: null,
  onDuty: true,
};

function toSettings(r: SettingsRow | undefined): NotifySettings {
  if (!r) return { ...DEFAULT_SETTINGS };
  return {
    push: r.push,
    email: r.email,
    emailAddress: r.email_address,
    webhookUrl: r.webhook_url,
    webhookKind: r.webhook_kind,
    onDuty: r.on_duty,
  };
}

/** A person who may be rung, with where to reach them. */
export interface Recipient {
  id: string;
  name: string;
  /** Where email goes: the configured address, else the login email. */
  email: string;
  settings: NotifySettings;
}

export interface PushSubscriptionRow {
  id: string;
  staff_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: Date;
}

/** Staff notification settings, shifts and Web Push subscriptions. */
export class NotifySettingsStore {
  constructor(private readonly sql: Sql) {}

  async get(staffId: string): Promise<NotifySettings> {
    const [row] = await this.sql<
      SettingsRow[]
    >`select * from staff_notify_settings where staff_id = ${staffId}`;
    return toSettings(row);
  }

  /** Applies the given fields, keeping the others. */
  async update(staffId: string, patch: Partial<NotifySettings>): Promise<NotifySettings> {
    const next = { ...(await this.get(staffId)), ...patch };
    await this.sql`
      insert into staff_notify_settings (staff_id, push, email, email_address, webhook_url, webhook_kind, on_duty, updated_at)
      values (${staffId}, ${next.push}, ${next.email}, ${next.emailAddress}, ${next.webhookUrl}, ${next.webhookKind},
        ${next.onDuty}, now())
      on conflict (staff_id) do update set push = excluded.push, email = excluded.email,
        email_address = excluded.email_address, webhook_url = excluded.webhook_url,
        webhook_kind = excluded.webhook_kind, on_duty = excluded.on_duty, updated_at = now()`;
    return next;
  }

  /** Starts or ends the person's shift. */
  async setOnDuty(staffId: string, onDuty: boolean, at: Date): Promise<NotifySettings> {
    await this.sql`
      insert into staff_notify_settings (staff_id, on_duty, shift_changed_at) values (${staffId}, ${onDuty}, ${at})
      on conflict (staff_id) do update set on_duty = excluded.on_duty, shift_changed_at = excluded.shift_changed_at,
        updated_at = now()`;
    return this.get(staffId);
  }

  /** Active staff among `ids`, with their settings. */
  async recipients(ids: string[]): Promise<Recipient[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql<(Partial<SettingsRow> & { id: string; name: string; login_email: string })[]>`
      select s.id, s.name, s.email as login_email, n.push, n.email, n.email_address, n.webhook_url, n.webhook_kind, n.on_duty
      from staff s left join staff_notify_settings n on n.staff_id = s.id
      where s.id = any(${ids}::uuid[]) and s.disabled_at is null`;
    return rows.map((r) => {
      const settings =
        r.push === null || r.push === undefined ? { ...DEFAULT_SETTINGS } : toSettings(r as SettingsRow);
      return { id: r.id, name: r.name, email: settings.emailAddress ?? r.login_email, settings };
    });
  }

  /** Adds (or renews, for the same endpoint) a device's subscription. */
  async subscribe(
    staffId: string,
    sub: PushSubscriptionInput,
    userAgent: string | undefined,
  ): Promise<string> {
    await this
      .sql`update push_subscriptions set revoked_at = now() where endpoint = ${sub.endpoint} and revoked_at is null`;
    const [row] = await this.sql<{ id: string }[]>`
      insert into push_subscriptions (staff_id, endpoint, p256dh, auth, user_agent)
      values (${staffId}, ${sub.endpoint}, ${sub.keys.p256dh}, ${sub.keys.auth}, ${userAgent?.slice(0, 300) ?? null})
      returning id`;
    return row!.id;
  }

  /** The person's devices that receive pushes. */
  async subscriptions(staffId: string): Promise<PushSubscriptionRow[]> {
    return this.sql<PushSubscriptionRow[]>`
      select * from push_subscriptions where staff_id = ${staffId} and revoked_at is null order by created_at`;
  }

  /** Revokes one device. @returns false when it is not this person's, or already revoked. */
  async revoke(staffId: string, id: string): Promise<boolean> {
    const rows = await this.sql`update push_subscriptions set revoked_at = now()
      where id = ${id} and staff_id = ${staffId} and revoked_at is null returning id`;
    return rows.length === 1;
  }

  /** Revokes a subscription the push service says is gone (404/410). */
  async revokeGone(id: string): Promise<void> {
    await this.sql`update push_subscriptions set revoked_at = now() where id = ${id} and revoked_at is null`;
  }

  /** Which of these staff have at least one device subscribed. */
  async withPush(staffIds: string[]): Promise<Set<string>> {
    if (staffIds.length === 0) return new Set();
    const rows = await this.sql<{ staff_id: string }[]>`
      select distinct staff_id from push_subscriptions where staff_id = any(${staffIds}::uuid[]) and revoked_at is null`;
    return new Set(rows.map((r) => r.staff_id));
  }
}
