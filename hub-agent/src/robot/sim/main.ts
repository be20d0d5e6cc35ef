// hearth-robot-sim: a simulated safety robot on the hub's broker, for demos and tests.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RobotId, RobotOutcome } from '@hearth/shared';
import { type Misbehaviour, RobotSimulator } from './robot-sim.js';

const USAGE = `usage: hearth-robot-sim --id ROBOT --password P [options]

  --url URL             broker (default mqtt://127.0.0.1:1883)
  --id ROBOT            robot id (as given to 'hearth robot add')
  --password P          its password (or HEARTH_ROBOT_PASSWORD)
  --rooms a=ms,b=ms     travel time to each room (default 500 ms for any room)
  --dock ROOM           where it starts and charges (default hall)
  --battery N           starting battery percent (default 100)
  --outcome O           what checks find: ok|no_response|needs_help|not_found|failed (default ok)
  --check-ms N          how long a check takes (default 300)
  --ack-ms N            delay before acknowledging (default 50)
  --misbehave M         none|never_answers|slow_ack|drops_mid_check
  --ca FILE             CA certificate for mqtts`;

const MISBEHAVIOURS = ['none', 'never_answers', 'slow_ack', 'drops_mid_check'];

function fail(message: string): never {
  console.error(`hearth-robot-sim: ${message}\n\n${USAGE}`);
  process.exit(64);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      id: { type: 'string' },
      password: { type: 'string' },
      rooms: { type: 'string' },
      dock: { type: 'string' },
      battery: { type: 'string' },
      outcome: { type: 'string' },
      'check-ms': { type: 'string' },
      'ack-ms': { type: 'string' },
      misbehave: { type: 'string' },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const str = (name: string) => values[name] as string | undefined;
const num = (name: string): number | undefined => {
  const v = str(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got '${v}'`);
  return n;
};
const id = RobotId.safeParse(str('id'));
if (!id.success) fail(`--id: ${id.error.issues[0]?.message ?? 'required'}`);
const password = str('password') ?? process.env.HEARTH_ROBOT_PASSWORD;
if (!password) fail('--password (or HEARTH_ROBOT_PASSWORD) is required');
const outcome = str('outcome') === undefined ? undefined : RobotOutcome.safeParse(str('outcome'));
if (outcome && !outcome.success) fail(`--outcome must be one of ${RobotOutcome.options.join(', ')}`);
const misbehave = str('misbehave') ?? 'none';
if (!MISBEHAVIOURS.includes(misbehave)) fail(`--misbehave must be one of ${MISBEHAVIOURS.join(', ')}`);
const rooms: Record<string, number> = {};
for (const pair of (str('rooms') ?? '').split(',').filter(Boolean)) {
  const [room, ms] = pair.split('=');
  if (!room || !Number.isFinite(Number(ms))) fail(`--rooms: '${pair}' is not room=milliseconds`);
  rooms[room] = Number(ms);
}

const say = (line: string) => console.log(`${new Date().toISOString()} ${id.data}: ${line}`);
const sim = new RobotSimulator({
  url: str('url')!,
  robotId: id.data,
  password,
  rooms,
  dock: str('dock'),
  battery: num('battery'),
  outcome: outcome?.data,
  checkMs: num('check-ms'),
  ackDelayMs: num('ack-ms'),
  misbehave: misbehave as Misbehaviour,
  ca: str('ca') ? readFileSync(str('ca')!) : undefined,
  say,
});
try {
  await sim.start();
} catch (error) {
  console.error(`hearth-robot-sim: cannot connect to ${str('url')}: ${(error as Error).message}`);
  process.exit(69);
}
say(`connected to ${str('url')}, docked in ${str('dock') ?? 'hall'}`);
const stop = () => void sim.stop().finally(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
