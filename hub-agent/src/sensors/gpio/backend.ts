import { createRequire } from 'node:module';
import type { Gpio as OnoffGpio } from 'onoff';

/** A raw input line: the electrical level, before active-low and debouncing. */
export interface GpioInput {
  /** The current level; throws if the line cannot be read. */
  read(): 0 | 1;
  /** Calls `onEdge` on every level change the kernel reports, or with an error when watching fails. */
  watch(onEdge: (error: Error | null, level: 0 | 1) => void): void;
  /** Stops watching and releases the line; safe to call twice. */
  close(): void;
}

/** Opens input lines by their sysfs number. */
export interface GpioBackend {
  /** Exports `line` as an input interrupting on both edges; throws with the OS reason when it cannot. */
  openInput(line: number): GpioInput;
}

/** The real lines through onoff (sysfs, epoll-driven edge interrupts). */
export class OnoffGpioBackend implements GpioBackend {
  openInput(line: number): GpioInput {
    // Loaded only here: onoff's native epoll addon exists only on Linux with sysfs GPIO.
    const { Gpio } = createRequire(import.meta.url)('onoff') as { Gpio: typeof OnoffGpio };
    let gpio: OnoffGpio | null = new Gpio(line, 'in', 'both');
    return {
      read: () => gpio!.readSync(),
      watch: (onEdge) => gpio!.watch((error, value) => onEdge(error ?? null, value)),
      close: () => {
        gpio?.unwatchAll();
        gpio?.unexport();
        gpio = null;
      },
    };
  }
}

/** Lines in memory for tests and the demo: `setLevel()` moves a line like a finger on a switch. */
export class FakeGpioBackend implements GpioBackend {
  private readonly levels = new Map<number, 0 | 1>();
  private readonly watchers = new Map<number, (error: Error | null, level: 0 | 1) => void>();
  private readonly broken = new Map<number, string>();
  readonly opened = new Set<number>();

  openInput(line: number): GpioInput {
    const reason = this.broken.get(line);
    if (reason) throw new Error(reason);
    this.opened.add(line);
    return {
      read: () => {
        const failure = this.broken.get(line);
        if (failure) throw new Error(failure);
        return this.levels.get(line) ?? 0;
      },
      watch: (onEdge) => this.watchers.set(line, onEdge),
      close: () => {
        this.watchers.delete(line);
        this.opened.delete(line);
      },
    };
  }

  /** Sets the electrical level and reports the edge, as the kernel would. */
  setLevel(line: number, level: 0 | 1): void {
    this.levels.set(line, level);
    this.watchers.get(line)?.(null, level);
  }

  /** Makes opening or reading `line` fail with `reason` (a cut wire, a missing export). */
  break(line: number, reason: string): void {
    this.broken.set(line, reason);
  }
}
