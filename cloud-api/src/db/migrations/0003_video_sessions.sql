-- A staff member watching a senior's robot camera. The video goes peer to peer (hub → browser);
-- the cloud only relays signaling, hands out TURN credentials, and keeps this record.
create table video_sessions (
  id uuid primary key default gen_random_uuid(),
  senior_id uuid not null references seniors (id) on delete restrict,
  staff_id uuid not null references staff (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz
);
create index video_sessions_senior on video_sessions (senior_id, created_at desc);
