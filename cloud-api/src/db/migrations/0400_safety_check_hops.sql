-- Every hop of a staff safety check, in the order the cloud heard of it, and when the next hop is
-- due: a check whose next hop does not come by `deadline_at` becomes undelivered, never silent.
alter table safety_checks
  add column room text,
  add column stage text,
  add column reason text,
  add column hops jsonb not null default '[]',
  add column deadline_at timestamptz;
create index safety_checks_due on safety_checks (deadline_at) where deadline_at is not null;
