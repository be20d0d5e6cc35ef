// A hub broker in its own process, so a test can kill it with SIGKILL mid-conversation.
// Usage: node --import tsx broker-child.ts DATA_DIR PORT [WILL_GRACE_MS]; prints {"port":N} once listening.
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../clock.js';
import { openSqliteOutbox } from '../../store/sqlite-outbox.js';
import { HubBroker } from '../broker/hub-broker.js';
import { RobotRegistry } from '../store/credentials.js';

const [dataDir, port, grace] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: broker-child.ts DATA_DIR PORT [WILL_GRACE_MS]');
const broker = new HubBroker({
  host: '127.0.0.1',
  port: Number(port ?? 0),
  maxPacketBytes: 65_536,
  connectionRate: { max: 100, windowMs: 1000 },
  persistencePath: join(dataDir, 'robot-broker.db'),
  credentials: new RobotRegistry(
    openSqliteOutbox({ path: join(dataDir, 'outbox.db'), bootId: 'broker' }).state,
  ),
  log: pino({ level: 'silent' }),
  clock: systemClock,
  willGraceMs: Number(grace ?? 30_000),
});
await broker.start();
process.stdout.write(`${JSON.stringify({ port: broker.address()!.port })}\n`);
