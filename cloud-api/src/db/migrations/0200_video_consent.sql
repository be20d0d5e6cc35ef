-- Live video is private by default: staff may look in only during an open alert or an active safety
-- check, or when the senior agreed to check-in video. The agreement, who recorded it and when.
alter table seniors
  add column video_consent boolean not null default false,
  add column video_consent_by uuid references staff (id) on delete set null,
  add column video_consent_at timestamptz;

-- Why each session was allowed, how the two ends reached each other and how it ended.
alter table video_sessions
  add column reason text not null default 'alert' check (reason in ('alert', 'safety_check', 'consent')),
  add column reason_id uuid,
  add column candidate_type text check (candidate_type in ('host', 'srflx', 'prflx', 'relay')),
  add column connected_at timestamptz,
  add column ended_reason text;
alter table video_sessions alter column reason drop default;
