// One attempt at fetching a release bundle into a file on the data partition. A bundle is tens of
// megabytes over a home's link: whatever is already in the file is kept and only the rest is asked
// for (`Range: bytes=N-`, RFC 9110 §14.2), so a cut connection or an agent restart costs only what
// was in flight. Retrying is the caller's policy; this says whether a retry can help.
import { open, rm, stat, truncate } from 'node:fs/promises';

export interface DownloadRequest {
  url: string;
  /** Where the bytes go. What it already holds is kept and the rest is asked for. */
  file: string;
  /** The download is refused past this many bytes (announced or received), and the file deleted. */
  maxBytes: number;
  /** Sent with every request (the hub's credentials, for its own cloud only). */
  headers?: Record<string, string>;
  /** Abandons the attempt (the agent stopping); what arrived stays in the file. */
  signal?: AbortSignal;
  /** An attempt with no byte for this long is cut (default 60 s). */
  idleTimeoutMs?: number;
}

/**
 * A download attempt that did not finish. `retry`: a cut, a timeout or a server error; the bytes
 * received are kept for the next attempt. `refused`: the server will not give this file (4xx).
 * `too_large`: more than `maxBytes`; the file was deleted.
 */
export class DownloadError extends Error {
  readonly code = 'DOWNLOAD_FAILED';
  constructor(
    message: string,
    readonly kind: 'retry' | 'refused' | 'too_large',
    readonly status: number | null = null,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** `bytes 100-199/1000` → {start: 100, total: 1000}; a 416's `bytes *` and a length → {start: null, total: 1000}. */
function contentRange(header: string | null): { start: number | null; total: number | null } | null {
  const match = header ? /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!match) return null;
  return {
    start: match[1] === undefined ? null : Number(match[1]),
    total: match[2] === '*' ? null : Number(match[2]),
  };
}

/** The network error's code (ECONNREFUSED, ECONNRESET…) or its words, when fetch gave one. */
function causeOf(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message;
}

function retryAfter(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Fetches what `request.file` lacks of `request.url`. Resolves with the file's size once the server
 * has sent the whole file.
 * @throws DownloadError saying whether another attempt can help.
 */
export async function downloadOnce(request: DownloadRequest): Promise<number> {
  const { url, file, maxBytes } = request;
  let have = await sizeOf(file);
  const tooLarge = async (what: string) => {
    await rm(file, { force: true });
    return new DownloadError(`the download is ${what}, more than the ${maxBytes} bytes allowed`, 'too_large');
  };
  if (have > maxBytes) throw await tooLarge(`already ${have} bytes`);

  const idle = new AbortController();
  const idleMs = request.idleTimeoutMs ?? 60_000;
  let idleTimer = setTimeout(() => idle.abort(), idleMs);
  const signal = request.signal ? AbortSignal.any([request.signal, idle.signal]) : idle.signal;
  const cut = (error: unknown) => {
    const why = idle.signal.aborted
      ? `nothing arrived for ${idleMs / 1000} s`
      : request.signal?.aborted
        ? 'abandoned'
        : (causeOf(error) ?? (error as Error).message);
    return new DownloadError(`the download of ${url} broke off at ${have} bytes (${why})`, 'retry');
  };
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { ...request.headers, ...(have > 0 && { range: `bytes=${have}-` }) },
        signal,
      });
    } catch (error) {
      throw cut(error);
    }
    const range = contentRange(response.headers.get('content-range'));
    if (response.status === 416 && have > 0) {
      await response.body?.cancel();
      // Asked for bytes past the end: the file is whole if the server's length is what we have.
      if (range?.total === have) return have;
      await truncate(file, 0);
      throw new DownloadError(`the server's copy of ${url} changed; starting again`, 'retry', 416);
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500)
      throw new DownloadError(
        `the server answered ${response.status} for ${url}`,
        'retry',
        response.status,
        retryAfter(response),
      );
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new DownloadError(
        `the server answered ${response.status} for ${url}`,
        'refused',
        response.status,
      );
    }
    if (response.status === 206 && range?.start !== have) {
      // Not the bytes asked for: drop what we have rather than splice two files together.
      await response.body?.cancel();
      await truncate(file, 0);
      throw new DownloadError(`the server sent another range than bytes=${have}- for ${url}`, 'retry', 206);
    }
    if (response.status === 200) have = 0; // it ignored the Range: the whole file again
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = response.status === 206 ? range?.total : Number.isFinite(length) ? length : null;
    if (total != null && total > maxBytes) {
      await response.body?.cancel();
      throw await tooLarge(`${total} bytes`);
    }

    const out = await open(file, have === 0 ? 'w' : 'a');
    try {
      if (response.body)
        for await (const chunk of response.body) {
          clearTimeout(idleTimer);
          idleTimer = setTimeout(() => idle.abort(), idleMs);
          if (have + chunk.byteLength > maxBytes) {
            await out.close();
            throw await tooLarge('still arriving past that size');
          }
          await out.write(chunk);
          have += chunk.byteLength;
        }
      await out.sync();
    } catch (error) {
      if (error instanceof DownloadError) throw error;
      throw cut(error);
    } finally {
      await out.close().catch(() => {});
    }
    if (total != null && have !== total)
      throw new DownloadError(`the download of ${url} ended at ${have} of ${total} bytes`, 'retry');
    return have;
  } finally {
    clearTimeout(idleTimer);
  }
}
