import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNotifier } from './sd-notify.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('sd_notify', () => {
  it('stays silent without NOTIFY_SOCKET', () => {
    const sent: string[] = [];
    const notifier = createNotifier({}, (m) => sent.push(m));
    notifier.ready();
    notifier.stopping();
    expect(sent).toEqual([]);
  });

  it('says READY=1, pings the watchdog at half its interval, and says STOPPING=1', () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const notifier = createNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000' }, (m) =>
      sent.push(m),
    );
    notifier.ready();
    vi.advanceTimersByTime(45_000);
    notifier.stopping();
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual(['READY=1', 'WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1', 'STOPPING=1']);
  });

  it('delivers READY=1 to a real notification socket through systemd-notify', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'hearth-notify-')), 'notify.sock');
    const listener = spawn('socat', ['-u', `UNIX-RECV:${socket}`, 'STDOUT']);
    let received = '';
    listener.stdout.on('data', (d: Buffer) => {
      received += d.toString();
    });
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
    createNotifier({ ...process.env, NOTIFY_SOCKET: socket }).ready();
    const deadline = Date.now() + 5000;
    while (!received.includes('READY=1') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    listener.kill();
    expect(received).toContain('READY=1');
  });
});
