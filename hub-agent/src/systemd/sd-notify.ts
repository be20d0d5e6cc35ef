import { execFile } from 'node:child_process';

/** Tells systemd how the service is doing; silent when not started by systemd. */
export interface ServiceNotifier {
  /** Announces that the agent is serving (`READY=1`) and starts the watchdog pings. */
  ready(): void;
  /** Announces an orderly stop (`STOPPING=1`) and ends the watchdog pings. */
  stopping(): void;
}

export type Send = (message: string) => void;

/**
 * `sd_notify` through the `systemd-notify` tool: Node cannot write to a Unix datagram socket
 * itself. Because the message then comes from a child process, the unit needs
 * `NotifyAccess=all`. Watchdog pings go at half of `WATCHDOG_USEC`.
 */
export function createNotifier(env: NodeJS.ProcessEnv = process.env, send?: Send): ServiceNotifier {
  if (!env.NOTIFY_SOCKET) return { ready() {}, stopping() {} };
  const deliver: Send =
    send ??
    ((message) => {
      execFile('systemd-notify', [message], { env, timeout: 5000 }, () => {
        // A lost ping is retried at the next interval; systemd restarts us only after a whole interval.
      });
    });
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  let timer: NodeJS.Timeout | null = null;
  return {
    ready() {
      deliver('READY=1');
      if (Number.isFinite(watchdogUsec) && watchdogUsec > 0 && !timer) {
        timer = setInterval(() => deliver('WATCHDOG=1'), watchdogUsec / 1000 / 2);
        timer.unref();
      }
    },
    stopping() {
      if (timer) clearInterval(timer);
      timer = null;
      deliver('STOPPING=1');
    },
  };
}
