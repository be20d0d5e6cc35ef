-- Each senior's hard-rule settings as an admin set them (a partial RulesConfig: absent fields take
-- the defaults of the version that reads them). The hub receives the full, validated settings.
create table senior_rules (
  senior_id uuid primary key references seniors (id) on delete cascade,
  config jsonb not null default '{}'::jsonb,
  updated_by uuid references staff (id) on delete set null,
  updated_at timestamptz not null default now()
);
