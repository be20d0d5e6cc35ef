import { SafetyCheck } from '@hearth/shared';
import { z } from 'zod';
import { defineChannel } from '../bus/channel.js';

/** A safety check changed: rung when staff ask (with the room asked for) and at each hop. */
export const SafetyCheckRing = z.object({
  check: SafetyCheck,
  /** The room staff asked for, on the `requested` ring. */
  room: z.string().nullable().optional(),
});
export type SafetyCheckRing = z.infer<typeof SafetyCheckRing>;

/** Bus channel of safety-check changes: the hub's instance sends requests down, dashboards see hops. */
export const SAFETY_CHECKS = defineChannel('safety-checks', SafetyCheckRing);
export const SAFETY_CHECKS_CHANNEL = SAFETY_CHECKS.name;
