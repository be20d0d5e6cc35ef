// Mount points on the senior page for parts built separately: the safety-check button (with each
// hop of the robot's check live) and the live video player. Each registers its renderer here from
// its own module; until then the page shows the slot empty.
import type { ComponentChildren } from 'preact';
import type { Session } from './session.js';

export interface SeniorSlotProps {
  seniorId: string;
  session: Session;
}

export type SeniorSlot = (props: SeniorSlotProps) => ComponentChildren;

/** `safetyCheck` renders into #senior-safety-check, `videoPlayer` into #senior-video-player. */
export const seniorSlots: { safetyCheck?: SeniorSlot; videoPlayer?: SeniorSlot } = {};
