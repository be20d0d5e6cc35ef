import { ClaimRequest, type HubConfig } from '@hearth/shared';
import { Hono } from 'hono';
import { auditStaffSecurity } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { RateLimiter } from '../http/rate-limit.js';
import { clientAddress } from '../http/request-info.js';
import { IdParam } from '../seniors/schemas.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { requireHub } from './hub-auth.js';
import { sendToHub } from './hub-commands.js';
import { ringHub } from './hub-ring.js';
import type { HubStore, HubWithPresence } from './hub-store.js';

function toHub(h: HubWithPresence) {
  return {
    id: h.id,
    seniorId: h.senior_id,
    deviceId: h.device_id,
    status: h.status,
    ackedThroughSeq: h.acked_through_seq,
    lastSeenAt: h.last_seen_at?.toISOString() ?? null,
    online: h.status === 'active' && h.online,
    agentVersion: h.agent_version,
    createdAt: h.created_at.toISOString(),
  };
}

/**
 * Pairing codes, claiming, hub management, and the hub's own `GET /hub/config`. `rulesFor` reads a senior's rule settings
 * (the models feature owns them; passed in so hubs/ and models/ do not import each other).
 */
export function hubRoutes(
  deps: CloudDeps,
  hubs: HubStore,
  rulesFor: (seniorId: string) => Promise<HubConfig['rules'] | undefined>,
) {
  const seniors = new SeniorStore(deps.sql);
  // Guessing codes: 10 claims a minute per address; a code has 30^8 possibilities and lives 15 minutes.
  const claimLimit = new RateLimiter(deps.rateLimits, 'claim-address', 10, 60_000);
  const limit = { maxBytes: 16 * 1024 };
  const app = new Hono<AppEnv>();

  app.post('/seniors/:id/pairing-codes', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    if (!(await seniors.canSee(c.var.staff, id))) throw notFound('senior');
    if (c.var.staff.role === 'staff') {
      throw new ApiError(403, 'FORBIDDEN', 'only an admin or a technician may pair a hub');
    }
    // Audited first: a code whose creation is not on record is never handed out.
    await auditStaffSecurity(deps.audit, c, {
      action: 'hub.pairing_code',
      targetType: 'senior',
      targetId: id,
    });
    const { code, expiresAt } = await hubs.createPairingCode(id, c.var.staff.id);
    return c.json({ code, expiresAt: expiresAt.toISOString() }, 201);
  });

  app.post('/hubs/claim', async (c) => {
    const ip = clientAddress(c);
    await claimLimit.hit(ip ?? 'unknown', 'pairing attempts from this address');
    const body = await readJson(c, ClaimRequest, limit);
    // The audit row commits with the claim (or with the spent attempt), or neither happens.
    const claimed = await hubs.claim(body.code, body.deviceId, (tx, hub) =>
      deps.audit.recordSecurity(
        {
          actorType: 'anonymous',
          action: 'hub.claim',
          outcome: hub ? 'ok' : 'denied',
          targetType: 'hub',
          targetId: hub?.hubId,
          ip,
          details: { deviceId: body.deviceId },
        },
        tx,
      ),
    );
    if (!claimed) throw new ApiError(404, 'NOT_FOUND', 'pairing code is unknown, already used, or expired');
    for (const old of claimed.replacedHubIds) await ringHub(deps, old, 'revoked', c.var.log);
    await ringHub(deps, claimed.hubId, 'claimed', c.var.log);
    const { replacedHubIds: _, ...answer } = claimed;
    return c.json(answer, 201);
  });

  app.get('/hubs', requireStaff(deps), async (c) => {
    const who = c.var.staff;
    const scope = who.role === 'admin' ? 'all' : (await seniors.listVisible(who)).map((s) => s.id);
    return c.json({ hubs: (await hubs.listForSeniors(scope)).map(toHub) });
  });

  app.delete('/hubs/:id', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const hub = await hubs.get(id);
    if (!hub || !(await seniors.canSee(c.var.staff, hub.senior_id))) throw notFound('hub');
    if (c.var.staff.role === 'staff')
      throw new ApiError(403, 'FORBIDDEN', 'only an admin or a technician may manage hubs');
    await auditStaffSecurity(deps.audit, c, { action: 'hub.revoke', targetType: 'hub', targetId: id });
    await hubs.revoke(id);
    await sendToHub(deps.bus, { hubId: id, disconnect: true }).catch(() => {});
    await ringHub(deps, id, 'revoked', c.var.log);
    return c.body(null, 204);
  });

  app.post('/hubs/:id/rotate-key', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const hub = await hubs.get(id);
    if (!hub || !(await seniors.canSee(c.var.staff, hub.senior_id))) throw notFound('hub');
    if (c.var.staff.role === 'staff')
      throw new ApiError(403, 'FORBIDDEN', 'only an admin or a technician may manage hubs');
    await auditStaffSecurity(deps.audit, c, { action: 'hub.rotate_key', targetType: 'hub', targetId: id });
    const apiKey = await hubs.rotateKey(id);
    if (!apiKey) throw new ApiError(409, 'CONFLICT', 'this hub is revoked; pair it again instead');
    await sendToHub(deps.bus, { hubId: id, disconnect: true }).catch(() => {});
    await ringHub(deps, id, 'key-rotated', c.var.log);
    return c.json({ hubId: id, apiKey });
  });

  app.get('/hub/config', requireHub(deps, hubs), async (c) => {
    const hub = c.var.hub;
    const [senior] = await deps.sql<{ name: string; timezone: string }[]>`
      select name, timezone from seniors where id = ${hub.seniorId}`;
    if (!senior) throw notFound('senior');
    const config: HubConfig = {
      hubId: hub.id,
      seniorId: hub.seniorId,
      seniorName: senior.name,
      timezone: senior.timezone,
      rules: await rulesFor(hub.seniorId),
    };
    return c.json(config);
  });

  return app;
}
