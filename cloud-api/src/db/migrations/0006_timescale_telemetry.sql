-- TimescaleDB reports usage to its vendor unless told not to. A database of seniors' health data
-- sends nothing anywhere: telemetry is switched off for this database (the setting is per user
-- session, so the database default reaches the background jobs too). The README asks operators to
-- set it server-wide as well.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'timescaledb') then
    execute format('alter database %I set timescaledb.telemetry_level = off', current_database());
  end if;
exception when insufficient_privilege then
  raise warning 'could not switch off TimescaleDB telemetry for this database (%): set timescaledb.telemetry_level = off in postgresql.conf', sqlerrm;
end
$$;
