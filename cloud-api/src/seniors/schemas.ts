import { type Role, storableJsonObject, storableText } from '@hearth/shared';
import { z } from 'zod';

/** A senior as the API shows them. */
export const Senior = z.object({
  id: z.uuid(),
  name: z.string(),
  address: z.string().nullable(),
  timezone: z.string(),
  healthInfo: z.record(z.string(), z.unknown()),
  /** The senior agreed to check-in video (staff may look in without an alert); `PUT /seniors/:id/video-consent`. */
  videoConsent: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Senior = z.infer<typeof Senior>;

/** A senior as `role` may see them: technicians, there to install and diagnose, get no health information. */
export function seniorForRole(senior: Senior, role: Role): Senior | Omit<Senior, 'healthInfo'> {
  if (role !== 'technician') return senior;
  const { healthInfo: _, ...rest } = senior;
  return rest;
}

const timezone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Europe/Berlin');

export const CreateSeniorRequest = z.object({
  name: storableText().trim().min(1).max(200),
  address: storableText().trim().max(500).nullable().optional(),
  timezone: timezone.default('UTC'),
  healthInfo: storableJsonObject().default({}),
});

export const UpdateSeniorRequest = z
  .object({
    name: storableText().trim().min(1).max(200),
    address: storableText().trim().max(500).nullable(),
    timezone,
    healthInfo: storableJsonObject(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'name at least one field to change');

export const AssignStaffRequest = z.object({
  staffId: z.uuid(),
  /** Escalation order: 0 is asked first. */
  position: z.number().int().min(0).max(100).optional(),
});

export const IdParam = z.object({ id: z.uuid('expected a uuid') });
