import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import { ClockSync, readBootId } from './clock-sync.js';

describe('ClockSync', () => {
  it('flags readings taken before the clock was set, then corrects them from the monotonic clock', async () => {
    // A Pi without a battery clock boots believing it is 1970.
    const clock = new FakeClock(0);
    let mono = 5_000;
    let synced = false;
    const store = new MemoryOutboxStore();
    const sync = new ClockSync({
      clock,
      isSynced: async () => synced,
      monoMs: () => mono,
      pollMs: 30_000,
      onSynced: (trueTimeOf) => store.correctUnsyncedTimestamps(trueTimeOf),
    });
    await sync.start();
    const record = (sensorId: string) =>
      store.append([{ ts: clock.now(), sensorId, kind: 'motion', value: true, ...sync.stamp() }]);

    record('pir-a');
    expect(store.pending(1)[0]).toMatchObject({ ts: 0, clockUnsynced: true, monoMs: 5_000 });
    clock.advance(10_000);
    mono += 10_000;
    record('pir-b');

    // NTP answers: the wall clock jumps to the real time. Ten seconds later the poll notices.
    const realNow = Date.UTC(2026, 0, 5, 8, 0, 0);
    synced = true;
    clock.advance(realNow - clock.now() - 10_000);
    mono += 20_000;
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(sync.isSynced()).toBe(true);

    const [a, b] = store.pending(10);
    // pir-b happened 20 s before the poll, pir-a 10 s before that.
    expect(a).toMatchObject({ clockUnsynced: false, ts: realNow - 30_000 });
    expect(b).toMatchObject({ clockUnsynced: false, ts: realNow - 20_000 });
    record('pir-c');
    expect(store.pending(10)[2]).toMatchObject({ clockUnsynced: false, ts: realNow });
    await sync.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reads the kernel boot id, and invents one where there is none', () => {
    expect(readBootId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(readBootId('/nonexistent')).toMatch(/^boot-/);
  });
});
