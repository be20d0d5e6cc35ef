import { Alert, ModelAvailable, WsEnvelope } from '@hearth/shared';
import { z } from 'zod';

/** A safety check staff asked for, as the cloud sends it down (`update`/`safety-checks`). */
export const SafetyCheckRequest = z.object({
  id: z.uuid(),
  room: z.string().max(64).nullable().optional(),
  reason: z.string().max(500).nullable().optional(),
});
export type SafetyCheckRequest = z.infer<typeof SafetyCheckRequest>;

/** The hub's word on a safety check, sent up as `update`/`safety-checks`. */
export const SafetyCheckReport = z.object({
  id: z.uuid(),
  status: z.enum(['accepted', 'running', 'done', 'failed']),
  outcome: z.enum(['ok', 'no_response', 'needs_help', 'not_found', 'failed']).optional(),
  detail: z.string().max(500).optional(),
});
export type SafetyCheckReport = z.infer<typeof SafetyCheckReport>;

/** The senior's rule settings; the detector validates each setting and names a bad one. */
const RulesNotice = z.record(z.string(), z.unknown());

const Hello = z.object({ hubId: z.string(), seniorId: z.string() });
const CloudError = z.object({ code: z.string(), message: z.string() });

/** A control message the hub understood, after validation. */
export type ControlMessage =
  | { kind: 'hello'; hubId: string; seniorId: string }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'model'; notice: ModelAvailable }
  | { kind: 'rules'; rules: Record<string, unknown> }
  | { kind: 'safety-check'; request: SafetyCheckRequest }
  /** Video signaling; its data is checked by the video feature, which answers what it cannot use. */
  | { kind: 'signal'; topic: string; data: unknown }
  | { kind: 'ping'; id?: string | number }
  | { kind: 'cloud-error'; topic: string; code: string; message: string }
  | { kind: 'shutdown'; reason: string | null }
  /** Understood and deliberately nothing to do (a pong, the cloud's receipt of a report). */
  | { kind: 'receipt' };

/** Why a message was ignored, in words for the log. */
export type Ignored = { kind: 'ignored'; reason: string };

const issues = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');

/**
 * Reads one frame of the control channel. Never throws: whatever it does not understand comes
 * back as `ignored` with the reason, so one odd message from a newer cloud cannot stop the hub.
 */
export function parseControlMessage(text: string): ControlMessage | Ignored {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'ignored', reason: 'not valid JSON' };
  }
  const envelope = WsEnvelope.safeParse(json);
  if (!envelope.success)
    return { kind: 'ignored', reason: `not a control message (${issues(envelope.error)})` };
  const { type, topic, data, id } = envelope.data;
  const checked = <T>(
    schema: z.ZodType<T>,
    build: (value: T) => ControlMessage,
  ): ControlMessage | Ignored => {
    const parsed = schema.safeParse(data);
    return parsed.success
      ? build(parsed.data)
      : { kind: 'ignored', reason: `${type}/${topic} in an unexpected shape (${issues(parsed.error)})` };
  };

  if (type === 'ack' && topic === 'hello') return checked(Hello, (h) => ({ kind: 'hello', ...h }));
  if (type === 'update' && topic === 'alerts') return checked(Alert, (alert) => ({ kind: 'alert', alert }));
  if (type === 'update' && topic === 'model')
    return checked(ModelAvailable, (notice) => ({ kind: 'model', notice }));
  if (type === 'update' && topic === 'rules')
    return checked(RulesNotice, (rules) => ({ kind: 'rules', rules }));
  if (type === 'update' && topic === 'safety-checks')
    return checked(SafetyCheckRequest, (request) => ({ kind: 'safety-check', request }));
  if (type === 'signal') return { kind: 'signal', topic, data };
  if (type === 'ping') return { kind: 'ping', ...(id !== undefined && { id }) };
  if (type === 'pong' || (type === 'ack' && topic === 'safety-checks')) return { kind: 'receipt' };
  if (type === 'error')
    return checked(CloudError, (e) => ({ kind: 'cloud-error', topic, code: e.code, message: e.message }));
  if (type === 'shutdown') {
    const reason = z.object({ reason: z.string() }).safeParse(data);
    return { kind: 'shutdown', reason: reason.success ? reason.data.reason : null };
  }
  return { kind: 'ignored', reason: `this hub does not handle ${type} on ${topic || '(no topic)'}` };
}
