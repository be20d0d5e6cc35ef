import { type DayScript, type RoutineEvent, simulateDay } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createDetector, type Detection } from './index.js';
import { replay } from './replay.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const day1 = Date.UTC(2026, 0, 5); // a Monday
const day2 = day1 + DAY;

const config = {
  timezone: 'UTC',
  wake: { usualTime: '07:00', graceMinutes: 60 },
};

/** Plays a normal day, then the scripted day, through the detector as the hub would. */
async function play(script: DayScript): Promise<{ normal: Detection[]; scripted: Detection[] }> {
  const clock = new FakeClock(day1);
  const detector = createDetector({ clock, config });
  const events: RoutineEvent[] = [...simulateDay(day1, 11), ...simulateDay(day2, 12, script)];
  const raised = await replay(detector, clock, events, { from: day1, to: day2 + DAY });
  return {
    normal: raised.filter((r) => r.at <= day2).map((r) => r.detection),
    scripted: raised.filter((r) => r.at > day2).map((r) => r.detection),
  };
}

const kinds = (ds: Detection[]) => ds.map((d) => d.kind);

describe('hard rules over scripted days', () => {
  it('a normal day raises nothing', async () => {
    const { normal, scripted } = await play({});
    expect(kinds(normal)).toEqual([]);
    expect(kinds(scripted)).toEqual([]);
  });

  const cases: [string, DayScript, string, string][] = [
    ['the pendant is pressed', { pendantAt: '10:00' }, 'pendant_pressed', 'critical'],
    ['the senior falls and lies still', { fallAt: '10:00' }, 'inactivity', 'critical'],
    ['a bathroom visit lasts 90 minutes', { bathroomStayMinutes: 90 }, 'bathroom_too_long', 'critical'],
    ['the front door is left open at night', { doorLeftOpenAt: '23:00' }, 'door_open_at_night', 'critical'],
    [
      'the senior goes out at night and does not return',
      { leavesAt: '23:00' },
      'no_return_at_night',
      'critical',
    ],
    ['the senior is not up by the usual time', { wakeAt: '09:30' }, 'not_up', 'warning'],
    ['the living room goes cold', { coldFrom: '14:00' }, 'room_too_cold', 'warning'],
    ['the kitchen sensor goes down', { sensorDownAt: '11:00' }, 'sensor_unavailable', 'warning'],
    ['a sensor node falls silent', { heartbeatStopsAt: '12:00' }, 'sensor_silent', 'warning'],
    ['the robot goes offline', { robotOfflineAt: '15:00' }, 'robot_unavailable', 'warning'],
  ];
  it.each(cases)('when %s it raises exactly %s', async (_what, script, kind, severity) => {
    const { normal, scripted } = await play(script);
    expect(kinds(normal)).toEqual([]);
    expect(kinds(scripted)).toEqual([kind]);
    expect(scripted[0]?.severity).toBe(severity);
    expect(scripted[0]?.evidence.length).toBeGreaterThan(0);
  });
});
