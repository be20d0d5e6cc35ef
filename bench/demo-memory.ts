// Memory of the embedded cloud as `npm run demo` starts it (the bundled hearth-cloud serve, PGlite,
// in-process bus, demo accounts): resident set size once it answers, then after the demo's first
// request (an admin login, whose argon2id hash works in 19 MiB) and some seconds of quiet, and its
// peak — on a fresh data directory (the demo's every start) and again on the directory it left.
// `npm run bench -- demo-memory [--settle-seconds 10]`
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoCloud } from '../scripts/demo-cloud.js';
import { ApiClient } from '../scripts/local-stack.js';

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function measure(dataDir: string, settleSeconds: number) {
  const started = Date.now();
  const cloud = await startDemoCloud({ dataDir, env: { LOG_LEVEL: 'info' } });
  try {
    const readySeconds = (Date.now() - started) / 1000;
    const pid = cloud.process.pid!;
    const atReady = memoryOf(pid);
    await new ApiClient(cloud.url).login('admin@demo.hearth', 'demo-admin');
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));
    const settled = memoryOf(pid);
    return {
      readySeconds: Number(readySeconds.toFixed(1)),
      rssAtReadyMb: atReady.rssMb,
      rssSettledMb: settled.rssMb,
      peakMb: settled.peakMb,
    };
  } finally {
    await cloud.stop();
  }
}

export default async function demoMemory(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({ args, options: { 'settle-seconds': { type: 'string', default: '10' } } });
  const settle = Number(values['settle-seconds']);
  if (!Number.isFinite(settle) || settle < 0)
    throw new Error(`--settle-seconds must be ≥ 0, not ${values['settle-seconds']}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-demo-memory-'));
  try {
    const fresh = await measure(dataDir, settle);
    const reopened = await measure(dataDir, settle);
    return { goalMb: 300, freshDataDir: fresh, existingDataDir: reopened };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
