import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordingLog } from '../../test/realtime-fakes.js';
import { defineChannel, listen, ring } from './channel.js';
import { InProcessBus } from './memory-bus.js';

const DOORBELL = defineChannel('doorbell', z.object({ room: z.string(), loud: z.boolean().default(false) }));

describe('typed bus channels', () => {
  it('hands a listener each ring parsed by the channel schema, and logs and drops one that does not fit', async () => {
    const bus = new InProcessBus();
    const log = recordingLog();
    const heard: unknown[] = [];
    let done: () => void = () => {};
    const last = new Promise<void>((r) => {
      done = r;
    });
    await listen(
      bus,
      DOORBELL,
      (payload) => {
        heard.push(payload);
        if (payload.room === 'last') done();
      },
      log,
    );
    await bus.publish('doorbell', { room: 42 });
    await ring(bus, DOORBELL, { room: 'hall' });
    await bus.publish('doorbell', 'not even an object');
    await ring(bus, DOORBELL, { room: 'last', loud: true });
    await last;
    // Delivered in order: by the time the last ring is heard, the malformed ones were dropped.
    expect(heard).toEqual([
      { room: 'hall', loud: false },
      { room: 'last', loud: true },
    ]);
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.warn.mock.calls[0]![0]).toMatchObject({
      channel: 'doorbell',
      reason: expect.stringMatching(/room/),
    });
    await bus.close();
  });
});
