// The hub agent's memory measured the way it runs on a hub: the production esbuild bundle under
// plain node, with the node options of the systemd unit's ExecStart, the senior's model installed
// in its data directory, detection ticking, and (optionally) its broker with one robot connected.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentClient } from '../../hub-agent/src/control/client.js';
import type { AgentStatus } from '../../hub-agent/src/control/status.js';
import { RobotSimulator } from '../../hub-agent/src/robot/sim/robot-sim.js';
import { RobotRegistry } from '../../hub-agent/src/robot/store/credentials.js';
import { openSqliteOutbox } from '../../hub-agent/src/store/sqlite-outbox.js';
import { startAgent } from '../../hub-agent/test/support/programs.js';
import { buildBundles } from '../../scripts/build-bundles.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The node options between `bin/node` and the bundle in the agent unit's ExecStart. */
export function unitNodeOptions(): string[] {
  const unit = readFileSync(join(root, 'systemd/hearth-agent.service'), 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  const bundle = exec.findIndex((word) => word.endsWith('hearth-agent.mjs'));
  return exec.slice(1, bundle).filter((word) => word.startsWith('--'));
}

let bundle: Promise<string> | null = null;
/** Builds the agent bundle once per run, inside node_modules so its native dependencies resolve. */
function agentBundle(): Promise<string> {
  bundle ??= (async () => {
    const out = join(root, 'node_modules/.cache/hearth-bench-agent');
    await buildBundles(out, ['hearth-agent']);
    return join(out, 'hearth-agent.mjs');
  })();
  return bundle;
}

export interface AgentMemory {
  rssMB: number;
  /** Anonymous memory (heaps, native allocations) and file-backed pages (node, onnxruntime's library). */
  rssAnonMB: number;
  rssFileMB: number;
  /** What the agent itself reports (`hearth status --json`: memory). */
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  nodeOptions: string[];
}

/**
 * Starts the bundled agent (`--simulate`) with the test model installed and returns its memory once
 * the model is loaded (and probed: one scoring run), detection has ticked three times and, with
 * `robot`, the broker listens and one simulated robot is connected and has reported its status.
 */
export async function measureAgentMemory(options: {
  robot: boolean;
  nodeOptions?: string[];
}): Promise<AgentMemory> {
  const nodeOptions = options.nodeOptions ?? unitNodeOptions();
  const bin = await agentBundle();
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-memory-'));
  try {
    const model = readFileSync(join(root, 'hub-agent/src/model/testdata/routine.onnx'));
    mkdirSync(join(dataDir, 'models'));
    writeFileSync(join(dataDir, 'models/active.onnx'), model);
    writeFileSync(
      join(dataDir, 'models/active.json'),
      JSON.stringify({
        version: 'bench',
        sha256: createHash('sha256').update(model).digest('hex'),
        installedAt: new Date().toISOString(),
      }),
    );
    const config = join(dataDir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        detectTickMs: 1000,
        robot: { enabled: options.robot, broker: { host: '127.0.0.1', port: 0 } },
      }),
    );
    let password = '';
    if (options.robot) {
      const store = openSqliteOutbox({ path: join(dataDir, 'outbox.db'), bootId: 'bench' });
      password = new RobotRegistry(store.state).add('r1').password;
      store.close();
    }
    const agent = startAgent(['--data-dir', dataDir, '--simulate', '--config', config], {}, bin, nodeOptions);
    let robot: RobotSimulator | null = null;
    try {
      await agent.waitFor((e) => e.msg === 'model loaded from disk', 30_000);
      await agent.waitFor((e) => e.msg === 'hearth-agent ready', 30_000);
      if (options.robot) {
        const listening = await agent.waitFor((e) => e.msg === 'robot broker listening', 30_000);
        robot = new RobotSimulator({ url: `mqtt://127.0.0.1:${listening.port}`, robotId: 'r1', password });
        await robot.start();
        await agent.waitFor((e) => e.msg === 'robot status changed', 30_000);
      }
      const client = new AgentClient(join(dataDir, 'agent.sock'));
      const start = (await client.call<AgentStatus>('GET', '/status')).detection?.ticks ?? 0;
      let status: AgentStatus;
      do {
        await new Promise((r) => setTimeout(r, 250)); // detection ticks once a second
        status = await client.call<AgentStatus>('GET', '/status');
      } while ((status.detection?.ticks ?? 0) < start + 3);
      if (status.model.state !== 'active') throw new Error(`the model is ${status.model.state}, not active`);
      const proc = readFileSync(`/proc/${agent.child.pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(proc)?.[1] ?? 0);
      const mb = (k: number) => Math.round(k / 102.4) / 10;
      return {
        rssMB: mb(kb('VmRSS')),
        rssAnonMB: mb(kb('RssAnon')),
        rssFileMB: mb(kb('RssFile')),
        heapUsedMB: status.memory?.heapUsedMB ?? Number.NaN,
        heapTotalMB: status.memory?.heapTotalMB ?? Number.NaN,
        externalMB: status.memory?.externalMB ?? Number.NaN,
        nodeOptions,
      };
    } finally {
      await robot?.stop();
      await agent.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
