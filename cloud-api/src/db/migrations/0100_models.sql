-- Each senior's anomaly models ("AI weights"): every version ever registered, its file in the
-- object store by key, and the sha256 the hub verifies the download against.
create table models (
  id uuid primary key default gen_random_uuid(),
  senior_id uuid not null references seniors (id) on delete cascade,
  version integer not null check (version > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes integer not null check (size_bytes > 0),
  object_key text not null,
  source text not null check (source in ('trained', 'uploaded')),
  threshold double precision,
  feature_spec jsonb,
  metrics jsonb not null default '{}'::jsonb,
  created_by uuid references staff (id) on delete set null,
  created_at timestamptz not null default now(),
  -- Set when an admin rolled back away from this version; rollback never returns to it.
  rolled_back_at timestamptz,
  -- What the senior's hub last said about this version.
  hub_status text check (hub_status in ('active', 'rejected')),
  hub_status_reason text,
  hub_status_at timestamptz,
  unique (senior_id, version)
);

-- Exactly one active version per senior (or none): the primary key enforces it.
create table active_models (
  senior_id uuid primary key references seniors (id) on delete cascade,
  model_id uuid not null references models (id),
  activated_by uuid references staff (id) on delete set null,
  activated_at timestamptz not null default now()
);

-- Every activation, in order: what rollback walks back through.
create table model_activations (
  id bigserial primary key,
  senior_id uuid not null references seniors (id) on delete cascade,
  model_id uuid not null references models (id),
  activated_by uuid references staff (id) on delete set null,
  reason text not null check (reason in ('activate', 'rollback')),
  at timestamptz not null default now()
);
create index model_activations_senior on model_activations (senior_id, id desc);
