import type { RulesConfig } from '@hearth/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { RulesValidationError, SeniorRulesStore } from './rules-store.js';

export interface RulesRoutesOptions {
  /** Tells the senior's hub its rule settings changed (control channel); failures are logged. */
  onRulesChanged?: (seniorId: string, rules: RulesConfig) => Promise<void>;
}

const SeniorParam = z.object({ id: z.uuid('senior id must be a UUID') });

/**
 * `GET /seniors/:id/rules` (staff who see the senior) and `PUT /seniors/:id/rules` (admin): the
 * senior's hard-rule settings. Mount at `/api/v1`.
 */
export function rulesRoutes(deps: CloudDeps, options: RulesRoutesOptions = {}) {
  const rules = new SeniorRulesStore(deps.sql);
  const seniors = new SeniorStore(deps.sql);
  const app = new Hono<AppEnv>();

  app.get('/seniors/:id/rules', requireStaff(deps), async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    if (!(await seniors.canSee(c.var.staff, id))) throw notFound('senior');
    const found = await rules.forSenior(id);
    if (!found) throw notFound('senior');
    return c.json(found);
  });

  app.put('/seniors/:id/rules', requireStaff(deps, ['admin']), async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    const body = await readJson(c, z.record(z.string(), z.unknown()), { maxBytes: 64 * 1024 });
    let updated: RulesConfig | undefined;
    try {
      updated = await rules.replace(id, body, c.var.staff.id);
    } catch (err) {
      if (err instanceof RulesValidationError)
        throw new ApiError(400, 'VALIDATION_FAILED', `invalid rules: ${err.message}`);
      throw err;
    }
    if (!updated) throw notFound('senior');
    await auditStaff(deps.audit, c, {
      action: 'senior.rules.update',
      targetType: 'senior',
      targetId: id,
      details: { settings: Object.keys(body) },
    });
    try {
      await options.onRulesChanged?.(id, updated);
    } catch (err) {
      c.var.log.warn(
        { err, seniorId: id },
        'hub not told about its new rules; it reads them at its next config fetch',
      );
    }
    return c.json(updated);
  });

  return app;
}
