import { z } from 'zod';
import { AlertSeverity, AlertSource } from './events.js';

export const AlertStatus = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** An alert as staff see it: the emergency log entry and what people did about it. */
export const Alert = z.object({
  id: z.uuid(),
  seniorId: z.uuid(),
  hubId: z.uuid().nullable(),
  kind: z.string(),
  severity: AlertSeverity,
  source: AlertSource,
  status: AlertStatus,
  message: z.string(),
  evidence: z.array(z.record(z.string(), z.unknown())),
  occurredAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.uuid().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.uuid().nullable(),
  resolutionNote: z.string().nullable(),
  /** Names of the people in acknowledgedBy/resolvedBy, sent to hubs so `hearth status` can name them. */
  acknowledgedByName: z.string().nullable().optional(),
  resolvedByName: z.string().nullable().optional(),
  /** Position in the alert change feed; a dashboard resumes from the last one it saw. */
  cursor: z.number().int().nonnegative(),
});
export type Alert = z.infer<typeof Alert>;
