-- Hourly activity per senior and sensor. With TimescaleDB a continuous aggregate feeds the API
-- (created by the server at start, since it cannot be made inside a transaction); without it the API
-- refreshes this table from sensor_events itself.
create table activity_hourly (
  senior_id uuid not null,
  sensor_id text not null,
  bucket timestamptz not null,
  events integer not null,
  active_events integer not null,
  refreshed_at timestamptz not null default now(),
  primary key (senior_id, bucket, sensor_id)
);

-- When the timescaledb extension can be loaded, sensor_events becomes a hypertable with compression
-- and retention; otherwise it stays natively range-partitioned (monthly partitions made by the API).
-- A database whose `hearth.timeseries` setting is 'native' keeps native partitions even where the
-- extension could be loaded (an operator's choice, and how the native path is tested on such a server).
do $$
begin
  if current_setting('hearth.timeseries', true) = 'native' then
    raise notice 'hearth.timeseries = native: sensor_events stays natively partitioned';
    return;
  end if;
  -- Tried only when preloaded: where the package is installed but not in shared_preload_libraries,
  -- CREATE EXTENSION can end the session or take the server down, which no handler can catch. A
  -- preloaded library defines its settings, which any role may read (shared_preload_libraries itself
  -- is hidden from roles that are not superuser, such as a separate schema owner).
  if current_setting('timescaledb.max_background_workers', true) is null
     and not exists (select 1 from pg_extension where extname = 'timescaledb') then
    raise notice 'timescaledb is not preloaded; sensor_events stays natively partitioned';
    return;
  end if;
  begin
    create extension if not exists timescaledb;
  exception when others then
    raise notice 'timescaledb is not available (%); sensor_events stays natively partitioned', sqlerrm;
    return;
  end;
  alter table sensor_events rename to sensor_events_native;
  alter index sensor_events_hub_seq rename to sensor_events_native_hub_seq;
  alter index sensor_events_senior_ts rename to sensor_events_native_senior_ts;
  create table sensor_events (like sensor_events_native including defaults);
  perform create_hypertable('sensor_events', 'ts', chunk_time_interval => interval '1 day');
  insert into sensor_events select * from sensor_events_native;
  drop table sensor_events_native cascade;
  create index sensor_events_hub_seq on sensor_events (hub_id, seq);
  create index sensor_events_senior_ts on sensor_events (senior_id, ts);
  alter table sensor_events set (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'hub_id',
    timescaledb.compress_orderby = 'seq'
  );
  perform add_compression_policy('sensor_events', interval '7 days');
  perform add_retention_policy('sensor_events', interval '400 days');
end
$$;
