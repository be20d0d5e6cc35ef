// The two realtime contracts of Hearth in one file: the hub control channel `/api/v1/hub/ws` and the
// staff dashboard socket `/ws`. Over ~300 lines on purpose: both speak the same envelope
// `{type, topic, data, id?}` and share the safety-check and video-signal shapes, and a reader
// checking what may cross a socket should find every message in one place (see shared/README.md).
import { z } from 'zod';
import { Alert } from './alerts.js';
import { ErrorCode } from './errors.js';
import { ModelAvailable, Sha256Hex } from './models.js';
import { storableText } from './storable.js';

/**
 * Version of the control-channel dialect. The hello of each side carries it; a hello without one
 * is version 1 (before this contract existed). Version 2 adds the safety-check hops, agent
 * releases and the typed video signals; every version-1 message is still understood.
 */
export const CONTROL_PROTOCOL_VERSION = 2;

/** Largest SDP/ICE payload relayed in one signal (an SDP offer is a few kB). */
export const MAX_SIGNAL_BYTES = 32 * 1024;

const RequestId = z.union([z.string().max(64), z.number()]);
const Uuid = z.uuid();
const VIDEO_TOPIC = /^video:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const SENIOR_TOPIC = /^senior:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** `video:<sessionId>`: the topic every signal of one live video session travels on. */
export const VideoTopic = z.string().regex(VIDEO_TOPIC, 'expected video:<uuid>').describe('video:<uuid>');
/** `senior:<seniorId>`: the live events of one senior. */
export const SeniorTopic = z.string().regex(SENIOR_TOPIC, 'expected senior:<uuid>').describe('senior:<uuid>');

/** The session id of a `video:<id>` topic; undefined for anything else. */
export function videoSessionOf(topic: string): string | undefined {
  return VIDEO_TOPIC.exec(topic)?.[1]?.toLowerCase();
}

/** The senior id of a `senior:<id>` topic; undefined for anything else. */
export function seniorOfTopic(topic: string): string | undefined {
  return SENIOR_TOPIC.exec(topic)?.[1]?.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Shapes shared by both channels
// ---------------------------------------------------------------------------------------------

/** `{code, message}` of an `error` message, both ways and on both sockets. */
export const ControlError = z.object({ code: z.union([ErrorCode, z.string().max(64)]), message: z.string() });
export type ControlError = z.infer<typeof ControlError>;

/** Why a `shutdown` was said. */
export const ShutdownNotice = z.object({ reason: z.string().max(500) });

/** An ICE server as WebRTC takes it; TURN credentials are coturn's time-limited ones. */
export const IceServer = z.looseObject({
  urls: z.union([z.string().max(256), z.array(z.string().max(256)).min(1).max(8)]),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** How the two ends reached each other (the local candidate of the selected pair, RFC 8445 §5.1.1). */
export const CandidateType = z.enum(['host', 'srflx', 'prflx', 'relay']);
export type CandidateType = z.infer<typeof CandidateType>;

/** Why a hub refused or ended a session, for the player to put in words. */
export const VideoRefusal = z.enum(['VIEWER_LIMIT', 'NO_CAMERA', 'CAMERA_UNAVAILABLE', 'BAD_SIGNAL']);
export type VideoRefusal = z.infer<typeof VideoRefusal>;

const Sdp = z.string().min(1).max(MAX_SIGNAL_BYTES);
/** Cloud → hub: a carer opened the session; publish with these ICE servers. */
const StartSignal = z.looseObject({
  kind: z.literal('start'),
  sessionId: Uuid,
  iceServers: z.array(IceServer).max(8),
  /** The session ends here whatever happens (ISO time). */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** Who is watching, for the robot to say so in the home. */
  viewerName: z.string().max(200).optional(),
});
const OfferSignal = z.looseObject({ kind: z.literal('offer'), sdp: Sdp });
const AnswerSignal = z.looseObject({ kind: z.literal('answer'), sdp: Sdp });
/** A trickled candidate; the hub and the player name its media section `mid` (`sdpMid` is the browser's word). */
const CandidateSignal = z.looseObject({
  kind: z.literal('candidate'),
  candidate: z.string().max(4096),
  mid: z.string().max(64).optional(),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().nonnegative().nullable().optional(),
});
/** Either side ends the session. */
const ByeSignal = z.looseObject({ kind: z.literal('bye'), reason: z.string().max(500).optional() });
/** Hub → viewer: media flows; how the peers reached each other. */
const ConnectedSignal = z.looseObject({ kind: z.literal('connected'), candidateType: CandidateType });
/** Hub → viewer: the hub will not publish (viewer limit, no camera, …). */
const RefusedSignal = z.looseObject({
  kind: z.literal('refused'),
  code: VideoRefusal,
  message: z.string().max(500),
});
/** Hub → viewer: the hub closed the session (viewer left, went silent, expiry, camera lost). */
const EndedSignal = z.looseObject({
  kind: z.literal('ended'),
  reason: z.string().max(500),
  seconds: z.number().nonnegative(),
});

/**
 * One WebRTC signaling step of a video session, keyed by the session id in the topic. The cloud
 * relays it unchanged between the hub and the dashboard that opened the session; the hub makes
 * the offer, the browser answers. Version 1 peers sent free-form objects (e.g. `{type:'offer',
 * sdp}`); those are still relayed.
 */
export const VideoSignal = z.discriminatedUnion('kind', [
  StartSignal,
  OfferSignal,
  AnswerSignal,
  CandidateSignal,
  ByeSignal,
  ConnectedSignal,
  RefusedSignal,
  EndedSignal,
]);
export type VideoSignal = z.infer<typeof VideoSignal>;

/** The steps the cloud sends a hub. */
export const VideoSignalDown = z.discriminatedUnion('kind', [
  StartSignal,
  AnswerSignal,
  CandidateSignal,
  ByeSignal,
]);
export type VideoSignalDown = z.infer<typeof VideoSignalDown>;
/** The steps a hub sends, for the viewer. */
export const VideoSignalUp = z.discriminatedUnion('kind', [
  OfferSignal,
  CandidateSignal,
  ConnectedSignal,
  RefusedSignal,
  EndedSignal,
]);
export type VideoSignalUp = z.infer<typeof VideoSignalUp>;
/** The steps a viewer sends, for the hub (the cloud adds nothing but routing). */
export const VideoSignalFromViewer = z.discriminatedUnion('kind', [AnswerSignal, CandidateSignal, ByeSignal]);
export type VideoSignalFromViewer = z.infer<typeof VideoSignalFromViewer>;

/** The data of a `signal` message: a typed step, or a version-1 free-form object. */
export const VideoSignalData = z.union([
  VideoSignal,
  z.record(z.string(), z.unknown()).refine((v) => !('kind' in v), 'unknown video signal kind'),
]);
export type VideoSignalData = z.infer<typeof VideoSignalData>;

/** A safety check staff asked for, as the cloud sends it down to the hub. */
export const SafetyCheckRequest = z.object({
  id: Uuid,
  room: z.string().max(64).nullable().optional(),
  reason: z.string().max(500).nullable().optional(),
});
export type SafetyCheckRequest = z.infer<typeof SafetyCheckRequest>;

/** What staff send to ask for a safety check (`POST /seniors/:id/safety-checks`). */
export const RequestSafetyCheckBody = z.object({
  room: storableText().trim().min(1).max(64).optional(),
  reason: storableText().trim().max(500).optional(),
});
export type RequestSafetyCheckBody = z.infer<typeof RequestSafetyCheckBody>;

/** What the robot found. */
export const SafetyCheckOutcome = z.enum(['ok', 'no_response', 'needs_help', 'not_found', 'failed']);
export type SafetyCheckOutcome = z.infer<typeof SafetyCheckOutcome>;
/** Where the robot is in its check. */
export const SafetyCheckStage = z.enum(['moving', 'arrived', 'checking']);
export type SafetyCheckStage = z.infer<typeof SafetyCheckStage>;
/** Why a check never reached a robot that could act on it. */
/** What a hub without a robot answers to a safety check: a fact of the home, not an event to ring about. */
export const NO_ROBOT_PAIRED = 'no robot is paired with this hub';

export const UndeliveredReason = z.enum(['hub_offline', 'robot_offline', 'robot_no_answer']);
export type UndeliveredReason = z.infer<typeof UndeliveredReason>;

/**
 * Every state a safety check passes through, in order: `requested` (stored by the cloud) →
 * `delivered` (the hub has it) → `sent` (to the robot) → `acknowledged` (by the robot) →
 * `progress` (moving/arrived/checking) → `done` (with an outcome). `undelivered` and `failed` end
 * it early. `accepted` and `running` are what version-1 hubs say for acknowledged and progress.
 */
export const SafetyCheckStatus = z.enum([
  'requested',
  'delivered',
  'sent',
  'acknowledged',
  'progress',
  'done',
  'undelivered',
  'failed',
  'accepted',
  'running',
]);
export type SafetyCheckStatus = z.infer<typeof SafetyCheckStatus>;

const Detail = z.string().max(500).optional();
const At = z.iso.datetime({ offset: true }).optional();

/** The hub's word on a safety check, sent up as `update`/`safety-checks`: one hop per report. */
export const SafetyCheckReport = z.discriminatedUnion('status', [
  z.object({ id: Uuid, status: z.literal('delivered'), at: At }),
  z.object({ id: Uuid, status: z.literal('sent'), robotId: z.string().max(64).optional(), at: At }),
  z.object({ id: Uuid, status: z.literal('acknowledged'), at: At }),
  z.object({
    id: Uuid,
    status: z.literal('progress'),
    stage: SafetyCheckStage,
    room: z.string().max(64).optional(),
    at: At,
  }),
  z.object({ id: Uuid, status: z.literal('done'), outcome: SafetyCheckOutcome, detail: Detail, at: At }),
  z.object({ id: Uuid, status: z.literal('undelivered'), reason: UndeliveredReason, detail: Detail, at: At }),
  z.object({
    id: Uuid,
    status: z.literal('failed'),
    outcome: SafetyCheckOutcome.optional(),
    detail: Detail,
    at: At,
  }),
  // Version 1: a hub without the hops says accepted/running and may put the outcome on either.
  z.object({
    id: Uuid,
    status: z.literal('accepted'),
    outcome: SafetyCheckOutcome.optional(),
    detail: Detail,
  }),
  z.object({
    id: Uuid,
    status: z.literal('running'),
    outcome: SafetyCheckOutcome.optional(),
    detail: Detail,
  }),
]);
export type SafetyCheckReport = z.infer<typeof SafetyCheckReport>;

/** One hop of a safety check as the cloud recorded it, with the time it heard of it. */
export const SafetyCheckHop = z.object({
  status: SafetyCheckStatus,
  at: z.string(),
  robotId: z.string().max(64).optional(),
  stage: SafetyCheckStage.optional(),
  room: z.string().max(64).optional(),
  outcome: SafetyCheckOutcome.optional(),
  reason: UndeliveredReason.optional(),
  detail: z.string().max(500).optional(),
});
export type SafetyCheckHop = z.infer<typeof SafetyCheckHop>;

/** A safety check as staff see it (`GET /safety-checks/:id`, the `safety-checks` topic, the bus). */
export const SafetyCheck = z.object({
  id: Uuid,
  seniorId: Uuid,
  requestedBy: Uuid.nullable(),
  status: SafetyCheckStatus,
  outcome: SafetyCheckOutcome.nullable(),
  detail: z.string().nullable(),
  /** Room asked for, or reached when the robot last said (absent on stored rows without one). */
  room: z.string().nullable().optional(),
  /** The robot's stage while `progress`. */
  stage: SafetyCheckStage.nullable().optional(),
  /** Why it was `undelivered`. */
  reason: UndeliveredReason.nullable().optional(),
  /** Every hop so far, oldest first (absent from an instance of an older release). */
  hops: z.array(SafetyCheckHop).max(100).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SafetyCheck = z.infer<typeof SafetyCheck>;

/** Cloud → hub: a signed hub-agent release to install over the air. */
export const AgentRelease = z.object({
  version: z.string().min(1).max(64),
  url: z.url().max(2048),
  sha256: Sha256Hex,
  /** Detached signature of the bundle, base64. */
  signature: z.string().max(4096),
  size: z.number().int().positive().optional(),
  /** The CPU the bundle is built for (part of what the signature covers); absent from older clouds. */
  arch: z.enum(['arm64', 'x64']).optional(),
});
export type AgentRelease = z.infer<typeof AgentRelease>;

/** Hub → cloud: what became of a release. */
export const AgentUpdateResult = z.object({
  version: z.string().min(1).max(64),
  status: z.enum(['installed', 'rolled_back', 'rejected', 'failed']),
  /** Version running now. */
  running: z.string().max(64).optional(),
  detail: Detail,
});
export type AgentUpdateResult = z.infer<typeof AgentUpdateResult>;

// ---------------------------------------------------------------------------------------------
// Hub control channel `/api/v1/hub/ws`
// ---------------------------------------------------------------------------------------------

/** The cloud's hello (`ack`/`hello`): who the hub is, and the cloud's protocol (missing = 1). */
export const CloudHello = z.object({
  hubId: z.string(),
  seniorId: z.string(),
  protocol: z.number().int().positive().default(1),
});
/** The hub's hello (`update`/`hello`), optional: its protocol and agent version. */
export const HubHello = z.object({
  protocol: z.number().int().positive().default(1),
  agentVersion: z.string().max(64).optional(),
});

const ANY_TOPIC = z.string().max(64).default('');
const msg = <T extends string, P extends z.ZodType, D extends z.ZodType>(type: T, topic: P, data: D) =>
  z.object({ type: z.literal(type), topic, data, id: RequestId.optional() });
const on = <T extends string, P extends string, D extends z.ZodType>(type: T, topic: P, data: D) =>
  msg(type, z.literal(topic), data);
const Anything = z.unknown().optional();

/** Every message the cloud may send a hub. Discriminated on `type`, then on `topic`. */
export const HubDownMessage = z.discriminatedUnion('type', [
  z.discriminatedUnion('topic', [
    on('ack', 'hello', CloudHello),
    /** Receipt of a safety-check report; nothing to do. */
    on('ack', 'safety-checks', Anything),
    /** Receipt of an update result; nothing to do. */
    on('ack', 'release', Anything),
  ]),
  z.discriminatedUnion('topic', [
    /** A person acknowledged or resolved one of the senior's alerts (`id` = its cursor). */
    on('update', 'alerts', Alert),
    on('update', 'model', ModelAvailable),
    /** The senior's rule settings; the hub's detector validates each one and names a bad one. */
    on('update', 'rules', z.record(z.string(), z.unknown())),
    on('update', 'safety-checks', SafetyCheckRequest),
    on('update', 'release', AgentRelease),
  ]),
  msg('signal', VideoTopic, VideoSignalData),
  msg('ping', ANY_TOPIC, Anything),
  msg('pong', ANY_TOPIC, Anything),
  msg('error', ANY_TOPIC, ControlError),
  msg('shutdown', ANY_TOPIC, ShutdownNotice.optional()),
]);
export type HubDownMessage = z.infer<typeof HubDownMessage>;

/** Every message a hub may send the cloud. */
export const HubUpMessage = z.discriminatedUnion('type', [
  z.discriminatedUnion('topic', [
    on('update', 'hello', HubHello),
    on('update', 'safety-checks', SafetyCheckReport),
    on('update', 'release', AgentUpdateResult),
  ]),
  msg('signal', VideoTopic, VideoSignalData),
  msg('ping', ANY_TOPIC, Anything),
  msg('pong', ANY_TOPIC, Anything),
  /** A receipt; the cloud has nothing to do with it. */
  msg('ack', ANY_TOPIC, Anything),
  /** The hub refused something the cloud sent; logged by the cloud. */
  msg('error', ANY_TOPIC, ControlError),
]);
export type HubUpMessage = z.infer<typeof HubUpMessage>;

// ---------------------------------------------------------------------------------------------
// Staff dashboard socket `/ws`
// ---------------------------------------------------------------------------------------------

/** Topics a dashboard may subscribe to. */
export const StaffTopic = z
  .union([z.enum(['alerts', 'seniors', 'hubs', 'safety-checks']), SeniorTopic, VideoTopic])
  .describe('alerts, seniors, hubs, safety-checks, senior:<uuid> or video:<uuid>');
export type StaffTopic = z.infer<typeof StaffTopic>;

/** Data of a subscribe to `alerts`: resume after this cursor (absent = open and acknowledged alerts). */
export const AlertsSubscription = z.object({ cursor: z.number().int().nonnegative().optional() }).optional();

/** Every message a dashboard may send. */
export const StaffClientMessage = z.discriminatedUnion('type', [
  msg('subscribe', StaffTopic, z.unknown().optional()),
  msg('unsubscribe', z.string().max(64), Anything),
  msg('signal', VideoTopic, VideoSignalData),
  msg('ping', ANY_TOPIC, Anything),
  msg('pong', ANY_TOPIC, Anything),
]);
export type StaffClientMessage = z.infer<typeof StaffClientMessage>;

/** An escalation step, beside the alert it moved. */
export const EscalationStep = z.object({
  level: z.number().int().nonnegative(),
  notifiedStaff: z.array(Uuid),
  at: z.string(),
});
export type EscalationStep = z.infer<typeof EscalationStep>;

/**
 * An alert as pushed to one staff member: `ring` is true when the escalation policy rings this
 * person at the alert's current level (the dashboard sounds for it); false when they only see it.
 */
export const StaffAlert = Alert.extend({ ring: z.boolean(), escalation: EscalationStep.optional() });
export type StaffAlert = z.infer<typeof StaffAlert>;

/**
 * Every message the cloud may send a dashboard. Feed payloads not typed here stay objects. A plain
 * union: `senior:<id>` and `video:<id>` topics are patterns, which a discriminator cannot key on.
 */
export const StaffServerMessage = z.union([
  // Topics with an id in them are matched by pattern, so they sit beside the literal ones.
  z.union([
    z.discriminatedUnion('topic', [
      on(
        'snapshot',
        'alerts',
        z.object({ alerts: z.array(StaffAlert), cursor: z.number(), resumed: z.boolean() }),
      ),
      on('snapshot', 'safety-checks', z.object({ checks: z.array(z.looseObject({ id: Uuid })) })),
      on('snapshot', 'seniors', z.object({ seniors: z.array(z.looseObject({ id: Uuid })) })),
      on('snapshot', 'hubs', z.object({ hubs: z.array(z.looseObject({ id: Uuid })) })),
    ]),
    msg('snapshot', SeniorTopic, z.object({ events: z.array(z.looseObject({})) })),
    msg('snapshot', VideoTopic, z.object({ sessionId: Uuid })),
  ]),
  z.union([
    z.discriminatedUnion('topic', [
      on('update', 'alerts', StaffAlert),
      on('update', 'safety-checks', SafetyCheck),
      on('update', 'seniors', z.looseObject({ change: z.string(), senior: z.looseObject({ id: Uuid }) })),
      on('update', 'hubs', z.looseObject({ change: z.string(), hub: z.looseObject({ id: Uuid }) })),
      // Beside `alerts` (no subscription of its own): an alert's deliveries changed; read them again.
      on('update', 'deliveries', z.object({ alertId: Uuid, seniorId: Uuid })),
    ]),
    msg('update', SeniorTopic, z.object({ events: z.array(z.looseObject({})), omitted: z.number() })),
  ]),
  msg('signal', VideoTopic, VideoSignalData),
  msg('ack', ANY_TOPIC, Anything),
  msg('pong', ANY_TOPIC, Anything),
  msg('ping', ANY_TOPIC, Anything),
  msg('error', ANY_TOPIC, ControlError),
  msg('shutdown', ANY_TOPIC, ShutdownNotice),
]);
export type StaffServerMessage = z.infer<typeof StaffServerMessage>;

// ---------------------------------------------------------------------------------------------
// Parsers: never throw
// ---------------------------------------------------------------------------------------------

/**
 * A parse that failed. `id` and `topic` are the request's, when its envelope was readable, so the
 * answer can echo them; `code` is the error code to answer with; `unknown` marks a well-formed
 * message of a kind this side does not handle (ignore it, as a newer peer may send it).
 */
export type ParseFailure = {
  ok: false;
  reason: string;
  code: 'MALFORMED_JSON' | 'VALIDATION_FAILED' | 'BAD_REQUEST';
  unknown: boolean;
  id?: string | number;
  topic?: string;
};
export type Parsed<T> = { ok: true; message: T } | ParseFailure;

const Envelope = z.object({
  type: z.string().max(32),
  topic: ANY_TOPIC,
  data: z.unknown().optional(),
  id: RequestId.optional(),
});

const issues = (error: z.ZodError) =>
  error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(message)'}: ${i.message}`)
    .join('; ');

/** The message shapes a union is made of, read from its own options. */
function optionsOf(union: z.ZodType): z.ZodObject[] {
  if (union instanceof z.ZodUnion) return union.options.flatMap((o) => optionsOf(o as z.ZodType));
  return union instanceof z.ZodObject ? [union] : [];
}

const typeOf = (o: z.ZodObject) => [...(o.shape.type as z.ZodLiteral<string>).values][0] as string;
const topicOf = (o: z.ZodObject) => o.shape.topic as z.ZodType;
const describeTopic = (o: z.ZodObject) => {
  const t = topicOf(o);
  return t instanceof z.ZodLiteral ? String([...t.values][0]) : (t.description ?? 'a known topic');
};

/**
 * Builds a parser that never throws. It picks the message shape by type and topic first, then
 * validates only that shape, so a refusal names the field at fault rather than every option.
 */
function parser<T>(union: z.ZodType, side: string) {
  const options = optionsOf(union);
  return (input: unknown): Parsed<T> => {
    let json = input;
    if (typeof input === 'string') {
      try {
        json = JSON.parse(input);
      } catch {
        return { ok: false, code: 'MALFORMED_JSON', reason: 'message is not valid JSON', unknown: false };
      }
    }
    const envelope = Envelope.safeParse(json);
    if (!envelope.success)
      return {
        ok: false,
        code: 'VALIDATION_FAILED',
        reason: `not a {type, topic, data, id?} message (${issues(envelope.error)})`,
        unknown: false,
      };
    const { type, topic, id } = envelope.data;
    const echo = { topic, ...(id !== undefined && { id }) };
    const sameType = options.filter((o) => typeOf(o) === type);
    const where = `${type} on ${topic || '(no topic)'}`;
    if (sameType.length === 0)
      return {
        ok: false,
        code: 'BAD_REQUEST',
        reason: `${side} does not handle ${type}`,
        unknown: true,
        ...echo,
      };
    const shape = sameType.find((o) => topicOf(o).safeParse(topic).success);
    if (!shape) {
      // A topic outside a fixed list is a kind this side does not know; a pattern missed is a bad request.
      const fixed = sameType.every((o) => topicOf(o) instanceof z.ZodLiteral);
      const expected = sameType.map(describeTopic).join(', ');
      return fixed
        ? {
            ok: false,
            code: 'BAD_REQUEST',
            reason: `${side} does not handle ${where}`,
            unknown: true,
            ...echo,
          }
        : {
            ok: false,
            code: 'VALIDATION_FAILED',
            reason: `${where}: topic must be ${expected}`,
            unknown: false,
            ...echo,
          };
    }
    const parsed = shape.safeParse(json);
    if (parsed.success) return { ok: true, message: parsed.data as T };
    return {
      ok: false,
      code: 'VALIDATION_FAILED',
      reason: `${where}: ${issues(parsed.error)}`,
      unknown: false,
      ...echo,
    };
  };
}

/** Reads a message the cloud sent a hub (text or parsed JSON). Never throws. */
export const parseHubDown: (input: unknown) => Parsed<HubDownMessage> = parser(HubDownMessage, 'a hub');
/** Reads a message a hub sent the cloud (text or parsed JSON). Never throws. */
export const parseHubUp: (input: unknown) => Parsed<HubUpMessage> = parser(HubUpMessage, 'the cloud');
/** Reads a message a dashboard sent (text or parsed JSON). Never throws. */
export const parseStaffClientMessage: (input: unknown) => Parsed<StaffClientMessage> = parser(
  StaffClientMessage,
  'the server',
);
/** Reads a message the cloud sent a dashboard (text or parsed JSON). Never throws. */
export const parseStaffServerMessage: (input: unknown) => Parsed<StaffServerMessage> = parser(
  StaffServerMessage,
  'a dashboard',
);
