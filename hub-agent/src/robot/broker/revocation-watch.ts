import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { HUB_USERNAME } from '../store/credentials.js';
import { robotIdOfClient } from './access.js';

export interface RevocationWatchDeps {
  broker: { connectedClients(): string[]; disconnect(clientId: string): boolean };
  /** Whether a robot is still paired (read afresh each time: the CLI edits it from another process). */
  isPaired: (robotId: string) => boolean;
  clock: Clock;
  log: Logger;
  /** How often connected clients are checked against the registry (ms). */
  intervalMs: number;
}

/**
 * Hangs up on robots whose pairing was removed. `hearth robot remove` edits the hub's database
 * from another process, which the broker cannot hear; a removed robot's next connection is refused
 * by the credential check, and this ends the sessions it already has within `intervalMs`.
 */
export class RevocationWatch {
  private cancel: () => void = () => {};
  private running = false;

  constructor(private readonly deps: RevocationWatchDeps) {}

  start(): void {
    this.running = true;
    this.check();
  }

  stop(): void {
    this.running = false;
    this.cancel();
  }

  /** Disconnects every client that is neither the hub nor a paired robot; returns their ids. */
  check(): string[] {
    const { broker, isPaired, log } = this.deps;
    const dropped: string[] = [];
    for (const clientId of broker.connectedClients()) {
      if (clientId === HUB_USERNAME || clientId.startsWith(`${HUB_USERNAME}-`)) continue;
      const robotId = robotIdOfClient(clientId);
      if (robotId !== null && isPaired(robotId)) continue;
      if (broker.disconnect(clientId)) dropped.push(clientId);
      log.info({ robotId: clientId }, 'robot credentials revoked: disconnected');
    }
    this.cancel();
    if (this.running) this.cancel = this.deps.clock.setTimeout(() => this.check(), this.deps.intervalMs);
    return dropped;
  }
}
