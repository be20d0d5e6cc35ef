import type { ObservedEvent } from '../types.js';

/** Someone moved in a known room. */
export const isMotion = (e: ObservedEvent): boolean => e.kind === 'motion' && e.value === true && !!e.room;

/** Anything only a person does: moving, opening a door, pressing a button, getting in or out of bed. */
export const isActivity = (e: ObservedEvent): boolean =>
  isMotion(e) || e.kind === 'contact' || e.kind === 'pressure' || (e.kind === 'button' && e.value === true);

/** The most recent activity in the window at or before `now`, if any. */
export function lastActivity(events: readonly ObservedEvent[], now: number): ObservedEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as ObservedEvent;
    if (e.ts <= now && isActivity(e)) return e;
  }
  return undefined;
}

/** Where the senior is: the room of the last motion, and the motions since they entered it. */
export interface Whereabouts {
  room: string;
  /** When they entered the room (the first motion there after motion elsewhere, or the window's start). */
  enteredAt: number;
  /** The motions in this room since they entered, oldest first. */
  motions: ObservedEvent[];
}

export function whereabouts(events: readonly ObservedEvent[], now: number): Whereabouts | undefined {
  let room: string | undefined;
  const motions: ObservedEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as ObservedEvent;
    if (e.ts > now || !isMotion(e)) continue;
    if (room === undefined) room = e.room;
    else if (e.room !== room) break;
    motions.push(e);
  }
  if (room === undefined) return undefined;
  motions.reverse();
  return { room, enteredAt: (motions[0] as ObservedEvent).ts, motions };
}
