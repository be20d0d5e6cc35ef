import type { FakeClock } from '../clock.js';
import type { Detection, Detector, ObservedEvent } from './types.js';

const MIN = 60_000;

/** One raised detection and when it was raised. */
export interface ReplayedDetection {
  at: number;
  detection: Detection;
}

/**
 * Feeds recorded events through a detector exactly as the hub's loop does: each event observed
 * when it happens, a tick at every minute boundary, from `from` to `to`. Moves `clock` along.
 * Used to check rules and models against scripted days, and by the inference benchmark.
 */
export async function replay(
  detector: Detector,
  clock: FakeClock,
  events: readonly Omit<ObservedEvent, 'seq'>[],
  range: { from: number; to: number; firstSeq?: number },
): Promise<ReplayedDetection[]> {
  const raised: ReplayedDetection[] = [];
  let next = events.findIndex((e) => e.ts >= range.from);
  if (next < 0) next = events.length;
  let seq = range.firstSeq ?? 1;
  if (clock.now() < range.from) clock.advance(range.from - clock.now());
  for (let minute = range.from; minute < range.to; minute += MIN) {
    while (next < events.length && (events[next] as ObservedEvent).ts < minute + MIN) {
      const e = events[next++] as ObservedEvent;
      clock.advance(Math.max(0, e.ts - clock.now()));
      for (const detection of await detector.observe({ ...e, seq: seq++ }))
        raised.push({ at: e.ts, detection });
    }
    clock.advance(minute + MIN - clock.now());
    for (const detection of await detector.tick(clock.now())) raised.push({ at: clock.now(), detection });
  }
  return raised;
}
