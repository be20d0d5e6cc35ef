// Over ~300 lines on purpose: one serial line's whole life (open, hello, liveness, ack ordering,
// reopen with backoff) is one state machine; split, each half would need the other's private state.
import {
  type Delivery,
  DuplicateFilter,
  type FrameError,
  HubLink,
  type HubLinkStats,
} from '@hearth/firmware-bridge';
import pino, { type Logger } from 'pino';
import { SerialPort, type SerialPortMock } from 'serialport';
import { Backoff } from '../backoff.js';
import type { Clock } from '../clock.js';
import { faultPoint } from '../fault.js';
import type { AppendOptions } from '../store/outbox.js';
import type { DeliveredFrames } from './serial-frames.js';
import { serialOpenHint } from './serial-hints.js';
import { SerialNode, type SerialNodeStatus, type UnavailableReason } from './serial-node.js';
import type { SensorReading, SensorSource } from './source.js';

/** A port as the source uses it: serialport's `SerialPort`, or `SerialPortMock` in tests. */
export type SerialPortLike = SerialPort | SerialPortMock;

export interface SerialSourceOptions {
  /**
   * The node's device. Prefer the stable `/dev/serial/by-id/usb-…` link: `/dev/ttyUSB0` may name another
   * adapter after a replug. Must be an absolute path.
   */
  path: string;
  /** Line speed; the reference firmware uses 115200. */
  baudRate?: number;
  /** The hub's clock: reconnect and liveness timers run on it and readings are stamped with it. */
  clock: Clock;
  log?: Logger;
  /** Room of each sensor (`node-1/temp`) or of every sensor of a node (`node-1`). */
  rooms?: Record<string, string>;
  /** First wait before reopening a device that failed or vanished; doubles up to `reconnectMaxMs`. Default 500. */
  reconnectInitialMs?: number;
  /** Longest wait between reopen attempts. Default 30000. */
  reconnectMaxMs?: number;
  /** A node silent for this many of its heartbeat intervals is reported unavailable. Default 3. */
  missedHeartbeats?: number;
  /** How long after opening the device a node must have said hello before a warning names the likely causes. Default 10000. */
  helloTimeoutMs?: number;
  /** Opens ports; defaults to serialport's `SerialPort`. Tests pass one that makes `SerialPortMock`s. */
  openPort?: (options: { path: string; baudRate: number }) => SerialPortLike;
  /** Source of jitter for the backoff (0..1); defaults to Math.random. */
  random?: () => number;
  /**
   * Durable memory of the frames recorded, consulted at a node's first hello, so a frame the node
   * resends after a hub restart is acked without being recorded twice. Without it the memory ends
   * with the process.
   */
  delivered?: DeliveredFrames;
}

/** What `hearth status` and `hearth diagnose` can show about a serial line. */
export interface SerialSourceStatus {
  path: string;
  connected: boolean;
  /** Reopen attempts since start, successful or not. */
  reconnects: number;
  lastError: string | null;
  node: SerialNodeStatus | null;
  /** Totals over every connection since start. */
  link: HubLinkStats;
}

/** Thrown by `start` for settings the technician must correct. */
export class SerialSourceConfigError extends Error {
  readonly code = 'INVALID_SERIAL_CONFIG';
}

const emptyStats = (): HubLinkStats => ({
  delivered: 0,
  duplicates: 0,
  stale: 0,
  acksSent: 0,
  syncsSent: 0,
  beforeHello: 0,
  frameErrors: 0,
  handlerFailures: 0,
});

/**
 * Readings from one sensor node (firmware-bridge protocol) on a serial line. Acknowledges what it
 * keeps, drops what the node resends, reports the node's sensors unavailable when the node falls
 * silent or its device disappears, and reopens the device with backoff until it returns. A reading is
 * acked only after `emit` returned: if `emit` throws (the outbox refused it), the node resends it.
 */
export class SerialSource implements SensorSource {
  readonly name: string;
  private readonly log: Logger;
  private readonly duplicates: DuplicateFilter;
  private readonly totals = emptyStats();
  // What emit returns is not needed here: the serial line acks a frame once emit returned at all.
  private emit: ((reading: SensorReading, options?: AppendOptions) => unknown) | undefined;
  private port: SerialPortLike | undefined;
  private link: HubLink | undefined;
  private node: SerialNode | undefined;
  private running = false;
  private readonly backoff: Backoff;
  private cancelReconnect: () => void = () => {};
  private cancelLiveness: () => void = () => {};
  private cancelHelloWait: () => void = () => {};
  private reconnects = 0;
  private lastError: string | null = null;

  constructor(private readonly options: SerialSourceOptions) {
    this.name = `serial:${options.path}`;
    this.log = options.log ?? pino({ level: 'silent' });
    const delivered = options.delivered;
    this.duplicates = new DuplicateFilter(256, delivered && ((nodeId) => delivered.recall(nodeId)));
    // ±20 %: several nodes on one hub do not retry in lockstep after a shared USB hub resets.
    this.backoff = new Backoff({
      initialMs: options.reconnectInitialMs ?? 500,
      maxMs: options.reconnectMaxMs ?? 30_000,
      spread: [0.8, 1.2],
      ...(options.random && { random: options.random }),
    });
  }

  async start(emit: (reading: SensorReading, options?: AppendOptions) => unknown): Promise<void> {
    const { path, baudRate = 115_200 } = this.options;
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new SerialSourceConfigError(
        `serial path ${JSON.stringify(path)} is not an absolute device path; use the node's /dev/serial/by-id/… link`,
      );
    }
    if (!Number.isInteger(baudRate) || baudRate <= 0) {
      throw new SerialSourceConfigError(
        `serial baud rate ${baudRate} for ${path} must be a positive integer`,
      );
    }
    if (this.running) return;
    this.emit = emit;
    this.running = true;
    this.connect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelReconnect();
    this.cancelLiveness();
    const port = this.port;
    this.detach();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  status(): SerialSourceStatus {
    const link = { ...this.totals };
    if (this.link)
      for (const key of Object.keys(link) as (keyof HubLinkStats)[]) link[key] += this.link.stats[key];
    return {
      path: this.options.path,
      connected: this.port?.isOpen === true && this.link !== undefined,
      reconnects: this.reconnects,
      lastError: this.lastError,
      node: this.node?.status() ?? null,
      link,
    };
  }

  private connect(): void {
    if (!this.running) return;
    const { path, baudRate = 115_200 } = this.options;
    const open = this.options.openPort ?? ((o) => new SerialPort({ ...o, autoOpen: false }));
    let port: SerialPortLike;
    try {
      port = open({ path, baudRate });
    } catch (err) {
      this.retryLater(err);
      return;
    }
    port.open((err) => {
      if (err) {
        this.retryLater(err);
        return;
      }
      if (!this.running) {
        port.close(() => {}); // stopped while opening; a failure to close has nobody left to tell
        return;
      }
      this.attach(port);
    });
  }

  private attach(port: SerialPortLike): void {
    this.port = port;
    this.backoff.reset();
    this.lastError = null;
    this.log.info({ path: this.options.path }, 'serial device open; asking the node to introduce itself');
    port.on('error', (err: Error) => {
      this.lastError = err.message;
      this.log.warn({ path: this.options.path, err: err.message }, 'serial device error');
    });
    port.once('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (this.port !== port) return;
      this.detach();
      this.markUnavailable('disconnected');
      if (!this.running) return;
      this.lastError = err?.message ?? 'closed';
      this.log.warn(
        { path: this.options.path, reason: this.lastError },
        'serial device went away; reopening it when it returns',
      );
      this.retryLater(undefined);
    });
    this.link = new HubLink({
      stream: port,
      duplicates: this.duplicates,
      now: () => this.options.clock.now(),
      onMessage: (delivery) => this.receive(delivery),
      onFrameError: (err: FrameError) =>
        this.log.debug(
          { path: this.options.path, code: err.code, err: err.message },
          'bad serial frame dropped',
        ),
      onHandlerError: (err, delivery) =>
        this.log.error(
          {
            path: this.options.path,
            seq: delivery.seq,
            err: err instanceof Error ? err.message : String(err),
          },
          'a serial reading could not be recorded; the node will resend it',
        ),
    });
    this.link.start();
    this.cancelHelloWait = this.options.clock.setTimeout(() => {
      if (this.port !== port || this.link?.node) return;
      this.log.warn(
        { path: this.options.path, unreadableFrames: this.link?.stats.frameErrors ?? 0 },
        `no sensor node introduced itself on ${this.options.path}; check that the device runs Hearth node firmware at ${this.options.baudRate ?? 115_200} baud`,
      );
    }, this.options.helloTimeoutMs ?? 10_000);
  }

  /** Drops the current connection's link and port handles, keeping its statistics. */
  private detach(): void {
    this.cancelHelloWait();
    if (this.link) {
      for (const key of Object.keys(this.totals) as (keyof HubLinkStats)[])
        this.totals[key] += this.link.stats[key];
      this.link.stop();
    }
    this.link = undefined;
    this.port = undefined;
  }

  private retryLater(err: unknown): void {
    if (!this.running) return;
    if (err !== undefined) {
      const message = err instanceof Error ? err.message : String(err);
      // Log the first failure loudly; repeats of the same failure only at debug, so a missing
      // device does not flood the journal.
      const hint = serialOpenHint(message);
      const explained = hint ? `${message} (${hint})` : message;
      if (explained !== this.lastError) {
        this.log.warn(
          { path: this.options.path, err: message, hint },
          'cannot open the serial device; will retry',
        );
      } else {
        this.log.debug({ path: this.options.path, err: message }, 'serial device still unavailable');
      }
      this.lastError = explained;
    }
    const wait = this.backoff.next();
    this.cancelReconnect();
    this.cancelReconnect = this.options.clock.setTimeout(() => {
      this.reconnects++;
      this.connect();
    }, wait);
  }

  private receive(delivery: Delivery): void {
    const now = this.options.clock.now();
    const { message } = delivery;
    if (message.type === 'hello') {
      if (!this.node || this.node.nodeId !== message.nodeId) {
        // Another node on this line (the technician swapped devices): the old one's sensors are gone.
        if (this.node) this.markUnavailable('replaced');
        this.node = new SerialNode(message, now, this.options.rooms ?? {});
      }
      if (delivery.newBoot) {
        this.log.info(
          {
            path: this.options.path,
            nodeId: message.nodeId,
            firmware: message.firmwareVersion,
            bootId: message.bootId,
          },
          'sensor node started',
        );
      }
    }
    const node = this.node;
    if (!node) return;
    const readings = node.readingsFor(delivery, now);
    if (readings.length === 0 && (message.type === 'reading' || message.type === 'event')) {
      this.log.warn(
        { path: this.options.path, nodeId: node.nodeId, sensor: message.sensor },
        'node sent a frame for a sensor it did not announce; dropped',
      );
    }
    // Back before the reading itself, so the detection window never sees a reading from a sensor
    // whose latest state still says unavailable.
    const all = [...node.setAvailable(true, now), ...readings];
    // The frame's note commits with its last reading: a hub that dies at any instant either has
    // both (the resent frame is recognised) or neither (the resent frame is recorded, once).
    const note =
      message.type === 'heartbeat'
        ? undefined
        : () => this.options.delivered?.note(delivery.node.nodeId, delivery.node.bootId, delivery.seq);
    all.forEach((reading, i) => {
      this.emit?.(reading, note && i === all.length - 1 ? { alongside: note } : undefined);
    });
    if (note && all.length === 0) this.noteDelivered(delivery);
    // Tests kill the hub here: a reading is committed and the node has not heard the ack.
    if (readings.length > 0) faultPoint('serial.after-commit');
    this.watchLiveness();
  }

  /**
   * Remembers durably that a frame without readings (a hello) was recorded. A failure is logged, not
   * thrown: a resent hello records nothing twice.
   */
  private noteDelivered({ node, seq }: Delivery): void {
    try {
      this.options.delivered?.note(node.nodeId, node.bootId, seq);
    } catch (err) {
      this.log.warn(
        {
          path: this.options.path,
          nodeId: node.nodeId,
          seq,
          err: err instanceof Error ? err.message : String(err),
        },
        'could not note a recorded serial frame; after a hub restart the node may deliver it again',
      );
    }
  }

  /** (Re)arms the silence timer: a node that misses several heartbeats is reported unavailable. */
  private watchLiveness(): void {
    const node = this.node;
    if (!node || node.heartbeatIntervalMs <= 0) return;
    this.cancelLiveness();
    const timeout = node.heartbeatIntervalMs * (this.options.missedHeartbeats ?? 3);
    this.cancelLiveness = this.options.clock.setTimeout(() => {
      this.log.warn(
        { path: this.options.path, nodeId: node.nodeId, silentMs: timeout },
        'sensor node fell silent',
      );
      this.markUnavailable('silent');
    }, timeout);
  }

  private markUnavailable(reason: UnavailableReason): void {
    this.cancelLiveness();
    const node = this.node;
    if (!node) return;
    const readings = node.setAvailable(false, this.options.clock.now());
    if (readings.length > 0) this.log.info({ nodeId: node.nodeId, reason }, 'sensor node unavailable');
    for (const reading of readings) {
      try {
        this.emit?.(reading);
      } catch (err) {
        this.log.error(
          { err: err instanceof Error ? err.message : String(err) },
          'availability not recorded',
        );
      }
    }
  }
}
