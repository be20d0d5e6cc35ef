-- The server's role owns nothing, so it cannot create or attach sensor_events partitions itself.
-- This function, owned by the schema owner and run with its rights, does exactly that and no more;
-- the server's role is granted EXECUTE on it (see db/roles.ts).
create function hearth_ensure_partition(p_name text, p_from timestamptz, p_to timestamptz)
returns boolean language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if p_name !~ '^sensor_events_p[0-9]{6}$' then
    raise exception 'not a sensor_events partition name: %', p_name;
  end if;
  perform pg_advisory_xact_lock(7243011002);
  if exists (select 1 from pg_class where relname = p_name) then
    return false;
  end if;
  execute format('create table %I (like sensor_events including defaults)', p_name);
  -- Rows that landed in the default partition for this month move into the new one (attaching would fail otherwise).
  execute format('with moved as (delete from sensor_events_default where ts >= $1 and ts < $2 returning *)
    insert into %I select * from moved', p_name) using p_from, p_to;
  execute format('alter table sensor_events attach partition %I for values from (%L) to (%L)', p_name, p_from, p_to);
  return true;
end;
$$;
revoke all on function hearth_ensure_partition(text, timestamptz, timestamptz) from public;
