-- Per-staff notification settings. No row: every channel the person has an address for, on duty.
create table staff_notify_settings (
  staff_id uuid primary key references staff (id) on delete cascade,
  push boolean not null default true,
  email boolean not null default true,
  -- Absent: the staff member's login email.
  email_address text,
  webhook_url text,
  webhook_kind text check (webhook_kind in ('slack', 'teams', 'generic')),
  on_duty boolean not null default true,
  shift_changed_at timestamptz,
  updated_at timestamptz not null default now()
);

-- One Web Push subscription per browser or phone; revoked ones are kept for the record.
create table push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  staff_id uuid not null references staff (id) on delete cascade,
  endpoint text not null,
  p256dh text not null,
  auth text not null,
  user_agent text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create unique index push_subscriptions_endpoint on push_subscriptions (endpoint) where revoked_at is null;
create index push_subscriptions_staff on push_subscriptions (staff_id) where revoked_at is null;

-- Which escalation levels of an alert have been planned into deliveries (by whichever instance won).
-- No foreign key to alerts here or in notify_deliveries, on purpose: inserting a referencing row takes a
-- KEY SHARE lock on the alert, and the escalator claims due alerts with FOR UPDATE SKIP LOCKED, so an
-- alert being planned would silently miss its escalation tick. Alerts are an emergency log, never deleted.
create table alert_notify_levels (
  alert_id uuid not null,
  level integer not null,
  planned_at timestamptz not null default now(),
  primary key (alert_id, level)
);

-- Every ring of a person on a channel. The unique key is what keeps one from being sent twice.
create table notify_deliveries (
  id uuid primary key default gen_random_uuid(),
  alert_id uuid not null,
  staff_id uuid not null references staff (id) on delete cascade,
  channel text not null check (channel in ('push', 'email', 'webhook')),
  level integer not null,
  kind text not null default 'alert' check (kind in ('alert', 'escalation')),
  status text not null default 'queued'
    check (status in ('queued', 'sent', 'delivered', 'failed', 'cancelled')),
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  unique (alert_id, staff_id, channel, level)
);
create index notify_deliveries_due on notify_deliveries (next_attempt_at) where status = 'queued';
create index notify_deliveries_alert on notify_deliveries (alert_id);

-- Action tokens spent (acknowledge from a notification or an email link): single use.
create table notify_spent_tokens (
  nonce text primary key,
  alert_id uuid not null references alerts (id) on delete cascade,
  staff_id uuid not null references staff (id) on delete cascade,
  spent_at timestamptz not null default now()
);

-- One digest per admin per day, whichever instance sends it.
create table notify_digests (
  staff_id uuid not null references staff (id) on delete cascade,
  day date not null,
  sent_at timestamptz not null default now(),
  primary key (staff_id, day)
);

-- A hub's outages: opened when it falls silent, closed with the length when it is heard again.
create table hub_outages (
  id bigserial primary key,
  hub_id uuid not null references hubs (id) on delete cascade,
  alert_id uuid references alerts (id) on delete set null,
  silent_since timestamptz not null,
  ended_at timestamptz,
  seconds integer
);
create unique index hub_outages_open on hub_outages (hub_id) where ended_at is null;
