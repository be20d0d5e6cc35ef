import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock.js';

/** The one SQL client type every store in the cloud uses. */
export type Sql = postgres.Sql<Record<string, never>>;

/** An open database: the client, what it is, and how to close it. */
export interface Database {
  /** postgres.js client; the same code runs against PGlite (embedded) and PostgreSQL. */
  sql: Sql;
  /** True when backed by PGlite in this process. */
  embedded: boolean;
  /**
   * A second, small pool for the few reads that must not queue behind ingest (the alert fan-out's
   * level and audience), against PostgreSQL; absent when embedded (PGlite has one connection).
   */
  priority?: Sql;
  /** The PGlite instance in embedded mode (for tools such as benchmarks that use its own COPY). */
  pglite?: PGlite;
  /** Ends the client (waiting up to `timeoutSeconds` for running queries) and stops PGlite if embedded. */
  close(timeoutSeconds?: number): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; absent → embedded PGlite. */
  databaseUrl: string | undefined;
  /** Where embedded PGlite keeps its files (`<dataDir>/pgdata`); `memory` keeps nothing on disk. */
  dataDir: string | 'memory';
  /** Connections in the pool against real PostgreSQL. */
  poolSize?: number;
  /** The command opening it (`serve`, `migrate`…), named to a second process the data directory refuses. */
  command?: string;
}

const common: postgres.Options<Record<string, postgres.PostgresType>> = {
  // Notices (e.g. "relation already exists, skipping") are not worth a log line each.
  onnotice: () => {},
  types: {
    // int8 as a JS number: seqs and cursors stay below 2^53, and JSON has no bigint.
    bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: (s: string) => Number(s) },
  },
  connection: { application_name: 'hearth-cloud' },
};

/**
 * PGlite's own start parameters, with a shared buffer pool of 16 MB instead of initdb's 128 MB: the
 * embedded database is one home's or a demo's, and the pool is most of what its WebAssembly memory
 * grows to (RSS 300 → 160 MB; the module's 128 MB initial memory is the floor).
 */
export const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * Creates PGlite's data directory (initdb) in a child process when it does not exist yet. initdb's
 * own WebAssembly instance takes some 600 MB that the process never gives back to the system; in a
 * child, that memory ends with it. Nothing is done for a directory that already holds a cluster.
 * @throws naming what the child reported when it could not create the directory.
 */
async function createDataDirApart(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const module = import.meta.resolve('@electric-sql/pglite');
  const code = `const { PGlite } = await import(${JSON.stringify(module)});
    const db = await PGlite.create({ dataDir: ${JSON.stringify(dir)} });
    await db.close();`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `PGlite could not create its data directory ${dir} (${code ?? signal}): ${stderr.trim() || 'no output'}`,
          ),
        );
    });
  });
}

/**
 * Opens the database. Embedded mode starts PGlite and serves it over a loopback socket on an
 * ephemeral port, so postgres.js talks the same wire protocol as to a real server.
 * @throws when PostgreSQL is unreachable or PGlite cannot open its data directory.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const sql = postgres(options.databaseUrl, {
      ...common,
      max: options.poolSize ?? 10,
      // postgres.js documents `socket` (README, "Custom socket") but its types leave it out.
      ...({ socket: noDelaySockets() } as object),
    }) as unknown as Sql;
    await sql`select 1`;
    // Opens its connections on first use only: tools that never fan out never connect it.
    const priority = postgres(options.databaseUrl, {
      ...common,
      max: 2,
      ...({ socket: noDelaySockets() } as object),
    }) as unknown as Sql;
    return {
      sql,
      priority,
      embedded: false,
      close: async (timeout = 5) => {
        await Promise.all([sql.end({ timeout }), priority.end({ timeout })]);
      },
    };
  }

  let pglite: PGlite;
  let unlock = () => {};
  if (options.dataDir === 'memory') {
    pglite = await PGlite.create({ startParams: EMBEDDED_START_PARAMS });
  } else {
    const dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(options.dataDir, options.command ?? 'serve');
    try {
      await createDataDirApart(dir);
      pglite = await PGlite.create({ dataDir: dir, startParams: EMBEDDED_START_PARAMS });
    } catch (err) {
      unlock();
      throw err;
    }
  }
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  // PGlite runs one query at a time and a transaction owns the whole database: one connection.
  const sql = postgres({
    ...common,
    host,
    port: Number(port),
    user: 'postgres',
    database: 'postgres',
    max: 1,
    ssl: false,
  }) as unknown as Sql;
  await sql`select 1`;
  return {
    sql,
    embedded: true,
    pglite,
    async close(timeout = 5) {
      await sql.end({ timeout });
      await server.stop();
      await pglite.close();
      unlock();
    },
  };
}

/**
 * Sockets with Nagle's algorithm off, which postgres.js leaves on. With it on, the 5-byte message
 * that ends a COPY waits for the server's delayed acknowledgement of the rows before it (40 ms on
 * Linux), which made a 1,000-row COPY slower than an INSERT. postgres.js hands a socket from this
 * factory its handshake at once; a socket still connecting queues it. Several hosts are tried in turn.
 */
function noDelaySockets(): (o: { host: string[]; port: number[]; path?: string | false }) => Socket {
  let next = 0;
  return (o) => {
    const socket = new Socket();
    if (o.path) return socket.connect(o.path);
    const i = next++ % o.host.length;
    const host = o.host[i]!;
    const port = o.port[i] ?? o.port[0]!;
    socket.setNoDelay(true);
    // postgres.js names the server to TLS (SNI, certificate check) from these.
    Object.assign(socket, { host, port });
    return socket.connect(port, host);
  };
}

/**
 * Runs `fn` in a transaction on a reserved connection: commit when it resolves, rollback when it throws
 * (the error is rethrown). Used instead of postgres.js `sql.begin`, which loses track of its connection
 * when the socket applies backpressure at the moment BEGIN is written (seen under load over pglite-socket).
 */
export async function transaction<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  const tx = await sql.reserve();
  try {
    await tx`begin`;
    let result: T;
    try {
      result = await fn(tx as unknown as Sql);
    } catch (err) {
      await tx`rollback`.catch(() => {});
      throw err;
    }
    await tx`commit`;
    return result;
  } finally {
    tx.release();
  }
}
