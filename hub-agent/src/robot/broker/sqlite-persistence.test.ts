import assert from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { SqlitePersistence } from './sqlite-persistence.js';

// aedes-persistence's abstract suite is the contract every aedes persistence meets. It is written
// for node:test; this gives it a node:test-like context on vitest, counting assertions against t.plan.
const require = createRequire(import.meta.url);
const abstractSuite = require('aedes-persistence/abstract.js') as (opts: object) => void;

type Assert = typeof assert;
interface SuiteContext {
  assert: Assert;
  plan(n: number): void;
  diagnostic(message: string): void;
}

function contextFor(): { t: SuiteContext; check(): void } {
  let planned: number | undefined;
  let count = 0;
  const counted = new Proxy(assert, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    t: {
      assert: counted,
      plan: (n) => {
        planned = n;
      },
      diagnostic: () => {},
    },
    check: () => {
      if (planned !== undefined) assert.equal(count, planned, `planned ${planned} assertions, ran ${count}`);
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'hearth-broker-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('SQLite aedes persistence: aedes-persistence abstract suite', () => {
  abstractSuite({
    test: (name: string, fn: (t: SuiteContext) => Promise<void>) =>
      it(name, async () => {
        const { t, check } = contextFor();
        await fn(t);
        check();
      }),
    persistence: () => new SqlitePersistence({ path: join(dir, `suite-${++n}.db`) }),
    testAsync: true,
  });
});
