// The OpenAPI document: one table of every /api/v1 route with the schemas it validates with. Over
// ~300 lines on purpose: it grows one entry per route, and the operations suite checks it is complete.
import {
  Alert,
  ClaimRequest,
  ClaimResponse,
  ErrorEnvelope,
  HubConfig,
  HubRollout,
  LoginResponse,
  ModelStatusReport,
  PairingCode,
  ReleaseSummary,
  RequestSafetyCheckBody,
  RolloutRequest,
  RulesConfig,
  StaffMember,
  UploadAck,
  UploadBatch,
} from '@hearth/shared';
import { z } from 'zod';
import { AlertListQuery, OutcomeRatesQuery, ResolveRequest } from '../alerts/routes.js';
import { AuditQuery } from '../audit/routes.js';
import {
  BrowserLoginRequest,
  CreateStaffRequest,
  LogoutRequest,
  RefreshOrCookieRequest,
  SignOutRequest,
} from '../auth/routes.js';
import { UpdateStaffRequest } from '../auth/staff-routes.js';
import {
  AckByTokenRequest,
  DeliveryView,
  NotifySettings,
  NotifySettingsPatch,
  PushSubscriptionInput,
} from '../notify/schemas.js';
import { UploadedRelease } from '../releases/routes.js';
import { ActivityQuery, EventsQuery } from '../seniors/history-routes.js';
import { AssignStaffRequest, CreateSeniorRequest, Senior, UpdateSeniorRequest } from '../seniors/schemas.js';
import { VideoConsentRequest } from '../video/routes.js';

type Auth = 'staff' | 'hub' | 'none';
interface Operation {
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  query?: z.ZodObject;
  ok?: z.ZodType;
  status?: number;
}

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as Record<
    string,
    unknown
  >;

/** The API, described from the same zod schemas the routes validate with. Keyed by `METHOD /path`. */
export const OPERATIONS: Record<string, Operation> = {
  'POST /auth/login': {
    summary:
      'Log in with email and password (session "cookie": the refresh token goes into an HttpOnly cookie)',
    auth: 'none',
    body: BrowserLoginRequest,
    ok: LoginResponse,
  },
  'POST /auth/refresh': {
    summary: 'Rotate a refresh token (from the body, else from the session cookie)',
    auth: 'none',
    body: RefreshOrCookieRequest,
    ok: LoginResponse,
  },
  'DELETE /auth/refresh': {
    summary: 'End the session in the cookie (everywhere: every session of the account)',
    auth: 'none',
    body: SignOutRequest,
    status: 204,
  },
  'POST /auth/logout': {
    summary: 'Revoke the refresh token family',
    auth: 'staff',
    body: LogoutRequest,
    status: 204,
  },
  'GET /me': { summary: 'The signed-in staff member', auth: 'staff', ok: StaffMember },
  'GET /staff': {
    summary: 'All staff (admin)',
    auth: 'staff',
    ok: z.object({ staff: z.array(StaffMember.extend({ disabled: z.boolean() })) }),
  },
  'POST /staff': {
    summary: 'Create a staff account (admin)',
    auth: 'staff',
    body: CreateStaffRequest,
    ok: StaffMember,
    status: 201,
  },
  'PATCH /staff/{id}': {
    summary:
      "Disable or re-enable a staff account, or change its role; either ends the person's sessions at once (admin)",
    auth: 'staff',
    body: UpdateStaffRequest,
  },
  'POST /staff/{id}/unlock': {
    summary: "Lift the login throttle's locks on an account, from every address (admin)",
    auth: 'staff',
    status: 204,
  },
  'GET /seniors': {
    summary: 'Seniors you look after',
    auth: 'staff',
    ok: z.object({ seniors: z.array(Senior) }),
  },
  'POST /seniors': {
    summary: 'Add a senior (admin)',
    auth: 'staff',
    body: CreateSeniorRequest,
    ok: Senior,
    status: 201,
  },
  'GET /seniors/{id}': { summary: 'One senior', auth: 'staff', ok: Senior },
  'PATCH /seniors/{id}': {
    summary: 'Change a senior (admin)',
    auth: 'staff',
    body: UpdateSeniorRequest,
    ok: Senior,
  },
  'GET /seniors/{id}/events': { summary: 'Sensor history', auth: 'staff', query: EventsQuery },
  'GET /seniors/{id}/activity': { summary: 'Activity per hour or day', auth: 'staff', query: ActivityQuery },
  'GET /seniors/{id}/alerts': { summary: "A senior's alerts", auth: 'staff', query: AlertListQuery },
  'POST /seniors/{id}/staff': {
    summary: 'Assign a staff member (admin)',
    auth: 'staff',
    body: AssignStaffRequest,
  },
  'POST /seniors/{id}/pairing-codes': {
    summary: 'A 15-minute pairing code (admin, technician)',
    auth: 'staff',
    ok: PairingCode,
    status: 201,
  },
  'POST /seniors/{id}/safety-checks': {
    summary:
      "Ask the robot to check on the senior; each hop then arrives on the safety-checks topic of /ws (409 HUB_OFFLINE when no instance holds the senior's hub)",
    auth: 'staff',
    body: RequestSafetyCheckBody,
    status: 202,
  },
  'GET /safety-checks/{id}': { summary: 'A safety check with every hop so far', auth: 'staff' },
  'POST /seniors/{id}/video-sessions': {
    summary:
      "Open a live video session with the senior's hub (signaling then over /ws video:<sessionId>); only during an open alert or active safety check, or with the senior's consent",
    auth: 'staff',
    status: 201,
  },
  'PUT /seniors/{id}/video-consent': {
    summary: 'Record whether the senior agreed to check-in video (admin)',
    auth: 'staff',
    body: VideoConsentRequest,
  },
  'GET /me/notification-settings': {
    summary: 'Your notification channels, addresses and whether you are on shift',
    auth: 'staff',
    ok: NotifySettings,
  },
  'PATCH /me/notification-settings': {
    summary: 'Change your notification channels and addresses',
    auth: 'staff',
    body: NotifySettingsPatch,
  },
  'POST /me/shift/start': { summary: 'Start your shift: the escalation policy rings you', auth: 'staff' },
  'POST /me/shift/end': { summary: 'End your shift: you are no longer rung', auth: 'staff' },
  'GET /me/push-subscriptions': { summary: 'Your devices that receive Web Push', auth: 'staff' },
  'POST /me/push-subscriptions': {
    summary: "Register this device's Web Push subscription",
    auth: 'staff',
    body: PushSubscriptionInput,
    status: 201,
  },
  'DELETE /me/push-subscriptions/{id}': { summary: 'Revoke one of your devices', auth: 'staff', status: 204 },
  'GET /alerts/{id}/deliveries': {
    summary: 'Who was rung for an alert, on which channel, and whether it was delivered, seen, acknowledged',
    auth: 'staff',
    ok: z.object({ deliveries: z.array(DeliveryView) }),
  },
  'POST /notify/ack-by-token': {
    summary: "Acknowledge an alert from a notification's single-use action token",
    auth: 'none',
    body: AckByTokenRequest,
  },
  'POST /notify/push-receipt': {
    summary: "The service worker's receipt that a push reached the device",
    auth: 'none',
    body: AckByTokenRequest,
    status: 204,
  },
  'POST /notify/seen': {
    summary: "The service worker's note that the person opened the notification (seen)",
    auth: 'none',
    body: AckByTokenRequest,
    status: 204,
  },
  'GET /notify/ack': { summary: "The email's acknowledge link: a page that asks to confirm", auth: 'none' },
  'POST /notify/ack': { summary: "Confirm the email's acknowledge link (once)", auth: 'none' },
  'GET /seniors/{id}/rules': { summary: "The senior's hard-rule settings", auth: 'staff', ok: RulesConfig },
  'PUT /seniors/{id}/rules': {
    summary: 'Change the rule settings (admin); the hub is told',
    auth: 'staff',
    ok: RulesConfig,
  },
  'GET /seniors/{id}/models': {
    summary: 'Model versions, newest first, and the active one (admin)',
    auth: 'staff',
  },
  'GET /seniors/{id}/models/active': { summary: 'The active model version (admin)', auth: 'staff' },
  'POST /seniors/{id}/models/train': {
    summary: "Fit the senior's model from their history (admin)",
    auth: 'staff',
    status: 201,
  },
  'POST /seniors/{id}/models': {
    summary: 'Register an ONNX model trained elsewhere (admin)',
    auth: 'staff',
    status: 201,
  },
  'GET /seniors/{id}/models/{version}/file': {
    summary: 'The ONNX bytes of a version (admin)',
    auth: 'staff',
  },
  'POST /seniors/{id}/models/{version}/activate': { summary: 'Make a version active (admin)', auth: 'staff' },
  'POST /seniors/{id}/models/rollback': {
    summary: 'Back to the previously active version (admin)',
    auth: 'staff',
  },
  'GET /hub/model': {
    summary: "The hub's active model (ONNX bytes, ETag = sha256, 304 when unchanged)",
    auth: 'hub',
  },
  'POST /hub/model/status': {
    summary: 'The hub loaded or rejected a model version',
    auth: 'hub',
    body: ModelStatusReport,
  },
  'POST /releases': {
    summary:
      'Upload a hub release (admin): the .tar.gz as the body (application/gzip), its signed manifest in the hearth-release-version, -arch, -sha256 and -signature headers; refused when the sha256 or the signature does not check out',
    auth: 'staff',
    ok: UploadedRelease,
    status: 201,
  },
  'GET /releases': {
    summary: 'Releases, newest first, with their rollout and how many hubs are in each state (admin)',
    auth: 'staff',
    ok: z.object({ releases: z.array(ReleaseSummary) }),
  },
  'GET /releases/hubs': {
    summary: "Each hub's place in the newest rollout that reaches it (admin)",
    auth: 'staff',
    ok: z.object({ hubs: z.array(HubRollout) }),
  },
  'POST /releases/{version}/rollout': {
    summary:
      'Start or widen the rollout of a release to a share of the hubs (stable by hub id) and/or named hubs; never narrows (admin)',
    auth: 'staff',
    body: RolloutRequest,
  },
  'GET /hub/releases/{version}/bundle': {
    summary:
      'The bundle of a release rolled out to this hub (ETag = sha256; Range: bytes=N- resumes with 206)',
    auth: 'hub',
  },
  'POST /hubs/claim': {
    summary: 'Claim a pairing code for a hub',
    auth: 'none',
    body: ClaimRequest,
    ok: ClaimResponse,
    status: 201,
  },
  'GET /hubs': { summary: 'Hubs of your seniors', auth: 'staff' },
  'DELETE /hubs/{id}': { summary: 'Deregister a hub (admin, technician)', auth: 'staff', status: 204 },
  'POST /hubs/{id}/rotate-key': { summary: "Replace a hub's API key (admin, technician)", auth: 'staff' },
  'GET /hub/config': { summary: "The hub's own configuration", auth: 'hub', ok: HubConfig },
  'POST /hub/events': {
    summary: 'Upload a batch of events (gzip accepted); idempotent on (hubId, seq)',
    auth: 'hub',
    body: UploadBatch,
    ok: UploadAck,
  },
  'GET /alerts': {
    summary: 'Alerts you may see',
    auth: 'staff',
    query: AlertListQuery,
    ok: z.object({ alerts: z.array(Alert) }),
  },
  'GET /alerts/{id}': { summary: 'One alert', auth: 'staff', ok: Alert },
  'POST /alerts/{id}/ack': { summary: 'Acknowledge an alert', auth: 'staff', ok: Alert },
  'GET /alerts/{id}/history': {
    summary: 'Who raised, escalated, acknowledged and resolved an alert, with outcome and note',
    auth: 'staff',
  },
  'GET /alert-outcomes': {
    summary: 'Outcomes of resolved alerts and the actionable rate per kind (admin)',
    auth: 'staff',
    query: OutcomeRatesQuery,
  },
  'GET /audit': { summary: 'The audit log, newest first (admin)', auth: 'staff', query: AuditQuery },
  'POST /alerts/{id}/resolve': {
    summary: 'Resolve an alert with what was found',
    auth: 'staff',
    body: ResolveRequest,
    ok: Alert,
  },
};

/** The OpenAPI 3.0 document served at /openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponse = {
    description: 'Error',
    content: { 'application/json': { schema: json(ErrorEnvelope) } },
  };
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    const parameters: unknown[] = [];
    if (path.includes('{id}'))
      parameters.push({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
    if (path.includes('{version}'))
      parameters.push({ name: 'version', in: 'path', required: true, schema: { type: 'string' } });
    if (op.query) {
      const shape = json(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(shape.properties ?? {})) {
        parameters.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema });
      }
    }
    const status = String(op.status ?? 200);
    paths[`/api/v1${path}`] ??= {};
    paths[`/api/v1${path}`]![method.toLowerCase()] = {
      summary: op.summary,
      ...(op.auth !== 'none' && { security: [{ [op.auth === 'hub' ? 'hubKey' : 'staffToken']: [] }] }),
      ...(parameters.length > 0 && { parameters }),
      ...(op.body && {
        requestBody: { required: true, content: { 'application/json': { schema: json(op.body) } } },
      }),
      responses: {
        [status]: {
          description: 'OK',
          ...(op.ok && { content: { 'application/json': { schema: json(op.ok) } } }),
        },
        '4XX': errorResponse,
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Hearth cloud API', version: '1' },
    paths,
    components: {
      securitySchemes: {
        staffToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        hubKey: { type: 'http', scheme: 'bearer', description: 'hub API key hk_<prefix>_<secret>' },
      },
    },
  };
}
