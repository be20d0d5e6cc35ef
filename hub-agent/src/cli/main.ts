// hearth: the technician's CLI on the hub. Finds the agent's data directory the same way the
// agent does (--data-dir, HEARTH_DATA_DIR, /var/lib/hearth, ~/.local/share/hearth).
import { dataPaths, resolveDataDir } from '../config/paths.js';
import { parseCommandLine, unknownCommand, usageError } from './command-line.js';
import { diagnose } from './diagnose.js';
import { health } from './health.js';
import { CliError, EXIT, Output } from './output.js';
import { pair } from './pair.js';
import { addRobot, brokerAccountsFor, listRobots, removeRobot } from './robot.js';
import { addSensor, listSensors, removeSensor, testSensor } from './sensors.js';
import { simulatePress, status } from './status.js';
import { didYouMean } from './suggest.js';
import { hubVersion } from './version.js';

const USAGE = `usage: hearth <command> [options]   (every command takes --data-dir DIR and --json)
       hearth help | hearth --version

  pair --cloud URL --code CODE     claim this hub for a senior's home and store its key
  status                           cloud link, backlog, last upload, sensors, robot, model
  sensors list                     configured sensors and whether each is heard
  sensors add ID --type gpio --pin N --kind motion|contact|pressure|button
                 [--active-low] [--debounce-ms 50] [--pull up|down|none] [--room R] [--heartbeat-seconds S]
  sensors add ID --type serial --path /dev/serial/by-id/… [--baud-rate 115200] [--room R]
  sensors remove ID
  sensors test ID [--timeout 60]   watch a sensor live until the technician triggers it
  robot add ID | remove ID | list  pair a safety robot (prints its password once), revoke it, list robots
                 [--config FILE]   the agent's settings (default /etc/hearth/agent.json): with an external
                                   Mosquitto, add/remove create/delete the robot's login there too
  diagnose                         clock, disk, agent, GPIO, serial devices, cloud: pass/fail with hints
  health [--since MS]              the upgrade gate: agent ready (started after MS), outbox writable,
                                   detection ticking, broker up when present; exit 6 when not
  simulate press SENSOR            trigger a simulated sensor (agent started with --simulate),
                                   e.g. hearth simulate press pendant

From a clone: npx hearth <command> (after npm ci), or node hub-agent/bin/hearth.js <command>.

exit codes: 0 ok, 1 failed, 2 usage, 3 agent not running, 4 cloud unreachable,
            5 cloud refused (pairing code / key), 6 a check failed`;

/** Commands a typo is compared with for "did you mean". */
const COMMANDS = ['pair', 'status', 'sensors', 'diagnose', 'health', 'simulate', 'robot', 'help'];
const PAIR_USAGE = 'usage: hearth pair --cloud URL --code CODE [--device-id ID]';
const SENSOR_TYPES = ['gpio', 'serial'];
const SENSOR_KINDS = ['motion', 'contact', 'pressure', 'button'];

/** `sensors add` names what is wrong with --type and --kind before the sensor rules do. */
function checkSensorType(type: string | undefined, kind: string | undefined): void {
  const usage = 'usage: hearth sensors add ID --type gpio --pin N --kind KIND | --type serial --path DEVICE';
  if (!type) throw usageError('sensors add needs --type gpio or --type serial', usage);
  if (!SENSOR_TYPES.includes(type)) {
    const guess = didYouMean(type, SENSOR_TYPES);
    throw usageError(
      `unknown sensor type '${type}': use gpio (wired to a header pin) or serial (a microcontroller on USB).${guess ? ` Did you mean '${guess}'?` : ''}`,
      usage,
    );
  }
  if (type === 'gpio' && kind !== undefined && !SENSOR_KINDS.includes(kind)) {
    const guess = didYouMean(kind, SENSOR_KINDS);
    throw usageError(
      `unknown kind '${kind}': a GPIO sensor is ${SENSOR_KINDS.join(', ')}.${guess ? ` Did you mean '${guess}'?` : ''}`,
      usage,
    );
  }
}

async function run(argv: string[], out: () => Output): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
    cloud: { type: 'string' },
    code: { type: 'string' },
    'device-id': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'V' },
    type: { type: 'string' },
    pin: { type: 'string' },
    kind: { type: 'string' },
    'active-low': { type: 'boolean' },
    'debounce-ms': { type: 'string' },
    pull: { type: 'string' },
    room: { type: 'string' },
    'heartbeat-seconds': { type: 'string' },
    path: { type: 'string' },
    'baud-rate': { type: 'string' },
    timeout: { type: 'string' },
    since: { type: 'string' },
    config: { type: 'string' },
  });
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw usageError(`--${name} must be a number, got '${value}'`);
    return n;
  };
  const output = out();
  if (values.version) {
    console.log(`hearth ${hubVersion}`);
    return EXIT.OK;
  }
  if (values.help || positionals.length === 0 || positionals[0] === 'help') {
    console.log(USAGE);
    return positionals.length === 0 && !values.help ? EXIT.USAGE : EXIT.OK;
  }
  const dataDir = resolveDataDir({ flag: values['data-dir'] });
  const socket = dataPaths(dataDir).socket;
  const [command, ...rest] = positionals;
  switch (command) {
    case 'pair':
      if (!values.cloud || !values.code)
        throw usageError('pair needs --cloud URL and --code CODE', PAIR_USAGE);
      await pair({ cloud: values.cloud, code: values.code, dataDir, deviceId: values['device-id'] }, output);
      return EXIT.OK;
    case 'status':
      await status(socket, output, dataDir);
      return EXIT.OK;
    case 'sensors': {
      const [action, id] = rest;
      if (action === 'list') await listSensors(dataDir, output);
      else if (action === 'add' && id) {
        checkSensorType(values.type, values.kind);
        const settings =
          values.type === 'serial'
            ? { path: values.path, baudRate: number('baud-rate', values['baud-rate']) }
            : {
                pin: number('pin', values.pin),
                kind: values.kind,
                activeLow: values['active-low'],
                debounceMs: number('debounce-ms', values['debounce-ms']),
                pull: values.pull,
              };
        await addSensor(
          dataDir,
          {
            id,
            type: values.type,
            room: values.room,
            heartbeatSeconds: number('heartbeat-seconds', values['heartbeat-seconds']),
            settings: JSON.parse(JSON.stringify(settings)),
          },
          output,
        );
      } else if (action === 'remove' && id) await removeSensor(dataDir, id, output);
      else if (action === 'test' && id)
        await testSensor(dataDir, id, number('timeout', values.timeout) ?? 60, output);
      else
        throw usageError(
          action ? `sensors ${action}${id ? '' : ' needs a sensor ID'}` : 'sensors needs an action',
          'usage: hearth sensors list | add ID --type gpio|serial … | remove ID | test ID',
        );
      return EXIT.OK;
    }
    case 'robot': {
      const [action, id] = rest;
      if (action === 'add' && id) await addRobot(dataDir, id, output, brokerAccountsFor(values.config));
      else if (action === 'remove' && id)
        await removeRobot(dataDir, id, output, brokerAccountsFor(values.config));
      else if (action === 'list') listRobots(dataDir, output);
      else
        throw usageError(
          action ? `robot ${action}${id ? '' : ' needs a robot ID'}` : 'robot needs an action',
          'usage: hearth robot add ID | remove ID | list',
        );
      return EXIT.OK;
    }
    case 'diagnose':
      return diagnose({ dataDir }, output);
    case 'health':
      return health(socket, dataDir, number('since', values.since), output);
    case 'simulate':
      if (rest[0] !== 'press' || !rest[1])
        throw usageError('simulate needs: press SENSOR', 'usage: hearth simulate press SENSOR');
      await simulatePress(socket, rest[1], output);
      return EXIT.OK;
    default:
      throw unknownCommand(command!, COMMANDS);
  }
}

const json = process.argv.includes('--json');
const output = new Output(json);
try {
  process.exitCode = await run(process.argv.slice(2), () => output);
} catch (error) {
  const failure =
    error instanceof CliError
      ? error
      : new CliError(error instanceof Error ? error.message : String(error), EXIT.FAILED);
  output.failure(failure);
  process.exitCode = failure.exitCode;
}
