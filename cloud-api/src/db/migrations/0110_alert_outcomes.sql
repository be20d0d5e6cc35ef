-- What the person who resolved an alert found: the measure of whether a rule's alerts are worth
-- waking someone for. One row per resolved alert, written with the resolution.
create table alert_outcomes (
  alert_id uuid primary key references alerts (id) on delete cascade,
  outcome text not null check (outcome in ('helped', 'false_alarm', 'ambulance_called', 'other')),
  staff_id uuid references staff (id) on delete set null,
  recorded_at timestamptz not null default now()
);
