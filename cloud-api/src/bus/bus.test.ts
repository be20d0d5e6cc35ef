import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { busTargets } from '../../test/targets.js';
import type { Bus } from './bus.js';
import { InProcessBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

function nextMessage(bus: Bus, channel: string): Promise<{ message: unknown; unsubscribe: () => void }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${channel} within 3s`)), 3000);
    let unsubscribe = () => {};
    bus
      .subscribe(channel, (message) => {
        clearTimeout(timer);
        resolve({ message, unsubscribe });
      })
      .then((u) => {
        unsubscribe = u;
      }, reject);
  });
}

const settle = () => new Promise((r) => setTimeout(r, 150));

describe.each(busTargets())('Bus contract: $name', (target) => {
  const opened: Bus[] = [];
  const open = async () => {
    const bus = await target.open();
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    // The in-process target hands out one shared bus; close it once, and start fresh next test.
    await Promise.all([...new Set(opened.splice(0))].map((b) => b.close()));
  });

  it('delivers a published message to a subscriber on another instance, as JSON', async () => {
    const a = await open();
    const b = await open();
    const received = nextMessage(b, 'alerts');
    await settle();
    await a.publish('alerts', { alertId: 'x', when: 1 });
    expect((await received).message).toEqual({ alertId: 'x', when: 1 });
  });

  it('keeps channels apart and stops delivering after unsubscribe', async () => {
    const bus = await open();
    const seen: unknown[] = [];
    const stop = await bus.subscribe('alerts', (m) => seen.push(m));
    const other = nextMessage(bus, 'hubs');
    await settle();
    await bus.publish('hubs', 'for hubs');
    expect((await other).message).toBe('for hubs');
    await settle();
    expect(seen).toEqual([]);
    await bus.publish('alerts', 1);
    await settle();
    stop();
    stop();
    await settle();
    await bus.publish('alerts', 2);
    await settle();
    expect(seen).toEqual([1]);
  });

  it('isolates a failing handler from the others', async () => {
    const bus = await open();
    await bus.subscribe('alerts', () => {
      throw new Error('broken dashboard');
    });
    const good = nextMessage(bus, 'alerts');
    await settle();
    await bus.publish('alerts', 'ring');
    expect((await good).message).toBe('ring');
  });

  it('refuses to publish once closed', async () => {
    const bus = await open();
    await bus.close();
    await expect(bus.publish('alerts', 1)).rejects.toThrow(/closed/);
  });
});

describe('InProcessBus', () => {
  it('hands subscribers a copy, never the publisher’s object', async () => {
    const bus = new InProcessBus();
    const original = { n: 1 };
    const got = nextMessage(bus, 'c');
    await bus.publish('c', original);
    original.n = 2;
    expect((await got).message).toEqual({ n: 1 });
    await bus.close();
  });
});

const redis = busTargets().find((t) => t.name === 'redis');

describe.runIf(redis)('RedisBus when the connection to Redis drops', () => {
  it('reconnects, resubscribes, and delivers again', async () => {
    const bus = new RedisBus({ url: redis!.url!, prefix: `${redis!.prefix}drop:` });
    await bus.connect();
    try {
      const seen: unknown[] = [];
      await bus.subscribe('alerts', (m) => seen.push(m));
      // Kill only this bus's subscriber connection, as a Redis restart would.
      const admin = new Redis(redis!.url!);
      const list = (await admin.client('LIST')) as string;
      const line = list.split('\n').find((l) => l.includes(`name=hearth-sub-${redis!.prefix}drop:`));
      const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      await admin.client('KILL', 'ID', id!);
      await admin.quit();
      const deadline = Date.now() + 5000;
      while (!seen.includes('after') && Date.now() < deadline) {
        await bus.publish('alerts', 'after').catch(() => {});
        await settle();
      }
      expect(seen).toContain('after');
    } finally {
      await bus.close();
    }
  });
});
