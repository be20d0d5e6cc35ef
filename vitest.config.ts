import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // Native addons (better-sqlite3, serialport, onnxruntime) are safest in child processes.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The CI runner and developers' machines have two cores; integration suites start real processes.
    maxWorkers: 2,
  },
});
