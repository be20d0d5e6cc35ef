// hearth: the technician's CLI on the hub. Finds the agent's data directory the same way the
// agent does (--data-dir, HEARTH_DATA_DIR, /var/lib/hearth, ~/.local/share/hearth).
import { parseArgs } from 'node:util';
import { dataPaths, resolveDataDir } from '../config/paths.js';
import { diagnose } from './diagnose.js';
import { CliError, EXIT, Output } from './output.js';
import { pair } from './pair.js';
import { addRobot, listRobots, removeRobot } from './robot.js';
import { addSensor, listSensors, removeSensor, testSensor } from './sensors.js';
import { simulatePress, status } from './status.js';

const USAGE = `usage: hearth <command> [options]   (every command takes --data-dir DIR and --json)

  pair --cloud URL --code CODE     claim this hub for a senior's home and store its key
  status                           cloud link, backlog, last upload, sensors, robot, model
  sensors list                     configured sensors and whether each is heard
  sensors add ID --type gpio --pin N --kind motion|contact|pressure|button
                 [--active-low] [--debounce-ms 50] [--pull up|down|none] [--room R] [--heartbeat-seconds S]
  sensors add ID --type serial --path /dev/serial/by-id/… [--baud-rate 115200] [--room R]
  sensors remove ID
  sensors test ID [--timeout 60]   watch a sensor live until the technician triggers it
  robot add ID | remove ID | list  pair a safety robot (prints its password once), revoke it, list robots
  diagnose                         clock, disk, agent, GPIO, serial devices, cloud: pass/fail with hints
  simulate press SENSOR            trigger a simulated sensor (agent started with --simulate),
                                   e.g. hearth simulate press pendant

exit codes: 0 ok, 1 failed, 2 usage, 3 agent not running, 4 cloud unreachable,
            5 cloud refused (pairing code / key), 6 a check failed`;

async function run(argv: string[], out: () => Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      cloud: { type: 'string' },
      code: { type: 'string' },
      'device-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
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
    },
  });
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n))
      throw new CliError(`--${name} must be a number, got '${value}'`, EXIT.USAGE, 'USAGE');
    return n;
  };
  const output = out();
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? EXIT.OK : EXIT.USAGE;
  }
  const dataDir = resolveDataDir({ flag: values['data-dir'] });
  const socket = dataPaths(dataDir).socket;
  const [command, ...rest] = positionals;
  switch (command) {
    case 'pair':
      if (!values.cloud || !values.code)
        throw new CliError('pair needs --cloud URL and --code CODE', EXIT.USAGE, 'USAGE');
      await pair({ cloud: values.cloud, code: values.code, dataDir, deviceId: values['device-id'] }, output);
      return EXIT.OK;
    case 'status':
      await status(socket, output, dataDir);
      return EXIT.OK;
    case 'sensors': {
      const [action, id] = rest;
      if (action === 'list') await listSensors(dataDir, output);
      else if (action === 'add' && id) {
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
        throw new CliError(
          'usage: hearth sensors list | add ID … | remove ID | test ID',
          EXIT.USAGE,
          'USAGE',
        );
      return EXIT.OK;
    }
    case 'robot': {
      const [action, id] = rest;
      if (action === 'add' && id) addRobot(dataDir, id, output);
      else if (action === 'remove' && id) removeRobot(dataDir, id, output);
      else if (action === 'list') listRobots(dataDir, output);
      else throw new CliError('usage: hearth robot add ID | remove ID | list', EXIT.USAGE, 'USAGE');
      return EXIT.OK;
    }
    case 'diagnose':
      return diagnose({ dataDir }, output);
    case 'simulate':
      if (rest[0] !== 'press' || !rest[1])
        throw new CliError('usage: hearth simulate press SENSOR', EXIT.USAGE, 'USAGE');
      await simulatePress(socket, rest[1], output);
      return EXIT.OK;
    default:
      throw new CliError(`unknown command '${command}'\n\n${USAGE}`, EXIT.USAGE, 'USAGE');
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
      : (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? new CliError(`${(error as Error).message}\n\n${USAGE}`, EXIT.USAGE, 'USAGE')
        : new CliError(error instanceof Error ? error.message : String(error), EXIT.FAILED);
  output.failure(failure);
  process.exitCode = failure.exitCode;
}
