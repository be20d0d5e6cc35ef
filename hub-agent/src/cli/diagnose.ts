import { accessSync, constants, existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { HubConfig } from '@hearth/shared';
import { readCredentials } from '../config/credentials.js';
import { dataPaths } from '../config/paths.js';
import { AgentClient } from '../control/client.js';
import type { AgentStatus } from '../control/status.js';
import { readGpioChips, resolveHeaderLine } from '../sensors/gpio/header-lines.js';
import type { PairedDevice } from '../store/hub-state.js';
import { systemClockSynced } from '../time/clock-sync.js';
import { type CloudLink, CloudLinkError } from '../uplink/cloud-link.js';
import { HttpCloudLink } from '../uplink/http-cloud-link.js';
import { EXIT, type Output } from './output.js';

/** One finding of `hearth diagnose`. `warn` is worth knowing but does not fail the run. */
export interface Check {
  name: string;
  result: 'pass' | 'warn' | 'fail';
  detail: string;
  /** What to do about it, when it did not pass. */
  hint?: string;
}

export interface DiagnoseOptions {
  dataDir: string;
  sysfsGpio?: string;
  serialByIdDir?: string;
  /** The Pi's boot configuration, where pull-ups are set (default /boot/firmware/config.txt, else /boot/config.txt). */
  bootConfig?: string;
}

/**
 * GPIO sensors wired for a pull-up or pull-down that /boot/firmware/config.txt does not set: sysfs
 * cannot set pulls, so without the line the input floats and reports phantom motion or doors.
 */
export function missingPulls(devices: PairedDevice[], bootConfigText: string): string[] {
  const set = new Map<number, string>();
  for (const raw of bootConfigText.split('\n')) {
    const match = /^\s*gpio=([\d,-]+)=(.*)$/.exec(raw);
    if (!match) continue;
    const pull = /\bpu\b/.test(match[2]!)
      ? 'up'
      : /\bpd\b/.test(match[2]!)
        ? 'down'
        : /\bpn\b/.test(match[2]!)
          ? 'none'
          : null;
    if (!pull) continue;
    for (const part of match[1]!.split(',')) {
      const [from, to] = part.split('-').map(Number);
      for (let pin = from!; pin <= (to ?? from!); pin++) set.set(pin, pull);
    }
  }
  return devices
    .filter((d) => d.type === 'gpio' && (d.settings.pull === 'up' || d.settings.pull === 'down'))
    .filter((d) => set.get(Number(d.settings.pin)) !== d.settings.pull)
    .map((d) => `${d.id}: add "gpio=${d.settings.pin}=ip,${d.settings.pull === 'up' ? 'pu' : 'pd'}"`);
}

/** `hearth diagnose`: clock, disk, agent, GPIO, serial devices, cloud — each pass/fail with a hint. */
export async function diagnose(options: DiagnoseOptions, out: Output): Promise<number> {
  const paths = dataPaths(options.dataDir);
  const checks: Check[] = [];
  const add = (check: Check) => {
    checks.push(check);
    const mark = { pass: 'ok  ', warn: 'warn', fail: 'FAIL' }[check.result];
    out.line(`[${mark}] ${check.name.padEnd(12)} ${check.detail}`);
    if (check.hint && check.result !== 'pass') out.line(`       ${''.padEnd(12)} → ${check.hint}`);
  };

  let status: AgentStatus | null = null;
  let devices: PairedDevice[] = [];
  try {
    const client = new AgentClient(paths.socket);
    status = await client.call<AgentStatus>('GET', '/status');
    devices = (await client.call<{ devices: PairedDevice[] }>('GET', '/sensors')).devices;
    add({
      name: 'agent',
      result: 'pass',
      detail: `running (pid ${status.agent.pid}), backlog ${status.outbox.backlog}`,
    });
  } catch (error) {
    add({
      name: 'agent',
      result: 'fail',
      detail: (error as Error).message,
      hint: 'systemctl start hearth-agent; journalctl -u hearth-agent',
    });
  }

  const synced = await systemClockSynced();
  add(
    synced
      ? { name: 'clock', result: 'pass', detail: `synchronised (${new Date().toISOString()})` }
      : {
          name: 'clock',
          result: 'fail',
          detail: `not synchronised (reads ${new Date().toISOString()}); readings are flagged until it is`,
          hint: 'check the network and NTP: timedatectl timesync-status',
        },
  );

  try {
    accessSync(options.dataDir, constants.W_OK);
    const fs = statfsSync(options.dataDir);
    const free = fs.bavail * fs.bsize;
    const share = fs.bavail / fs.blocks;
    const gib = (free / 2 ** 30).toFixed(1);
    add(
      free < 512 * 2 ** 20 || share < 0.05
        ? {
            name: 'disk',
            result: 'fail',
            detail: `${gib} GiB free in ${options.dataDir}`,
            hint: 'free space or use a larger SD card / SSD',
          }
        : { name: 'disk', result: 'pass', detail: `${gib} GiB free in ${options.dataDir}` },
    );
  } catch (error) {
    add({
      name: 'disk',
      result: 'fail',
      detail: `cannot write ${options.dataDir}: ${(error as NodeJS.ErrnoException).code}`,
      hint: 'create it and give it to the hearth user',
    });
  }

  const gpioDevices = devices.filter((d) => d.type === 'gpio');
  try {
    const chips = readGpioChips(options.sysfsGpio);
    const line = resolveHeaderLine(4, chips);
    accessSync(join(options.sysfsGpio ?? '/sys/class/gpio', 'export'), constants.W_OK);
    add({
      name: 'gpio',
      result: 'pass',
      detail: `header at sysfs base ${line - 4}, export writable, ${gpioDevices.length} GPIO sensor(s)`,
    });
  } catch (error) {
    add({
      name: 'gpio',
      result: gpioDevices.length > 0 ? 'fail' : 'warn',
      detail: (error as Error).message,
      hint: 'the agent user must be in the gpio group (SupplementaryGroups=gpio)',
    });
  }

  const pulled = gpioDevices.filter((d) => d.settings.pull === 'up' || d.settings.pull === 'down');
  if (pulled.length > 0) {
    const bootConfig =
      options.bootConfig ?? ['/boot/firmware/config.txt', '/boot/config.txt'].find((p) => existsSync(p));
    const text = bootConfig && existsSync(bootConfig) ? readFileSync(bootConfig, 'utf8') : '';
    const missing = missingPulls(pulled, text);
    add(
      missing.length > 0
        ? {
            name: 'pulls',
            result: 'fail',
            detail: `not set in ${bootConfig ?? 'the boot configuration'}: ${missing.join('; ')}`,
            hint: 'add the lines, then reboot: sysfs GPIO cannot set pull-ups itself',
          }
        : { name: 'pulls', result: 'pass', detail: `set in ${bootConfig} for ${pulled.length} sensor(s)` },
    );
  }

  const byId = options.serialByIdDir ?? '/dev/serial/by-id';
  const present = existsSync(byId) ? readdirSync(byId).map((n) => join(byId, n)) : [];
  const serialDevices = devices.filter((d) => d.type === 'serial');
  const missing = serialDevices.filter((d) => !existsSync(String(d.settings.path)));
  add(
    missing.length > 0
      ? {
          name: 'serial',
          result: 'fail',
          detail: `missing: ${missing.map((d) => `${d.id} (${d.settings.path})`).join(', ')}; present: ${present.join(', ') || 'none'}`,
          hint: 'plug the microcontroller in, or re-add it with the path listed under /dev/serial/by-id',
        }
      : {
          name: 'serial',
          result: 'pass',
          detail: `${serialDevices.length} configured, present: ${present.join(', ') || 'none'}`,
        },
  );

  add(await out.task('checking the cloud', cloudCheck(paths.credentials)));

  const ok = checks.every((c) => c.result !== 'fail');
  out.result({ ok, checks });
  return ok ? EXIT.OK : EXIT.CHECK_FAILED;
}

async function cloudCheck(credentialsFile: string, link: CloudLink = new HttpCloudLink()): Promise<Check> {
  let credentials: ReturnType<typeof readCredentials>;
  try {
    credentials = readCredentials(credentialsFile);
  } catch (error) {
    return {
      name: 'cloud',
      result: 'fail',
      detail: (error as Error).message,
      hint: 'hearth pair --cloud URL --code CODE',
    };
  }
  if (!credentials)
    return {
      name: 'cloud',
      result: 'fail',
      detail: 'this hub is not paired',
      hint: 'hearth pair --cloud URL --code CODE',
    };
  const started = Date.now();
  let answer: unknown;
  try {
    answer = await link.fetchConfig(credentials, { timeoutMs: 10_000 });
  } catch (error) {
    const status = error instanceof CloudLinkError ? error.status : null;
    if (status === 401 || status === 403) {
      return {
        name: 'cloud',
        result: 'fail',
        detail: `the cloud refused this hub's key (HTTP ${status})`,
        hint: 'the hub was revoked: pair it again',
      };
    }
    if (status !== null) {
      return {
        name: 'cloud',
        result: 'fail',
        detail: `HTTP ${status} from ${credentials.cloudUrl}`,
        hint: 'the cloud may be down; the hub keeps everything until it returns',
      };
    }
    return {
      name: 'cloud',
      result: 'fail',
      detail: (error as Error).message.replace('cannot reach the cloud at', 'cannot reach'),
      hint: 'check the home network and DNS; the hub keeps everything meanwhile',
    };
  }
  const ms = Date.now() - started;
  const body = HubConfig.safeParse(answer);
  if (!body.success) {
    return {
      name: 'cloud',
      result: 'fail',
      detail: `an unexpected answer from ${credentials.cloudUrl}`,
      hint: 'is this a Hearth cloud? pair the hub again with the right URL',
    };
  }
  return { name: 'cloud', result: 'pass', detail: `reachable in ${ms} ms, home of ${body.data.seniorName}` };
}
