// The unit files are what keeps a hub running for years: systemd itself checks them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const analyze = '/usr/bin/systemd-analyze';
const units = ['systemd/hearth-agent.service', 'systemd/hearth-cloud@.service'];
const available = existsSync(analyze);
if (!available && process.env.CI === 'true') throw new Error('CI=true but systemd-analyze is missing');
if (!available)
  console.warn('\n*** systemd-analyze is not installed: the unit files are only read, not verified. ***\n');

function directives(path: string): Map<string, string> {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return new Map(entries);
}

describe('systemd units', () => {
  it.runIf(available)('pass systemd-analyze verify', async () => {
    const { stderr } = await run(analyze, ['verify', ...units]).catch((error: { stderr: string }) => ({
      stderr: error.stderr,
    }));
    // Missing users and binaries exist only on a real hub; anything else is a defect in the unit.
    const problems = stderr
      .split('\n')
      .filter((line) => line.trim() && !/Command .* is not executable|No such file|user|group/i.test(line));
    expect(problems).toEqual([]);
  });

  it('run the hub agent as a notify service with a watchdog, as an unprivileged user', () => {
    const agent = directives('systemd/hearth-agent.service');
    expect(agent.get('Type')).toBe('notify');
    expect(Number.parseInt(agent.get('WatchdogSec') ?? '0', 10)).toBeGreaterThan(0);
    expect(agent.get('User')).toBe('hearth');
    expect(agent.get('NoNewPrivileges')).toBe('yes');
    expect(agent.get('Restart')).toBe('always');
  });
});
