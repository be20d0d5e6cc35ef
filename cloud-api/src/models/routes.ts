import {
  MAX_MODEL_BYTES,
  MODEL_SHA256_HEADER,
  MODEL_VERSION_HEADER,
  type ModelAvailable,
  ModelStatusReport,
  type RulesConfig,
} from '@hearth/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readBodyBytes, readJson, readOptionalJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { clientAddress } from '../http/request-info.js';
import { requireHub } from '../hubs/hub-auth.js';
import type { HubStore } from '../hubs/hub-store.js';
import { TrainingError } from './baseline.js';
import { inspectModelFile, ModelFileError } from './model-file.js';
import { type ModelRecord, type ModelRegistry, RegistryError } from './registry.js';
import { DEFAULT_TRAINING_DAYS, trainSeniorModel } from './training.js';

export interface ModelRoutesOptions {
  registry: ModelRegistry;
  hubs: HubStore;
  /**
   * Tells the senior's hub that its active model changed (over the hub control channel). Called
   * after the change is committed; a failure is logged and the hub still finds the model on its
   * next start or poll.
   */
  notifyHub?: (seniorId: string, notice: ModelAvailable) => Promise<void>;
  /** Tells the senior's hub its rule settings changed (what is usual, learned with the model); failures are logged. */
  onRulesChanged?: (seniorId: string, rules: RulesConfig) => Promise<void>;
}

const SeniorParam = z.object({ id: z.uuid('senior id must be a UUID') });
const VersionParam = SeniorParam.extend({
  version: z.coerce.number().int().positive('version must be a positive integer'),
});
const TrainBody = z.object({
  days: z.number().int().min(7).max(365).default(DEFAULT_TRAINING_DAYS),
  activate: z.boolean().default(true),
});
const UploadQuery = z.object({ activate: z.enum(['true', 'false']).default('false') });

/**
 * Admin model management under `/seniors/:id/models` and the hub's download under `/hub/model`.
 * Mount at `/api/v1`.
 *
 * - `GET  /seniors/:id/models`                      every version, newest first, and which is active
 * - `GET  /seniors/:id/models/active`               the active version's record (where its file is, its sha256)
 * - `POST /seniors/:id/models/train {days?,activate?}` fit from history, register, activate (201)
 * - `POST /seniors/:id/models?activate=true|false`  register an ONNX file trained elsewhere (201)
 * - `GET  /seniors/:id/models/:version/file`        the ONNX bytes
 * - `POST /seniors/:id/models/:version/activate`    make that version active
 * - `POST /seniors/:id/models/rollback`             back to the version active before
 * - `GET  /hub/model`                               (hub key) the active model; ETag = "sha256"; 304; 404 when none
 * - `POST /hub/model/status {version,sha256,status,reason?}` (hub key) the hub loaded or rejected a version
 */
export function modelRoutes(deps: CloudDeps, options: ModelRoutesOptions) {
  const { registry } = options;
  const app = new Hono<AppEnv>();
  const admin = requireStaff(deps, ['admin']);

  const seniorExists = async (id: string) => {
    const [row] = await deps.sql`select 1 from seniors where id = ${id}`;
    if (!row) throw notFound('senior');
  };
  const notify = async (record: ModelRecord, log: AppEnv['Variables']['log']) => {
    if (!options.notifyHub) return;
    try {
      await options.notifyHub(record.seniorId, { version: record.version, sha256: record.sha256 });
    } catch (err) {
      log.warn(
        { err, seniorId: record.seniorId, version: record.version },
        'hub not told about its new model',
      );
    }
  };
  const audit = (c: Context<AppEnv>, action: string, seniorId: string, details: Record<string, unknown>) =>
    auditStaff(deps.audit, c, {
      action,
      targetType: 'senior',
      targetId: seniorId,
      details,
    });

  app.get('/seniors/:id/models', admin, async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    await seniorExists(id);
    const models = await registry.list(id);
    return c.json({ models, activeVersion: models.find((m) => m.active)?.version ?? null });
  });

  app.get('/seniors/:id/models/active', admin, async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    await seniorExists(id);
    const active = await registry.active(id);
    if (!active) throw notFound('active model');
    return c.json(active);
  });

  app.post('/seniors/:id/models/train', admin, async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    const body = await readOptionalJson(c, TrainBody, { maxBytes: 4096 });
    await seniorExists(id);
    let result: Awaited<ReturnType<typeof trainSeniorModel>>;
    try {
      result = await trainSeniorModel(
        { sql: deps.sql, registry, now: deps.now },
        { seniorId: id, days: body.days, activate: body.activate, createdBy: c.var.staff.id },
      );
    } catch (err) {
      if (err instanceof TrainingError)
        throw new ApiError(409, 'CONFLICT', `cannot train: ${err.message}`, { reason: err.code });
      throw err;
    }
    await audit(c, 'model.train', id, { version: result.model.version, activated: result.activated });
    if (result.activated) await notify(result.model, c.var.log);
    try {
      await options.onRulesChanged?.(id, result.rules);
    } catch (err) {
      c.var.log.warn(
        { err, seniorId: id },
        'hub not told about what is usual; it reads it at its next config fetch',
      );
    }
    return c.json(
      { model: result.model, activated: result.activated, stillness: result.rules.stillness ?? null },
      201,
    );
  });

  app.post('/seniors/:id/models', admin, async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    const { activate } = validate(UploadQuery, c.req.query(), 'query');
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim();
    if (type !== 'application/octet-stream') {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send the ONNX file as Content-Type: application/octet-stream',
      );
    }
    await seniorExists(id);
    const bytes = new Uint8Array(await readBodyBytes(c, { maxBytes: MAX_MODEL_BYTES }));
    let info: ReturnType<typeof inspectModelFile>;
    try {
      info = inspectModelFile(bytes);
    } catch (err) {
      if (err instanceof ModelFileError) throw new ApiError(400, 'VALIDATION_FAILED', err.message);
      throw err;
    }
    let model = await registry.register({
      seniorId: id,
      bytes,
      source: 'uploaded',
      threshold: info.threshold,
      featureSpec: info.featureSpec,
      createdBy: c.var.staff.id,
    });
    if (activate === 'true') model = await registry.activate(id, model.version, c.var.staff.id);
    await audit(c, 'model.upload', id, { version: model.version, sha256: model.sha256 });
    if (model.active) await notify(model, c.var.log);
    return c.json({ model, activated: model.active }, 201);
  });

  app.get('/seniors/:id/models/:version/file', admin, async (c) => {
    const { id, version } = validate(VersionParam, c.req.param(), 'path');
    const model = await registry.get(id, version);
    if (!model) throw notFound('model version');
    return modelFile(await readChecked(registry, model), model);
  });

  app.post('/seniors/:id/models/:version/activate', admin, async (c) => {
    const { id, version } = validate(VersionParam, c.req.param(), 'path');
    await seniorExists(id);
    let model: ModelRecord;
    try {
      model = await registry.activate(id, version, c.var.staff.id);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') throw notFound('model version');
      throw err;
    }
    await audit(c, 'model.activate', id, { version });
    await notify(model, c.var.log);
    return c.json(model);
  });

  app.post('/seniors/:id/models/rollback', admin, async (c) => {
    const { id } = validate(SeniorParam, c.req.param(), 'path');
    await seniorExists(id);
    let model: ModelRecord;
    try {
      model = await registry.rollback(id, c.var.staff.id);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NO_PREVIOUS_MODEL')
        throw new ApiError(409, 'CONFLICT', err.message);
      throw err;
    }
    await audit(c, 'model.rollback', id, { version: model.version });
    await notify(model, c.var.log);
    return c.json(model);
  });

  app.get('/hub/model', requireHub(deps, options.hubs), async (c) => {
    const model = await registry.active(c.var.hub.seniorId);
    if (!model)
      throw new ApiError(404, 'NOT_FOUND', 'no active model for this senior yet; rules alone apply');
    const etag = `"${model.sha256}"`;
    const wanted = (c.req.header('if-none-match') ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (wanted.includes(etag) || wanted.includes('*')) {
      return c.body(null, 304, { etag, [MODEL_VERSION_HEADER]: String(model.version) });
    }
    return modelFile(await readChecked(registry, model), model);
  });

  app.post('/hub/model/status', requireHub(deps, options.hubs), async (c) => {
    const report = await readJson(c, ModelStatusReport, { maxBytes: 4096 });
    const hub = c.var.hub;
    const known = await registry.recordHubStatus(hub.seniorId, report);
    if (!known)
      throw new ApiError(
        404,
        'NOT_FOUND',
        `this senior has no model version ${report.version} with that sha256`,
      );
    if (report.status === 'rejected') {
      c.var.log.warn(
        { hubId: hub.id, version: report.version, reason: report.reason },
        'hub rejected its model',
      );
    }
    await deps.audit.record({
      actorType: 'hub',
      actorId: hub.id,
      action: `model.${report.status}`,
      targetType: 'senior',
      targetId: hub.seniorId,
      ip: clientAddress(c),
      details: { version: report.version, reason: report.reason ?? null },
    });
    return c.json({ recorded: true });
  });

  return app;
}

async function readChecked(registry: ModelRegistry, model: ModelRecord): Promise<Uint8Array> {
  try {
    return await registry.readBytes(model);
  } catch (err) {
    // The file is gone or altered: a server-side fault; the hub keeps its current model.
    if (err instanceof RegistryError)
      throw new ApiError(503, 'NOT_READY', `model file unavailable: ${err.message}`);
    throw err;
  }
}

function modelFile(bytes: Uint8Array, model: ModelRecord): Response {
  return new Response(bytes, {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.byteLength),
      etag: `"${model.sha256}"`,
      [MODEL_VERSION_HEADER]: String(model.version),
      [MODEL_SHA256_HEADER]: model.sha256,
      'cache-control': 'no-cache',
    },
  });
}
