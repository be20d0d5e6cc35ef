import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import { CARE_ROLES, requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { sendToHub } from '../hubs/hub-commands.js';
import { IdParam } from '../seniors/schemas.js';
import { ringSenior } from '../seniors/senior-ring.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { iceServers, turnTtlSeconds } from './turn.js';
import { VideoSessionStore } from './video-sessions.js';

/** `PUT /seniors/:id/video-consent` body. */
export const VideoConsentRequest = z.object({ consent: z.boolean() }).strict();

/**
 * `POST /seniors/:id/video-sessions`: opens a session when privacy allows it (an open alert, an
 * active safety check, or the senior's consent), audited, and asks the senior's hub to offer video.
 * `PUT /seniors/:id/video-consent` (admin): records the senior's consent to check-in video.
 */
export function videoRoutes(deps: CloudDeps) {
  const seniors = new SeniorStore(deps.sql);
  const sessions = new VideoSessionStore(deps.sql);
  const app = new Hono<AppEnv>();

  app.post('/seniors/:id/video-sessions', requireStaff(deps, CARE_ROLES), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const who = c.var.staff;
    const audit = (outcome: 'ok' | 'denied', details: Record<string, unknown>) =>
      auditStaff(deps.audit, c, {
        action: 'video.session',
        targetType: 'senior',
        targetId: id,
        outcome,
        details,
      });
    // Visibility before anything else: someone else's senior is indistinguishable from none.
    if (!(await seniors.canSee(who, id))) {
      await audit('denied', { refused: 'not_visible' });
      throw notFound('senior');
    }
    const why = await sessions.whyMayWatch(id);
    if (!why) {
      await audit('denied', { refused: 'privacy' });
      throw new ApiError(
        403,
        'FORBIDDEN',
        'live video is private: it opens only during an open alert or an active safety check, or when the senior has agreed to check-in video',
        { reason: 'PRIVACY' },
      );
    }
    if (!(await sessions.hasHub(id))) {
      await audit('denied', { refused: 'no_hub' });
      throw new ApiError(
        409,
        'HUB_OFFLINE',
        'no hub is paired with this senior, so there is no camera to open',
      );
    }
    const now = deps.now();
    const seconds = deps.config.videoSessionSeconds;
    const expiresAt = new Date(now.getTime() + seconds * 1000);
    const sessionId = await sessions.open({ seniorId: id, staffId: who.id, expiresAt, why });
    await audit('ok', { sessionId, why: why.reason, ...(why.reasonId && { reasonId: why.reasonId }) });
    const turn = deps.config.turn;
    const ttl = turnTtlSeconds(seconds);
    const viewerName = await sessions.staffName(who.id);
    await sendToHub(deps.bus, {
      seniorId: id,
      message: {
        type: 'signal',
        topic: `video:${sessionId}`,
        data: {
          kind: 'start',
          sessionId,
          iceServers: iceServers(turn, `hub-${id}`, ttl, now),
          expiresAt: expiresAt.toISOString(),
          ...(viewerName && { viewerName }),
        },
      },
    }).catch((err) => c.var.log.warn({ err }, 'could not ring the hub about a video session'));
    return c.json(
      {
        sessionId,
        iceServers: iceServers(turn, who.id, ttl, now),
        expiresAt: expiresAt.toISOString(),
        why: why.reason,
      },
      201,
    );
  });

  app.put('/seniors/:id/video-consent', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const audit = (outcome: 'ok' | 'denied', details?: Record<string, unknown>) =>
      auditStaff(deps.audit, c, {
        action: 'video.consent',
        targetType: 'senior',
        targetId: id,
        outcome,
        ...(details && { details }),
      });
    if (!(await seniors.canSee(c.var.staff, id))) {
      await audit('denied');
      throw notFound('senior');
    }
    if (c.var.staff.role !== 'admin') {
      await audit('denied');
      throw new ApiError(403, 'FORBIDDEN', "only an admin may record a senior's video consent");
    }
    const { consent } = await readJson(c, VideoConsentRequest, { maxBytes: 1024 });
    await sessions.setConsent(id, consent, c.var.staff.id);
    await audit('ok', { consent });
    // The dashboards' senior forms show the consent; they hear of it like any change to the senior.
    const senior = await seniors.getVisible(c.var.staff, id);
    if (senior) await ringSenior(deps.bus, { change: 'updated', senior }, c.var.log);
    return c.json({ seniorId: id, consent });
  });

  return app;
}
