-- Every hop of a staff safety check, in the order the cloud heard of it, and when the next hop is
-- due: a check whose next hop does not come by `deadline_at` becomes undelivered, never silent.
alter table safety_checks
  add column room text,
  add column stage text,
  add column reason text,
  add column hops jsonb not null default '[]',
  add column deadline_at timestamptz;
create index safety_checks_due on safety_checks (deadline_at) where deadline_at is not null;

-- Which instance holds a control socket of which hub, refreshed while it stays open: a request for
-- a hub with no fresh row on any instance is answered at once (HUB_OFFLINE) instead of waiting.
create table hub_control_sockets (
  hub_id uuid not null references hubs (id) on delete cascade,
  instance_id uuid not null,
  seen_at timestamptz not null default now(),
  primary key (hub_id, instance_id)
);
create index hub_control_sockets_instance on hub_control_sockets (instance_id);
