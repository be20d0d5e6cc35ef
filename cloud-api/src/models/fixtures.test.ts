import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFixtures, FIXTURE_DIR } from './fixtures.js';

describe('model files the hub tests with', () => {
  it('are exactly what the trainer writes today (rewrite with `npx tsx cloud-api/src/models/fixtures.ts`)', () => {
    for (const [name, bytes] of Object.entries(buildFixtures())) {
      const committed = readFileSync(join(FIXTURE_DIR, name));
      expect(Buffer.compare(committed, Buffer.from(bytes)), `${name} is stale`).toBe(0);
    }
  });
});
