-- Which instance holds each hub's control channel, so every instance can say whether a hub is online
-- (a dashboard opened after a hub died must see it at once). A row per hub and instance; the instance
-- refreshes `heartbeat_at` while the socket is open and deletes the row when it closes. A row whose
-- instance died stops being refreshed and is stale after a few minutes: `online` reads only fresh rows.
create table hub_control_links (
  hub_id uuid not null references hubs (id) on delete cascade,
  instance_id uuid not null,
  connected_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  primary key (hub_id, instance_id)
);

-- The agent version a hub last said hello with.
alter table hubs add column agent_version text;

-- The hops a person can trust: sent (the channel's server accepted it), delivered (the device or the
-- receiver confirmed it), seen (the person opened it). Each hop keeps its time.
alter table notify_deliveries drop constraint notify_deliveries_status_check;
alter table notify_deliveries add constraint notify_deliveries_status_check
  check (status in ('queued', 'sent', 'delivered', 'seen', 'failed', 'cancelled'));
alter table notify_deliveries add column seen_at timestamptz;
