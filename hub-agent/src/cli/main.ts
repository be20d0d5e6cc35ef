// hearth: the technician's CLI on the hub. Finds the agent's data directory the same way the
// agent does (--data-dir, HEARTH_DATA_DIR, /var/lib/hearth, ~/.local/share/hearth).
import { parseArgs } from 'node:util';
import { dataPaths, resolveDataDir } from '../config/paths.js';
import { CliError, EXIT, Output } from './output.js';
import { pair } from './pair.js';
import { simulatePress, status } from './status.js';

const USAGE = `usage: hearth <command> [options]   (every command takes --data-dir DIR and --json)

  pair --cloud URL --code CODE     claim this hub for a senior's home and store its key
  status                           cloud link, backlog, last upload, sensors, robot, model
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
    },
  });
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
      await status(socket, output);
      return EXIT.OK;
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
