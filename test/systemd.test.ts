// The unit files are what keeps a hub running for years: systemd itself checks them, in a
// directory tree laid out as on a hub (so the programs they start exist), with no message
// filtered out, and their exposure to a compromised process is held at 2.0 or lower.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const analyze = '/usr/bin/systemd-analyze';
const units = ['hearth-agent.service', 'hearth-cloud@.service', 'hearth-update.service'];
const hubUnits = [...units, 'hearth-update.path'];
const maxExposure = 2.0;
const available = existsSync(analyze);
if (!available && process.env.CI === 'true') throw new Error('CI=true but systemd-analyze is missing');
if (!available)
  console.warn('\n*** systemd-analyze is not installed: the unit files are only read, not verified. ***\n');

function directives(path: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}
const one = (units: Map<string, string[]>, key: string) => units.get(key)?.at(-1);

/** A root with the units installed, the programs they start, and the system's targets. */
function hubTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'hearth-units-'));
  const systemUnits = '/usr/lib/systemd/system';
  mkdirSync(join(root, systemUnits), { recursive: true });
  for (const file of readdirSync(systemUnits).filter((f) => /\.(target|slice)$/.test(f)))
    copyFileSync(join(systemUnits, file), join(root, systemUnits, file));
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  for (const unit of hubUnits) copyFileSync(join('systemd', unit), join(root, 'etc/systemd/system', unit));
  for (const program of [
    'opt/hearth/current/bin/node',
    'opt/hearth/current/install-hub.sh',
    'usr/bin/node',
  ]) {
    mkdirSync(join(root, program, '..'), { recursive: true });
    copyFileSync('/bin/true', join(root, program));
  }
  return root;
}

describe.runIf(available)('systemd units, checked by systemd', () => {
  const root = available ? hubTree() : '';
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('pass systemd-analyze verify without a single message', async () => {
    const result = await run(analyze, [
      'verify',
      `--root=${root}`,
      '/etc/systemd/system/hearth-agent.service',
      '/etc/systemd/system/hearth-cloud@8080.service',
      '/etc/systemd/system/hearth-update.service',
      '/etc/systemd/system/hearth-update.path',
    ]).catch((error: { stdout: string; stderr: string; code: number }) => error);
    expect({ stdout: result.stdout, stderr: result.stderr }).toEqual({ stdout: '', stderr: '' });
  });

  it.each([
    ['hearth-agent.service', 'systemd/hearth-agent.service'],
    ['hearth-cloud@.service', 'systemd/hearth-cloud@.service'],
    ['hearth-update.service', 'systemd/hearth-update.service'],
  ])(`keep %s at an exposure of ${maxExposure} or lower`, async (name, path) => {
    const result = await run(analyze, [
      'security',
      '--offline=yes',
      `--threshold=${Math.round(maxExposure * 10)}`,
      '--no-pager',
      path,
    ]).catch((error: { stdout: string; stderr: string; code: number }) => error);
    const score = /Overall exposure level for .*: (\d+\.\d+)/.exec(result.stdout)?.[1];
    console.log(`${name}: exposure ${score} (at most ${maxExposure})`);
    expect(Number(score)).toBeLessThanOrEqual(maxExposure);
    expect((result as { code?: number }).code ?? 0).toBe(0);
  });
});

describe('systemd units, as written', () => {
  const agent = directives('systemd/hearth-agent.service');

  it('run the hub agent as a notify service with a watchdog, as an unprivileged user', () => {
    expect(one(agent, 'Type')).toBe('notify');
    expect(Number.parseInt(one(agent, 'WatchdogSec') ?? '0', 10)).toBeGreaterThan(0);
    expect(one(agent, 'User')).toBe('hearth');
    expect(one(agent, 'NoNewPrivileges')).toBe('yes');
    expect(one(agent, 'Restart')).toBe('always');
  });

  it('give the agent exactly the groups the installer creates, and run the bundled release', () => {
    const installer = readFileSync('scripts/install-hub.sh', 'utf8');
    const created = /for group in ([a-z ]+); do/.exec(installer)?.[1]?.split(' ');
    expect(one(agent, 'SupplementaryGroups')?.split(' ').sort()).toEqual(created?.sort());
    expect(one(agent, 'ExecStart')).toMatch(
      /^\/opt\/hearth\/current\/bin\/node (--[a-z-]+=\S+ )*\/opt\/hearth\/current\/dist\/hearth-agent\.mjs /,
    );
  });

  it('install a release the agent verified with a privileged one-shot the agent cannot run itself', () => {
    const update = directives('systemd/hearth-update.service');
    const path = directives('systemd/hearth-update.path');
    expect(one(update, 'Type')).toBe('oneshot');
    expect(one(update, 'User')).toBeUndefined();
    expect(one(update, 'ExecStart')).toBe(
      '/opt/hearth/current/install-hub.sh --spool /var/lib/hearth/ota/ready',
    );
    expect(one(path, 'PathExists')).toBe('/var/lib/hearth/ota/ready/install.request');
    expect(one(path, 'Unit')).toBe('hearth-update.service');
    // The agent writes the hand-off directory; only root may change what the installer runs.
    expect(one(agent, 'ReadWritePaths')?.split(' ')).not.toContain('/opt/hearth');
  });

  it('say why the JIT rules out MemoryDenyWriteExecute', () => {
    for (const unit of units) {
      const text = readFileSync(join('systemd', unit), 'utf8');
      expect(text).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
      expect(text).toMatch(/#[^\n]*MemoryDenyWriteExecute=yes(?:[^\n]|\n#)*?JIT/);
    }
  });
});
