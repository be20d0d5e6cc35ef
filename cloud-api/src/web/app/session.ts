// Who is signed in. The access token lives only in this tab's memory; the refresh token is an
// HttpOnly cookie the page cannot read, so a reload or a new tab signs in again by refreshing.
import type { StaffMember } from '@hearth/shared';

/** An API answer that was not 2xx, with the envelope's code and words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
  staff: StaffMember;
}

const REFRESH_LOCK = 'hearth-refresh';

/**
 * Signs in, keeps the access token fresh and signs out. Refreshes are serialised across the
 * browser's tabs (Web Locks): the cookie is one token, and presenting a spent one would sign every
 * tab out as a suspected theft.
 */
export class Session {
  me: StaffMember | null = null;
  private access: string | null = null;
  private expiresAt = 0;
  private refreshing: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly channel =
    typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('hearth-session');

  constructor(private readonly onChange: (me: StaffMember | null) => void) {
    if (this.channel) {
      this.channel.onmessage = (event) => {
        if (event.data === 'signed-out') this.drop();
        else if (event.data === 'signed-in' && !this.me) void this.refresh();
      };
    }
  }

  /** The current access token (for the WebSocket), refreshed first when there is none. */
  async token(): Promise<string | null> {
    if (!this.access || Date.now() > this.expiresAt - 30_000) await this.refresh();
    return this.access;
  }

  async login(email: string, password: string): Promise<void> {
    const answer = await this.fetchJson<TokenAnswer>('/auth/login', 'POST', {
      email,
      password,
      session: 'cookie',
    });
    this.accept(answer);
    this.channel?.postMessage('signed-in');
  }

  /** Tries the cookie; false (signed out) when there is none or it is no longer valid. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.withLock(async () => {
      try {
        this.accept(await this.fetchJson<TokenAnswer>('/auth/refresh', 'POST', {}));
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) this.drop();
        return false;
      }
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Ends this browser's session (every tab); `everywhere` also ends the account's other devices. */
  async signOut(everywhere = false): Promise<void> {
    try {
      await this.fetchJson('/auth/refresh', 'DELETE', { everywhere });
    } finally {
      this.channel?.postMessage('signed-out');
      this.drop();
    }
  }

  /** Calls the API as the signed-in staff member; refreshes once on an expired token. */
  async api<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    try {
      return await this.fetchJson<T>(path, method, body, this.access);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      if (!(await this.refresh())) throw err;
      return this.fetchJson<T>(path, method, body, this.access);
    }
  }

  private accept(answer: TokenAnswer): void {
    this.access = answer.accessToken;
    this.expiresAt = Date.now() + answer.expiresIn * 1000;
    const changed = this.me?.id !== answer.staff.id;
    this.me = answer.staff;
    clearTimeout(this.timer);
    // A minute early; a background tab's timer may fire late, and then the 401 path refreshes.
    this.timer = setTimeout(() => void this.refresh(), Math.max(30, answer.expiresIn - 60) * 1000);
    if (changed) this.onChange(this.me);
  }

  private drop(): void {
    clearTimeout(this.timer);
    this.access = null;
    if (this.me) {
      this.me = null;
      this.onChange(null);
    }
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    return locks ? (locks.request(REFRESH_LOCK, fn) as Promise<T>) : fn();
  }

  private async fetchJson<T>(
    path: string,
    method: string,
    body?: unknown,
    token?: string | null,
  ): Promise<T> {
    const res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(token && { authorization: `Bearer ${token}` }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, error?.code ?? 'HTTP', error?.message ?? `HTTP ${res.status}`);
    }
    return parsed as T;
  }
}
