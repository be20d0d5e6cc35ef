import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  ErrorEnvelope,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type SensorEvent,
  UploadAck,
} from '@hearth/shared';
import type { UplinkCredentials } from './uplink.js';

const gzip = promisify(gzipCallback);

/** A failed upload, with what the uplink should do about it. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly kind: 'retry' | 'rejected' | 'too_large' | 'refused',
    readonly retryAfterMs?: number,
    /** The HTTP status the cloud answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * `POST /api/v1/hub/events` with a gzip body. Resolves with the cloud's `ackedThroughSeq`; throws an
 * UploadError saying whether to retry (network, 5xx, 429 with its Retry-After), stop (401/403: the key
 * is refused), send smaller batches (413) or find the event the cloud cannot accept (400 validation).
 */
export async function postEvents(
  credentials: UplinkCredentials,
  events: SensorEvent[],
  timeoutMs: number,
  /** Aborts the request when the agent stops; the batch is simply sent again at the next start. */
  stopping?: AbortSignal,
): Promise<number> {
  const body = await gzip(JSON.stringify({ events }));
  const url = `${credentials.cloudUrl.replace(/\/+$/, '')}/api/v1/hub/events`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${credentials.apiKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      },
      body,
      signal: stopping
        ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping])
        : AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new UploadError(
      `cannot reach the cloud at ${credentials.cloudUrl} (${cause ?? String(error)})`,
      'retry',
    );
  }
  const text = await response.text().catch(() => '');
  if (response.ok) {
    const parsed = UploadAck.safeParse(safeJson(text));
    if (!parsed.success)
      throw new UploadError(`the cloud answered an upload with an unexpected body`, 'retry');
    return parsed.data.ackedThroughSeq;
  }
  const envelope = ErrorEnvelope.safeParse(safeJson(text));
  const detail = envelope.success
    ? `${envelope.data.error.code}: ${envelope.data.error.message}`
    : text.slice(0, 200);
  if (response.status === 401 || response.status === 403) {
    throw new UploadError(
      `the cloud refused this hub's key (${detail}); pair the hub again with \`hearth pair\``,
      'rejected',
    );
  }
  if (
    (response.status === 400 || response.status === 422) &&
    envelope.success &&
    envelope.data.error.code === 'VALIDATION_FAILED'
  ) {
    throw new UploadError(`the cloud refused the batch's content (${detail})`, 'refused');
  }
  if (response.status === 413)
    throw new UploadError(`the cloud found a batch too large (${detail})`, 'too_large');
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new UploadError(
    `the cloud answered ${response.status} (${detail})`,
    'retry',
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    response.status,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
