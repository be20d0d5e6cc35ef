import { createPublicKey, verify } from 'node:crypto';
import {
  RELEASE_HEADERS,
  ReleaseVersion,
  RolloutRequest,
  releaseStatement,
  SignedRelease,
} from '@hearth/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaff, auditStaffSecurity } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { requireHub } from '../hubs/hub-auth.js';
import type { HubStore } from '../hubs/hub-store.js';
import { type BundleFiles, BundleTooLarge } from './bundle-files.js';
import { byteRange } from './byte-range.js';
import { type ReleaseOffers, RolloutError } from './release-offers.js';
import type { ReleaseStore } from './release-store.js';
import { selects } from './rollout.js';

export interface ReleaseRoutesOptions {
  store: ReleaseStore;
  files: BundleFiles;
  offers: ReleaseOffers;
  hubs: HubStore;
}

export const ReleaseParam = z.object({ version: ReleaseVersion });
/** What `POST /releases` answers. */
export const UploadedRelease = z.object({
  version: z.string(),
  arch: z.string(),
  sha256: z.string(),
  size: z.number().int(),
  /** False when no release public key is configured: the hubs still check the signature. */
  signatureChecked: z.boolean(),
});

/**
 * Over-the-air releases. Mount at `/api/v1`.
 *
 * - `POST /releases` (admin)                      the bundle as the body, its manifest in `hearth-release-*` headers (201)
 * - `GET  /releases` (admin)                      every release, newest first, with rollout figures
 * - `GET  /releases/hubs` (admin)                 each hub's place in the newest rollout reaching it
 * - `POST /releases/:version/rollout {percent?,hubIds?}` (admin) start or widen a rollout; never narrows
 * - `GET  /hub/releases/:version/bundle` (hub key) the bundle, for a hub the rollout reaches; `Range: bytes=N-` → 206
 */
export function releaseRoutes(deps: CloudDeps, options: ReleaseRoutesOptions) {
  const { store, files, offers } = options;
  const app = new Hono<AppEnv>();
  const admin = requireStaff(deps, ['admin']);
  const { maxBytes, publicKeyPem } = deps.config.releases;
  const releaseKey = publicKeyPem ? createPublicKey(publicKeyPem) : undefined;

  app.post('/releases', admin, async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim();
    if (type !== 'application/gzip' && type !== 'application/octet-stream')
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send the bundle (.tar.gz) as Content-Type: application/gzip or application/octet-stream',
      );
    const manifest = validate(
      SignedRelease,
      Object.fromEntries(Object.entries(RELEASE_HEADERS).map(([k, h]) => [k, c.req.header(h)])),
      `release manifest (headers ${Object.values(RELEASE_HEADERS).join(', ')})`,
    );
    if (Number(c.req.header('content-length') ?? 0) > maxBytes)
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `a bundle may be at most ${maxBytes} bytes`, { maxBytes });
    if (await store.exists(manifest.version))
      throw new ApiError(409, 'CONFLICT', `release ${manifest.version} exists already; give a new version`);
    let received: Awaited<ReturnType<BundleFiles['receive']>>;
    try {
      received = await files.receive(c.req.raw.body, maxBytes);
    } catch (err) {
      if (err instanceof BundleTooLarge)
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `a bundle may be at most ${maxBytes} bytes`, {
          maxBytes,
        });
      throw err;
    }
    const refuse = async (message: string, reason: string) => {
      await files.discard(received);
      await auditStaff(deps.audit, c, {
        action: 'release.upload',
        outcome: 'failed',
        targetType: 'release',
        targetId: manifest.version,
        details: { reason, sha256: manifest.sha256 },
      });
      return new ApiError(400, 'VALIDATION_FAILED', message, { reason });
    };
    if (received.size === 0) throw await refuse('the request body is empty; send the bundle', 'empty');
    if (received.sha256 !== manifest.sha256)
      throw await refuse(
        `the bundle received has sha256 ${received.sha256}, but ${RELEASE_HEADERS.sha256} says ${manifest.sha256}: the upload was cut or altered`,
        'sha256_mismatch',
      );
    if (
      releaseKey &&
      !verify(
        null,
        Buffer.from(releaseStatement(manifest), 'utf8'),
        releaseKey,
        Buffer.from(manifest.signature, 'base64'),
      )
    )
      throw await refuse(
        `the signature of release ${manifest.version} (${manifest.arch}, sha256 ${manifest.sha256}) does not match the release public key this cloud is configured with`,
        'bad_signature',
      );
    try {
      await auditStaffSecurity(deps.audit, c, {
        action: 'release.upload',
        targetType: 'release',
        targetId: manifest.version,
        details: {
          arch: manifest.arch,
          sha256: manifest.sha256,
          size: received.size,
          signatureChecked: !!releaseKey,
        },
      });
    } catch (err) {
      await files.discard(received);
      throw err;
    }
    const fileName = files.fileName(manifest.version, manifest.arch);
    const added = await store.add({ ...manifest, size: received.size, fileName }, c.var.staff.id);
    if (!added) {
      await files.discard(received);
      throw new ApiError(409, 'CONFLICT', `release ${manifest.version} exists already; give a new version`);
    }
    await files.keep(received, fileName);
    if (!releaseKey)
      c.var.log.warn(
        { version: manifest.version },
        'release stored without a signature check: no release public key configured',
      );
    return c.json(
      {
        version: manifest.version,
        arch: manifest.arch,
        sha256: manifest.sha256,
        size: received.size,
        signatureChecked: !!releaseKey,
      },
      201,
    );
  });

  app.get('/releases', admin, async (c) => c.json({ releases: await store.list() }));

  app.get('/releases/hubs', admin, async (c) => c.json({ hubs: await store.latestPerHub() }));

  app.post('/releases/:version/rollout', admin, async (c) => {
    const { version } = validate(ReleaseParam, c.req.param(), 'path');
    const request = await readJson(c, RolloutRequest, { maxBytes: 64 * 1024 });
    try {
      const outcome = await offers.rollOut(version, request, c.var.staff.id, (rollout) =>
        // On record before any hub hears of it; a refused request changes nothing and is not recorded.
        auditStaffSecurity(deps.audit, c, {
          action: 'release.rollout',
          targetType: 'release',
          targetId: version,
          details: { percent: rollout.percent, hubIds: rollout.hubIds, asked: request },
        }),
      );
      return c.json(outcome);
    } catch (err) {
      if (err instanceof RolloutError) {
        if (err.code === 'NOT_FOUND') throw notFound('release');
        await auditStaff(deps.audit, c, {
          action: 'release.rollout',
          outcome: 'failed',
          targetType: 'release',
          targetId: version,
          details: { asked: request, reason: err.message },
        });
        throw new ApiError(err.code === 'CONFLICT' ? 409 : 400, err.code, err.message);
      }
      throw err;
    }
  });

  app.get('/hub/releases/:version/bundle', requireHub(deps, options.hubs), async (c) => {
    const { version } = validate(ReleaseParam, c.req.param(), 'path');
    const hubId = c.var.hub.id;
    const release = await store.get(version);
    if (!release) throw notFound('release');
    const rollout = await store.rollout(version);
    if (!(rollout && selects(rollout, hubId)) && !(await store.state(version, hubId)))
      throw new ApiError(403, 'FORBIDDEN', `release ${version} is not rolled out to this hub`);
    const size = await files.size(release.fileName);
    if (size === undefined)
      throw new ApiError(503, 'NOT_READY', `the bundle of release ${version} is missing on this server`);
    const etag = `"${release.sha256}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/gzip',
      'accept-ranges': 'bytes',
      etag,
      [RELEASE_HEADERS.sha256]: release.sha256,
      'cache-control': 'no-cache',
    };
    // If-Range: a resume of another build than this one starts over (RFC 9110 §13.1.5).
    const ifRange = c.req.header('if-range');
    const range =
      ifRange && ifRange !== etag ? { kind: 'none' as const } : byteRange(c.req.header('range'), size);
    if (range.kind === 'unsatisfiable')
      throw new ApiError(
        416,
        'BAD_REQUEST',
        `the range asked for starts past the end of the ${size}-byte bundle`,
        { size },
        {
          'content-range': `bytes */${size}`,
        },
      );
    await offers.downloading(hubId, version);
    if (range.kind === 'none')
      return new Response(files.read(release.fileName, 0, size - 1), {
        status: 200,
        headers: { ...headers, 'content-length': String(size) },
      });
    return new Response(files.read(release.fileName, range.start, range.end), {
      status: 206,
      headers: {
        ...headers,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${size}`,
      },
    });
  });

  return app;
}
