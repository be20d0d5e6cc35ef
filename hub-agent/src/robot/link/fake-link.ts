import type { RobotCommand } from '@hearth/shared';
import { LinkListeners, type RobotLink, RobotLinkError, type RobotMessage } from './robot-link.js';

/**
 * RobotLink in memory for unit tests: `sent` records every command the broker would have taken;
 * `publish()` plays a robot; `cut()` and `restore()` drop and bring back the broker connection.
 */
export class FakeRobotLink implements RobotLink {
  readonly sent: { robotId: string; command: RobotCommand }[] = [];
  private readonly listeners = new LinkListeners();
  private connected = false;
  private started = false;

  async start(): Promise<void> {
    this.started = true;
    this.restore();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.cut();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async send(robotId: string, command: RobotCommand): Promise<void> {
    if (!this.connected) throw new RobotLinkError('not connected to the robot broker', 'LINK_DOWN');
    this.sent.push({ robotId, command: structuredClone(command) });
  }

  onMessage(listener: (message: RobotMessage) => void): () => void {
    return this.listeners.add(this.listeners.message, listener);
  }

  onInvalid(listener: (topic: string, reason: string) => void): () => void {
    return this.listeners.add(this.listeners.invalid, listener);
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    return this.listeners.add(this.listeners.connection, listener);
  }

  /** Test control: a robot publishes `body` (an object is sent as JSON) on `topic`. */
  publish(topic: string, body: unknown): void {
    this.listeners.deliver(topic, typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** Test control: the broker connection drops. */
  cut(): void {
    if (!this.connected) return;
    this.connected = false;
    this.listeners.connected(false);
  }

  /** Test control: the broker connection comes back (only once started). */
  restore(): void {
    if (this.connected || !this.started) return;
    this.connected = true;
    this.listeners.connected(true);
  }
}
