import { z } from 'zod';

/** Machine-checkable error codes shared by every HTTP and WebSocket answer. */
export const ErrorCode = z.enum([
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'HUB_REVOKED',
  'HUB_MISMATCH',
  'PROTOCOL_MISMATCH',
  'HUB_OFFLINE',
  'NOT_READY',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** `{error:{code,message,details?}}`: the only shape an error ever takes on the wire. */
export const ErrorEnvelope = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** One problem found while validating input, in a form a person can act on. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Turns zod issues into `path: message` pairs, e.g. `events.3.seq: expected a positive integer`. */
export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** One line summarising validation problems, for error messages and logs. */
export function summariseIssues(error: z.ZodError, limit = 5): string {
  const issues = describeIssues(error);
  const shown = issues.slice(0, limit).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > limit ? ` (and ${issues.length - limit} more)` : '';
  return shown.join('; ') + more;
}
