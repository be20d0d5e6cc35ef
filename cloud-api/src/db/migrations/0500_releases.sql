-- Hub-agent releases for over-the-air updates: the bundle lives in the releases directory under
-- `file_name`; the sha256 and signature are what the hub verifies before installing.
create table releases (
  version text primary key check (version ~ '^[0-9A-Za-z.+-]{1,64}$'),
  arch text not null check (arch in ('arm64', 'x64')),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  signature text not null,
  size_bytes bigint not null check (size_bytes > 0),
  file_name text not null,
  uploaded_by uuid references staff (id) on delete set null,
  created_at timestamptz not null default now()
);

-- How far a release is rolled out: a share of the fleet and hubs named one by one. Only ever widened.
create table release_rollouts (
  version text primary key references releases (version) on delete cascade,
  percent integer not null check (percent between 0 and 100),
  hub_ids uuid[] not null default '{}',
  started_by uuid references staff (id) on delete set null,
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Where each targeted hub is with a release, from "targeted" to what the hub reported.
create table release_hub_states (
  version text not null references releases (version) on delete cascade,
  hub_id uuid not null references hubs (id) on delete cascade,
  state text not null check (
    state in ('targeted', 'offered', 'downloading', 'installed', 'rolled_back', 'rejected', 'failed')
  ),
  detail text,
  updated_at timestamptz not null default now(),
  primary key (version, hub_id)
);
create index release_hub_states_hub on release_hub_states (hub_id, updated_at desc);
