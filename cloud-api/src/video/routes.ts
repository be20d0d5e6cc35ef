import { Hono } from 'hono';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { notFound } from '../http/errors.js';
import { clientAddress } from '../http/request-info.js';
import { sendToHub } from '../hubs/hub-commands.js';
import { IdParam } from '../seniors/schemas.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { iceServers } from './turn.js';

/** How long a video session (and its TURN credentials) lasts. */
export const VIDEO_SESSION_SECONDS = 3600;

/** `POST /seniors/:id/video-sessions`: opens a session, audited, and asks the senior's hub to start. */
export function videoRoutes(deps: CloudDeps) {
  const seniors = new SeniorStore(deps.sql);
  const app = new Hono<AppEnv>();

  app.post('/seniors/:id/video-sessions', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const who = c.var.staff;
    const visible = await seniors.canSee(who, id);
    const now = deps.now();
    const expiresAt = new Date(now.getTime() + VIDEO_SESSION_SECONDS * 1000);
    const [session] = visible
      ? await deps.sql<{ id: string }[]>`insert into video_sessions (senior_id, staff_id, expires_at)
          values (${id}, ${who.id}, ${expiresAt}) returning id`
      : [];
    await deps.audit.record({
      actorType: 'staff',
      actorId: who.id,
      action: 'video.session',
      targetType: 'senior',
      targetId: id,
      outcome: visible ? 'ok' : 'denied',
      ip: clientAddress(c),
      ...(session && { details: { sessionId: session.id } }),
    });
    if (!session) throw notFound('senior');
    const turn = deps.config.turn;
    await sendToHub(deps.bus, {
      seniorId: id,
      message: {
        type: 'signal',
        topic: `video:${session.id}`,
        data: {
          kind: 'start',
          sessionId: session.id,
          iceServers: iceServers(turn, `hub-${id}`, VIDEO_SESSION_SECONDS, now),
        },
      },
    }).catch((err) => c.var.log.warn({ err }, 'could not ring the hub about a video session'));
    return c.json(
      {
        sessionId: session.id,
        iceServers: iceServers(turn, who.id, VIDEO_SESSION_SECONDS, now),
        expiresAt: expiresAt.toISOString(),
      },
      201,
    );
  });

  return app;
}
