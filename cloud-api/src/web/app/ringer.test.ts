import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveAlert } from './model.js';
import { Ringer, ringsMe } from './ringer.js';

const plays: string[] = [];
const shown: { title: string; options: NotificationOptions }[] = [];

class FakeAudio {
  currentTime = 0;
  constructor(readonly src: string) {}
  play() {
    plays.push(this.src.slice(0, 14));
    return Promise.resolve();
  }
}
class FakeNotification {
  static permission: NotificationPermission = 'default';
  static requestPermission = vi.fn(async () => {
    FakeNotification.permission = 'granted';
    return 'granted' as const;
  });
  onclick: (() => void) | null = null;
  constructor(title: string, options: NotificationOptions) {
    shown.push({ title, options });
  }
  close() {}
}

const critical = { id: 'a1', severity: 'critical', message: 'The help button was pressed.' } as LiveAlert;

describe('ringing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    plays.length = 0;
    shown.length = 0;
    FakeNotification.permission = 'default';
    vi.stubGlobal('Audio', FakeAudio);
    vi.stubGlobal('Notification', FakeNotification);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('unlocks sound and asks for notifications in the start-shift gesture', async () => {
    const ringer = new Ringer();
    expect(ringer.started).toBe(false);
    await ringer.startShift(() => false);
    expect(ringer.started).toBe(true);
    expect(plays).toEqual(['data:audio/wav']);
    expect(FakeNotification.requestPermission).toHaveBeenCalled();
  });

  it('sounds and shows a notification that stays until the carer deals with it', async () => {
    const ringer = new Ringer();
    await ringer.startShift(() => false);
    ringer.ring(critical, 'Margaret Ellis', () => {});
    expect(plays).toHaveLength(2);
    expect(shown).toEqual([
      {
        title: 'Critical: Margaret Ellis',
        options: { body: critical.message, tag: 'a1', requireInteraction: true },
      },
    ]);
  });

  it('repeats the sound while a critical alert is unanswered, and stops once it is', async () => {
    let unanswered = true;
    const ringer = new Ringer();
    await ringer.startShift(() => unanswered);
    plays.length = 0;
    await vi.advanceTimersByTimeAsync(18_000);
    expect(plays).toHaveLength(3);
    unanswered = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(plays).toHaveLength(3);
  });

  it('is silent before the shift starts', () => {
    new Ringer().ring(critical, 'Margaret Ellis', () => {});
    expect(plays).toEqual([]);
  });

  it('rings when the cloud says so, and when it says nothing (an older cloud)', () => {
    expect(ringsMe({ ...critical, ring: true })).toBe(true);
    expect(ringsMe(critical)).toBe(true);
    expect(ringsMe({ ...critical, ring: false })).toBe(false);
  });
});
