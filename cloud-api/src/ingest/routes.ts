import { Hono } from 'hono';
import { AlertStore, ringAlert } from '../alerts/alert-store.js';
import type { CloudDeps } from '../deps.js';
import { readJsonValue } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { requireHub } from '../hubs/hub-auth.js';
import { HubSeenRinger } from '../hubs/hub-ring.js';
import type { HubStore } from '../hubs/hub-store.js';
import { EVENTS_CHANNEL, type EventsRing, MAX_LIVE_EVENTS } from '../seniors/live-events.js';
import { checkUploadBatch } from './batch-check.js';
import { EventStore } from './event-store.js';
import { copyRowsWriter, insertRowsWriter } from './rows-writer.js';

/** `POST /hub/events`: a hub uploads a batch of its outbox; the answer tells it how far it may advance. */
export function ingestRoutes(deps: CloudDeps, hubs: HubStore, onIngested?: (rows: number) => void) {
  const alerts = new AlertStore(deps.sql);
  const events = new EventStore(
    deps.sql,
    alerts,
    () => ({
      dedupeSeconds: deps.config.alertDedupeSeconds,
      escalationSeconds: deps.config.escalationSeconds,
    }),
    deps.copyFromStdin ? copyRowsWriter : insertRowsWriter,
  );
  const seen = new HubSeenRinger(deps, deps.log);
  const app = new Hono<AppEnv>();

  app.post('/hub/events', requireHub(deps, hubs), async (c) => {
    const hub = c.var.hub;
    const batch = checkUploadBatch(await readJsonValue(c, { maxBytes: deps.config.maxBodyBytes }));
    const foreign = batch.events.findIndex((e) => e.hubId !== hub.id);
    if (foreign >= 0) {
      throw new ApiError(
        403,
        'HUB_MISMATCH',
        `events.${foreign}.hubId is not this hub's id; nothing was stored`,
        {
          path: `events.${foreign}.hubId`,
          expected: hub.id,
        },
      );
    }
    const missingAlert = batch.events.findIndex((e) => (e.kind === 'alert') !== (e.alert !== undefined));
    if (missingAlert >= 0) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        `events.${missingAlert}: alert is present exactly when kind is alert`,
        {
          issues: [
            { path: `events.${missingAlert}.alert`, message: 'alert is present exactly when kind is alert' },
          ],
        },
      );
    }
    const result = await events.ingest(hub, batch.events);
    onIngested?.(result.inserted);
    // After commit: the row is the truth; the ring only tells dashboards to look.
    for (const alert of result.alerts) await ringAlert(deps.bus, { alert }, c.var.log);
    if (result.stored.length > 0) {
      const live = result.stored
        .slice(-MAX_LIVE_EVENTS)
        .map(({ hubId, seq, ts, sensorId, kind, value, room }) => ({
          hubId,
          seq,
          ts,
          sensorId,
          kind,
          value,
          room,
        }));
      const ring: EventsRing = {
        seniorId: hub.seniorId,
        events: live,
        omitted: result.stored.length - live.length,
      };
      await deps.bus
        .publish(EVENTS_CHANNEL, ring)
        .catch((err) => c.var.log.warn({ err }, 'live events ring failed'));
    }
    // The upload moved the hub's last-seen time; dashboards on the hubs topic hear of it now and then.
    await seen.seen(hub.id);
    return c.json({ ackedThroughSeq: result.ackedThroughSeq });
  });

  return app;
}
