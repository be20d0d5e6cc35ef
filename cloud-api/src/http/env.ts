import type { Role } from '@hearth/shared';
import type { Logger } from 'pino';

/** The staff member behind a request, from a verified access token. */
export interface StaffPrincipal {
  id: string;
  role: Role;
}

/** The hub behind a request, from a verified API key. */
export interface HubPrincipal {
  id: string;
  seniorId: string;
}

/** Hono environment shared by every route: what middleware puts on the context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The caller's address, proxies taken into account. */
    clientIp: string | undefined;
    log: Logger;
    staff: StaffPrincipal;
    hub: HubPrincipal;
  };
}
