// hearth-cloud: the composition root. `serve` (default), `migrate`, `create-admin --email [--password-stdin]`.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { StaffStore } from './auth/staff-store.js';
import { RedisBus } from './bus/redis-bus.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { openDatabase } from './db/database.js';
import { prepareDatabase } from './db/roles.js';
import { sendToHub } from './hubs/hub-commands.js';
import { localModelStore, trainCommand } from './models/cli.js';
import { promptPassword, readPasswordFromStream } from './ops/password-input.js';
import { startCloud } from './server.js';

const USAGE = `usage: hearth-cloud [serve | migrate | create-admin --email <email> [--password-stdin] [--name <name>] | train --senior <id> [--days N] [--no-activate]]`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const log = pino({ level: config.logLevel, base: { service: 'hearth-cloud' } });

  if (command === 'serve') {
    const cloud = await startCloud(config, { log });
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        log.info({ signal }, 'stopping');
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        resolve();
      };
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    });
    await cloud.stop();
    return 0;
  }

  if (command === 'migrate') {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, command });
    try {
      // As the schema owner (HEARTH_MIGRATION_DATABASE_URL) when set, granting DATABASE_URL's role.
      const applied = await prepareDatabase(db, config, log);
      log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    } finally {
      await db.close();
    }
    return 0;
  }

  if (command === 'create-admin') {
    const { values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        password: { type: 'string' },
        name: { type: 'string' },
      },
      strict: true,
    });
    if (values.password !== undefined) {
      throw new UsageError(
        '--password would show the password in the process list; pipe it with --password-stdin, or omit it to be asked',
      );
    }
    if (!values.email) throw new UsageError('create-admin needs --email');
    let password: string;
    if (values['password-stdin']) password = await readPasswordFromStream(process.stdin);
    else if (process.stdin.isTTY)
      password = await promptPassword('Password: ', process.stdin, process.stderr);
    else
      throw new UsageError(
        'create-admin needs the password: pipe it with --password-stdin, or run it on a terminal',
      );
    if (password.length < 10) throw new UsageError('the password must be at least 10 characters');
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, command });
    try {
      await prepareDatabase(db, config, log);
      const admin = await new StaffStore(db.sql).create({
        email: values.email,
        password,
        name: values.name ?? 'Administrator',
        role: 'admin',
      });
      log.info({ id: admin.id, email: admin.email }, 'admin created');
    } finally {
      await db.close();
    }
    return 0;
  }

  if (command === 'train') {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, command });
    // With Redis the hub hears of its new model at once; embedded, it finds it on its next check.
    const bus = config.redisUrl
      ? new RedisBus({ url: config.redisUrl, prefix: config.redisPrefix })
      : undefined;
    try {
      await prepareDatabase(db, config, log);
      await bus?.connect();
      return await trainCommand(rest, {
        sql: db.sql,
        store: localModelStore(config.dataDir),
        ...(bus && {
          notifyHub: (seniorId, notice) =>
            sendToHub(bus, { seniorId, message: { type: 'update', topic: 'model', data: notice } }),
        }),
      });
    } finally {
      await bus?.close();
      await db.close();
    }
  }

  throw new UsageError(`unknown command ${command}`);
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DataDirLockedError) {
      console.error(`hearth-cloud: ${err.message}`);
      process.exit(3);
    }
    if (err instanceof ConfigError || err instanceof UsageError) {
      console.error(`hearth-cloud: ${err.message}`);
      if (err instanceof UsageError) console.error(USAGE);
      process.exit(2);
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`hearth-cloud: ${message}`);
    process.exit(1);
  },
);
