import { useMemo, useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { ago, alertOrder, clock, hubOffline } from '../format.js';
import { t } from '../i18n.js';
import type { LiveAlert } from '../model.js';
import { seniorSlots } from '../slots.js';
import { AlertCard } from './alert-card.js';
import { Timeline } from './timeline.js';
import { useLoad } from './use-load.js';

interface StoredEvent {
  hubId: string;
  seq: number;
  ts: string;
  sensorId: string;
  kind: string;
  value: unknown;
  room: string | null;
}
interface Bucket {
  bucket: string;
  sensorId: string;
  activeEvents: number;
}
interface ModelList {
  activeVersion: number | null;
}

/** Everything about one senior: activity by room, events, alerts, hub, devices and model. */
export function SeniorPage({ dash, id, now }: { dash: Dashboard; id: string; now: number }) {
  const api = dash.session.api.bind(dash.session);
  const senior = dash.model.seniors.get(id);
  const [zoom, setZoom] = useState<'day' | 'week'>('day');
  const [kind, setKind] = useState('');
  const [room, setRoom] = useState('');
  const [events] = useLoad(() => api<{ events: StoredEvent[] }>(`/seniors/${id}/events?limit=1000`), [id]);
  const span = zoom === 'day' ? { hours: 24, bucket: 1 } : { hours: 7 * 24, bucket: 3 };
  const [activity] = useLoad(() => {
    // Whole buckets, so the chart's axis covers the full day or week even where nothing happened.
    const width = span.bucket * 3600_000;
    const to = new Date(Math.ceil(Date.now() / width) * width);
    const from = new Date(to.getTime() - span.hours * 3600_000);
    const q = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&bucket=${span.bucket}h`;
    return api<{ from: string; buckets: Bucket[] }>(`/seniors/${id}/activity?${q}`);
  }, [id, zoom]);
  const [alerts] = useLoad(() => api<{ alerts: LiveAlert[] }>(`/seniors/${id}/alerts?limit=50`), [id]);
  const [models] = useLoad(
    () => (dash.model.me?.role === 'admin' ? api<ModelList>(`/seniors/${id}/models`) : Promise.resolve(null)),
    [id],
  );

  const list = events?.events ?? [];
  const roomOf = useMemo(() => new Map(list.filter((e) => e.room).map((e) => [e.sensorId, e.room!])), [list]);
  const timeline = useMemo(() => {
    if (!activity) return { times: [], rooms: [] };
    const start = Date.parse(activity.from) / 1000;
    const step = span.bucket * 3600;
    const times = Array.from({ length: span.hours / span.bucket }, (_, i) => start + i * step);
    const rooms = new Map<string, number[]>();
    for (const b of activity.buckets) {
      if (b.activeEvents === 0) continue;
      const name = roomOf.get(b.sensorId) ?? b.sensorId;
      const values = rooms.get(name) ?? times.map(() => 0);
      const i = Math.floor((Date.parse(b.bucket) / 1000 - start) / step);
      if (i >= 0 && i < values.length) values[i] = (values[i] ?? 0) + b.activeEvents;
      rooms.set(name, values);
    }
    return { times, rooms: [...rooms].map(([name, values]) => ({ name, values })) };
  }, [activity, roomOf]);
  const devices = useMemo(() => {
    const by = new Map<string, { sensorId: string; room: string | null; last: string; available: boolean }>();
    for (const e of list) {
      const d = by.get(e.sensorId) ?? { sensorId: e.sensorId, room: e.room, last: e.ts, available: true };
      d.last = e.ts;
      if (e.kind === 'availability') d.available = e.value !== false;
      else if (e.kind === 'heartbeat') d.available = true;
      by.set(e.sensorId, d);
    }
    return [...by.values()].sort((a, b) => a.sensorId.localeCompare(b.sensorId));
  }, [list]);
  const score = (alerts?.alerts ?? [])
    .filter((a) => a.kind === 'model_anomaly')
    .map((a) => a.evidence.find((e) => typeof e.score === 'number'))
    .find(Boolean);
  const shown = list
    .filter((e) => (!kind || e.kind === kind) && (!room || e.room === room))
    .slice(-200)
    .reverse();
  const kinds = [...new Set(list.map((e) => e.kind))].sort();
  const rooms = [...new Set(list.map((e) => e.room).filter((r): r is string => !!r))].sort();
  const hubs = dash.model.hubsOf(id);
  const Safety = seniorSlots.safetyCheck;
  const Video = seniorSlots.videoPlayer;

  return (
    <article aria-labelledby="senior-title">
      <p>
        <a href="#/">← {t('back')}</a>
      </p>
      <h1 id="senior-title">{senior?.name ?? t('loading')}</h1>
      {senior?.address && <p class="meta">{senior.address}</p>}
      <div class="slots">
        <section id="senior-safety-check" class="slot" aria-label={t('safetyCheck')} data-senior-id={id}>
          {Safety?.({ seniorId: id, session: dash.session })}
        </section>
        <section id="senior-video-player" class="slot" aria-label={t('liveVideo')} data-senior-id={id}>
          {Video?.({ seniorId: id, session: dash.session })}
        </section>
      </div>

      <section aria-labelledby="activity-title">
        <h2 id="activity-title">{t('activityByRoom')}</h2>
        <fieldset class="segmented">
          <legend class="sr-only">{t('activityByRoom')}</legend>
          {(['day', 'week'] as const).map((z) => (
            <button key={z} type="button" aria-pressed={zoom === z} onClick={() => setZoom(z)}>
              {t(z)}
            </button>
          ))}
        </fieldset>
        {timeline.rooms.length > 0 ? (
          <Timeline times={timeline.times} rooms={timeline.rooms} label={t('activityByRoom')} />
        ) : (
          <p class="empty">{t('noActivity')}</p>
        )}
      </section>

      <section aria-labelledby="hub-title">
        <h2 id="hub-title">{t('hubAndDevices')}</h2>
        <ul class="facts">
          {hubs.map((h) => (
            <li key={h.id}>
              {t('hubs')} <code>{h.id.slice(0, 8)}</code>: {hubOffline(h, now) ? t('offline') : t('online')}
              {h.lastSeenAt && ` · ${t('lastSeen', { ago: ago(h.lastSeenAt, now) })}`}
            </li>
          ))}
          <li>
            {t('model')}:{' '}
            {models?.activeVersion
              ? t('modelVersion', { v: models.activeVersion })
              : models
                ? t('noModel')
                : '—'}
            {score &&
              ` · ${t('lastScore', { score: String(score.score), threshold: String(score.threshold ?? '?') })}`}
          </li>
        </ul>
        <table class="devices">
          <thead>
            <tr>
              <th scope="col">{t('sensor')}</th>
              <th scope="col">{t('room')}</th>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('online')}</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.sensorId}>
                <td>{d.sensorId}</td>
                <td>{d.room ?? ''}</td>
                <td>{ago(d.last, now)}</td>
                <td>{d.available ? t('online') : t('offline')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="alert-history-title">
        <h2 id="alert-history-title">{t('alertHistory')}</h2>
        <ul class="alerts">
          {(alerts?.alerts ?? [])
            .map((a) => dash.model.alerts.get(a.id) ?? a)
            .sort(alertOrder)
            .map((a) => (
              <AlertCard key={a.id} dash={dash} alert={a} now={now} compact />
            ))}
        </ul>
      </section>

      <section aria-labelledby="events-title">
        <h2 id="events-title">{t('events')}</h2>
        <div class="filters">
          <label>
            {t('kind')}
            <select value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">{t('allKinds')}</option>
              {kinds.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label>
            {t('room')}
            <select value={room} onChange={(e) => setRoom((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">{t('allRooms')}</option>
              {rooms.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
        </div>
        <div class="scroll">
          <table class="events">
            <thead>
              <tr>
                <th scope="col">{t('time')}</th>
                <th scope="col">{t('sensor')}</th>
                <th scope="col">{t('kind')}</th>
                <th scope="col">{t('room')}</th>
                <th scope="col">{t('value')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr key={`${e.hubId}-${e.seq}`}>
                  <td>{clock(e.ts)}</td>
                  <td>{e.sensorId}</td>
                  <td>{e.kind}</td>
                  <td>{e.room ?? ''}</td>
                  <td>{JSON.stringify(e.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </article>
  );
}
