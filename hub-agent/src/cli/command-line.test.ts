// What a technician sees when the command line is wrong: one line saying what, a suggestion for a
// typo, where the full usage is, and the exit code the README promises (hearth 2, hearth-agent 64).
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const bin = (name: string) => fileURLToPath(new URL(`../../bin/${name}.js`, import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };

async function run(program: 'hearth' | 'hearth-agent', args: string[]) {
  return exec(process.execPath, [bin(program), ...args], {
    env: { ...process.env, HEARTH_DATA_DIR: dataDir },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('hearth command line', () => {
  it('prints its version', async () => {
    expect(await run('hearth', ['--version'])).toMatchObject({ code: 0, stdout: `hearth ${pkg.version}\n` });
  });

  it('answers `hearth help` with the usage', async () => {
    const help = await run('hearth', ['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: hearth <command>/);
    expect(help.stdout).toContain('npx hearth');
  });

  it.each([
    [['stauts'], "hearth: unknown command 'stauts'. Did you mean 'status'?"],
    [['status', '--clod', 'x'], "hearth: unknown option '--clod'. Did you mean '--cloud'?"],
    [['status', '--frobnicate'], "hearth: unknown option '--frobnicate'."],
    [['pair', '--cloud'], 'hearth: --cloud needs a value, e.g. --cloud VALUE'],
    [['pair'], 'hearth: pair needs --cloud URL and --code CODE'],
    [['robto', 'list'], "hearth: unknown command 'robto'. Did you mean 'robot'?"],
    [['robot', 'add'], 'hearth: robot add needs a robot ID'],
    [
      ['sensors', 'add', 'door', '--type', 'gpoi', '--pin', '17'],
      "hearth: unknown sensor type 'gpoi': use gpio (wired to a header pin) or serial (a microcontroller on USB). Did you mean 'gpio'?",
    ],
    [
      ['sensors', 'add', 'door', '--type', 'gpio', '--pin', '17', '--kind', 'contcat'],
      "hearth: unknown kind 'contcat': a GPIO sensor is motion, contact, pressure, button. Did you mean 'contact'?",
    ],
  ])('%j: one clear line, a short usage and exit 2', async (args, first) => {
    const result = await run('hearth', args);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(first);
    expect(lines.at(-1)).toBe("Run 'hearth help' for every command and option.");
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(result.stderr).not.toMatch(/positional|at .*\.ts:\d+/);
  });
});

describe('hearth-agent command line', () => {
  it('prints its version', async () => {
    expect(await run('hearth-agent', ['--version'])).toMatchObject({
      code: 0,
      stdout: `hearth-agent ${pkg.version}\n`,
    });
  });

  it.each([
    [['--sim-speed', 'abc'], "hearth-agent: --sim-speed must be a positive number, got 'abc'"],
    [['--simulat'], "hearth-agent: unknown option '--simulat'"],
    [['--config'], 'hearth-agent: --config needs a value'],
    [['--mqtt-port', '70000'], "hearth-agent: --mqtt-port must be a port number (0-65535), got '70000'"],
  ])('%j is a bad command line: exit 64 with one line', async (args, first) => {
    const result = await run('hearth-agent', args);
    expect(result.code).toBe(64);
    expect(result.stderr.split('\n')[0]).toBe(first);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(2);
  });
});
