-- People: staff who log in, and the seniors they look after.
create table staff (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  name text not null,
  role text not null check (role in ('admin', 'staff', 'technician')),
  password_hash text not null,
  disabled_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index staff_email_key on staff (lower(email));

create table seniors (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  address text,
  timezone text not null default 'UTC',
  health_info jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- position orders escalation: the lowest position is the primary carer, asked first.
create table staff_seniors (
  staff_id uuid not null references staff (id) on delete cascade,
  senior_id uuid not null references seniors (id) on delete cascade,
  position integer not null default 0,
  created_at timestamptz not null default now(),
  primary key (staff_id, senior_id)
);
create index staff_seniors_senior on staff_seniors (senior_id, position);

-- Refresh tokens rotate inside a family; reuse of a spent one revokes the family.
create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null,
  staff_id uuid not null references staff (id) on delete cascade,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index refresh_tokens_family on refresh_tokens (family_id);

-- Hubs authenticate with an API key: a public prefix to find the row, the sha256 of the whole key to check it.
create table hubs (
  id uuid primary key default gen_random_uuid(),
  senior_id uuid not null references seniors (id) on delete restrict,
  device_id text not null,
  key_prefix text not null unique,
  key_hash text not null,
  status text not null default 'active' check (status in ('active', 'revoked')),
  acked_through_seq bigint not null default 0,
  last_seen_at timestamptz,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index hubs_senior on hubs (senior_id);

create table pairing_codes (
  code_hash text primary key,
  senior_id uuid not null references seniors (id) on delete cascade,
  created_by uuid references staff (id) on delete set null,
  expires_at timestamptz not null,
  used_at timestamptz,
  hub_id uuid references hubs (id) on delete set null,
  created_at timestamptz not null default now()
);

-- Every change to an alert takes the next value, so a dashboard resumes from the last cursor it saw.
create sequence alert_cursor_seq;

-- The emergency log.
create table alerts (
  id uuid primary key default gen_random_uuid(),
  senior_id uuid not null references seniors (id) on delete restrict,
  hub_id uuid references hubs (id) on delete set null,
  hub_alert_id uuid,
  kind text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  source text not null check (source in ('rule', 'model', 'robot', 'button', 'device')),
  message text not null,
  evidence jsonb not null default '[]'::jsonb,
  occurred_at timestamptz not null,
  last_occurred_at timestamptz not null,
  occurrences integer not null default 1,
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  acknowledged_at timestamptz,
  acknowledged_by uuid references staff (id),
  resolved_at timestamptz,
  resolved_by uuid references staff (id),
  resolution_note text,
  escalation_level integer not null default 0,
  next_escalation_at timestamptz,
  cursor bigint not null default nextval('alert_cursor_seq'),
  created_at timestamptz not null default now()
);
create unique index alerts_cursor on alerts (cursor);
create index alerts_senior on alerts (senior_id, occurred_at desc);
create index alerts_open_kind on alerts (senior_id, kind, last_occurred_at) where status <> 'resolved';
create index alerts_escalation_due on alerts (next_escalation_at) where status = 'open';

-- Every hub alert id ever received, and the alert it became (its own or one it was folded into).
create table alert_occurrences (
  hub_id uuid not null references hubs (id) on delete cascade,
  hub_alert_id uuid not null,
  alert_id uuid not null references alerts (id) on delete cascade,
  received_at timestamptz not null default now(),
  primary key (hub_id, hub_alert_id)
);

create table alert_escalations (
  id bigserial primary key,
  alert_id uuid not null references alerts (id) on delete cascade,
  level integer not null,
  notified_staff uuid[] not null,
  escalated_at timestamptz not null default now(),
  unique (alert_id, level)
);

create table safety_checks (
  id uuid primary key default gen_random_uuid(),
  senior_id uuid not null references seniors (id) on delete restrict,
  requested_by uuid references staff (id),
  status text not null default 'requested',
  outcome text,
  detail text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Append-only: who did what to whom, when, from where. Triggers below refuse update and delete.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('staff', 'hub', 'system', 'anonymous')),
  actor_id text,
  action text not null,
  target_type text,
  target_id text,
  outcome text not null default 'ok' check (outcome in ('ok', 'denied', 'failed')),
  ip text,
  details jsonb not null default '{}'::jsonb
);
create index audit_log_at on audit_log (at);
create index audit_log_target on audit_log (target_type, target_id);

create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end;
$$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();

-- Sensor history. Partitioned by event time; monthly partitions are created ahead by the API
-- (and a TimescaleDB hypertable replaces this shape when that extension is present).
-- (hub_id, seq) is unique per hub: ingest locks the hub row and inserts only absent seqs, because a
-- unique index on a partitioned table would have to include ts, which a hub may correct.
create table sensor_events (
  hub_id uuid not null,
  senior_id uuid not null,
  seq bigint not null,
  ts timestamptz not null,
  received_at timestamptz not null default now(),
  sensor_id text not null,
  kind text not null,
  value jsonb,
  room text,
  boot_id text,
  clock_unsynced boolean not null default false
) partition by range (ts);
create table sensor_events_default partition of sensor_events default;
create index sensor_events_hub_seq on sensor_events (hub_id, seq);
create index sensor_events_senior_ts on sensor_events (senior_id, ts);
