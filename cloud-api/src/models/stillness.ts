import { learnStillness, type PlaceEvent, type RulesConfig, type StillnessAllowances } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import { TrainingError } from './baseline.js';
import { SeniorRulesStore } from './rules-store.js';

/** How far back the learning looks: long enough for every hour of the week to be seen several times. */
export const STILLNESS_HISTORY_DAYS = 56;
/** Fewer days than this teach nothing about a week; the hub keeps its fixed allowances. */
const MIN_DAYS = 7;
const DAY = 86_400_000;
/** Kinds that show a person (the rest — temperatures, heartbeats — are not loaded). */
const PERSON_KINDS = ['motion', 'contact', 'button', 'pressure'];

export interface LearnStillnessDeps {
  sql: Sql;
  now: () => Date;
}

/**
 * Learns what is usual for the senior (longest stillness per room and hour of the week, longest
 * outing, usual getting-up and bed times) from their own history, with the home as their rule
 * settings describe it, and stores it with their rules so it reaches the hub with them.
 * @returns the rules now in force, including what was learned.
 * @throws TrainingError UNKNOWN_SENIOR / NOT_ENOUGH_HISTORY; storage errors as they are.
 */
export async function learnSeniorStillness(
  deps: LearnStillnessDeps,
  seniorId: string,
): Promise<{ rules: RulesConfig; stillness: StillnessAllowances }> {
  const store = new SeniorRulesStore(deps.sql);
  const current = await store.forSenior(seniorId);
  if (!current) throw new TrainingError('UNKNOWN_SENIOR', `no senior ${seniorId}`);
  const to = deps.now();
  const from = new Date(to.getTime() - STILLNESS_HISTORY_DAYS * DAY);
  const events = await loadPersonHistory(deps.sql, seniorId, { from, to });
  const days = events.length > 0 ? (to.getTime() - (events[0] as PlaceEvent).ts) / DAY : 0;
  if (days < MIN_DAYS) {
    throw new TrainingError(
      'NOT_ENOUGH_HISTORY',
      `need at least ${MIN_DAYS} days of history to learn what is usual, have ${days.toFixed(1)}`,
    );
  }
  const stillness = learnStillness(events, {
    timezone: current.timezone,
    night: current.night,
    bedrooms: current.wake.bedrooms,
    bathrooms: current.bathroom.rooms,
    outsideDoors: current.nightDoor.sensorIds,
    now: to.getTime(),
  });
  const rules = await store.setLearned(seniorId, stillness);
  if (!rules) throw new TrainingError('UNKNOWN_SENIOR', `no senior ${seniorId}`);
  return { rules, stillness };
}

/** The senior's person events (every hub they have had), in time order, clock-synchronised only. */
async function loadPersonHistory(
  sql: Sql,
  seniorId: string,
  range: { from: Date; to: Date },
): Promise<PlaceEvent[]> {
  const rows = await sql<
    { ts: Date; sensor_id: string; kind: string; value: unknown; room: string | null }[]
  >`
    select ts, sensor_id, kind, value, room from sensor_events
    where senior_id = ${seniorId} and ts >= ${range.from} and ts < ${range.to} and kind in ${sql(PERSON_KINDS)}
      and not clock_unsynced
    order by ts, hub_id, seq`;
  return rows.map((r) => ({
    ts: r.ts.getTime(),
    sensorId: r.sensor_id,
    kind: r.kind,
    value: r.value,
    room: r.room,
  }));
}
