import { z } from 'zod';
import { storableText } from './storable.js';

/**
 * How a senior's model travels from the cloud to the hub. `GET /api/v1/hub/model` answers the
 * ONNX bytes of the active model with `ETag: "<sha256>"` and these headers, `304` when the
 * hub's `If-None-Match` already names it, and `404 NOT_FOUND` while the senior has none.
 */
export const MODEL_VERSION_HEADER = 'hearth-model-version';
export const MODEL_SHA256_HEADER = 'hearth-model-sha256';
/** Largest model file either side accepts. */
export const MAX_MODEL_BYTES = 16 * 1024 * 1024;

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

/** Control-channel notice that a senior's active model changed; the hub then fetches it. */
export const ModelAvailable = z.object({
  version: z.number().int().positive(),
  sha256: Sha256Hex,
});
export type ModelAvailable = z.infer<typeof ModelAvailable>;

/** What the hub tells the cloud after trying a model (`POST /api/v1/hub/model/status`). */
export const ModelStatusReport = z.object({
  version: z.number().int().positive(),
  sha256: Sha256Hex,
  status: z.enum(['active', 'rejected']),
  /** Why it was rejected, in words a person can act on. */
  reason: storableText().max(500).optional(),
});
export type ModelStatusReport = z.infer<typeof ModelStatusReport>;
