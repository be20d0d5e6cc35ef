import { z } from 'zod';
import { HubId } from './events.js';
import { RulesConfig } from './rules.js';
import { storableText } from './storable.js';

/** What a technician types on the hub: a short code an admin or technician created for one senior. */
export const ClaimRequest = z.object({
  code: storableText().trim().min(4).max(32),
  /** Stable identifier of the hub hardware (e.g. the Pi's serial number). */
  deviceId: storableText().trim().min(1).max(128),
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;

/** The cloud's answer to a claim. The API key is shown exactly once; the hub must keep it. */
export const ClaimResponse = z.object({
  hubId: HubId,
  apiKey: z.string().min(20),
  seniorId: z.uuid(),
});
export type ClaimResponse = z.infer<typeof ClaimResponse>;

/** `GET /api/v1/hub/config`: what a hub needs to know about the home it watches. */
export const HubConfig = z.object({
  hubId: HubId,
  seniorId: z.uuid(),
  seniorName: z.string(),
  /** IANA time zone of the home, for time-of-day rules. */
  timezone: z.string(),
  /** The senior's full rule settings, so a hub that was offline when they changed catches up. */
  rules: RulesConfig.optional(),
});
export type HubConfig = z.infer<typeof HubConfig>;

/** `POST /api/v1/seniors/:id/pairing-codes` answer. */
export const PairingCode = z.object({
  code: z.string(),
  expiresAt: z.string(),
});
export type PairingCode = z.infer<typeof PairingCode>;
