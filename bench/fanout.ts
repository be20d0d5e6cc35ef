// Fan-out latency: the time for one alert, uploaded by a hub, to reach N connected dashboards
// (default N = 1,000 and 10,000), and how long the cloud's event loop stalled meanwhile (the cloud
// runs in this process; perf_hooks.monitorEventLoopDelay at 1 ms resolution). The dashboards live in
// a child process (own CPU time and file descriptors); times are epoch-based high-resolution clocks
// of the two processes on one machine.
// `npm run bench -- fanout [N ...]`
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pairedHub, startBenchCloud, uploadBatch } from './support/cloud.js';

const here = dirname(fileURLToPath(import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export default async function fanout(args: string[]): Promise<Record<string, unknown>> {
  const sizes = args.length > 0 ? args.map(Number) : [1000, 10_000];
  const bench = await startBenchCloud({ maxConnectionsPerTopic: Number.MAX_SAFE_INTEGER });
  const results: Record<string, unknown> = { database: bench.target };
  try {
    const { url } = bench.cloud;
    const hub = await pairedHub(url, bench.adminToken);
    let seq = 0;
    for (const n of sizes) {
      const child = fork(join(here, 'support', 'fanout-clients.ts'), [url, bench.adminToken, String(n)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const connectStarted = now();
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`dashboard process exited (${code})`)));
        child.on('message', (m: { ready?: boolean }) => m.ready && resolve());
      });
      const connectSeconds = (now() - connectStarted) / 1000;
      const done = new Promise<number[]>((resolve) =>
        child.on('message', (m: { arrivals?: number[] }) => m.arrivals && resolve(m.arrivals)),
      );
      const event = {
        hubId: hub.hubId,
        seq: ++seq,
        ts: new Date().toISOString(),
        sensorId: 'pendant',
        kind: 'alert',
        value: null,
        alert: {
          alertId: randomUUID(),
          kind: 'fanout_probe',
          severity: 'critical',
          source: 'button',
          message: 'probe',
          evidence: [],
        },
      };
      const body = gzipSync(JSON.stringify({ events: [event] }));
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const sent = now();
      await uploadBatch(url, hub.apiKey, body);
      const acked = now();
      const arrivals = (await done).map((t) => t - sent).sort((a, b) => a - b);
      loop.disable();
      child.removeAllListeners('exit');
      child.send({ stop: true });
      await new Promise((r) => child.once('exit', r));
      results[`n${n}`] = {
        dashboards: n,
        uploadAckMs: Number((acked - sent).toFixed(1)),
        firstMs: Number(arrivals[0]!.toFixed(1)),
        p50Ms: Number(pct(arrivals, 0.5).toFixed(1)),
        p99Ms: Number(pct(arrivals, 0.99).toFixed(1)),
        allMs: Number(arrivals.at(-1)!.toFixed(1)),
        connectSeconds: Number(connectSeconds.toFixed(2)),
        // Of the cloud's event loop while the alert went out: how long other work had to wait.
        eventLoopDelayMs: {
          p50: Number((loop.percentile(50) / 1e6).toFixed(1)),
          p99: Number((loop.percentile(99) / 1e6).toFixed(1)),
          max: Number((loop.max / 1e6).toFixed(1)),
        },
      };
      // Let the server notice the closed sockets before the next round.
      await new Promise((r) => setTimeout(r, 1000));
    }
    return results;
  } finally {
    await bench.stop();
  }
}
