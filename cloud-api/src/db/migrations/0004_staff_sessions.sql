-- Access tokens stop working at once on logout, on "log out everywhere" and when an account is
-- disabled: every request checks the token's id against revoked_access_tokens and its session
-- version against the account's.
alter table staff add column session_version integer not null default 0;

create table revoked_access_tokens (
  token_id uuid primary key,
  staff_id uuid not null references staff (id) on delete cascade,
  -- Kept until the token would have expired anyway; housekeeping deletes it after that.
  expires_at timestamptz not null
);

-- Addresses each account has logged in from: a carer at a familiar address is never locked out by
-- failures elsewhere (see the login throttle).
create table staff_login_sources (
  staff_id uuid not null references staff (id) on delete cascade,
  source text not null,
  last_login_at timestamptz not null default now(),
  primary key (staff_id, source)
);
