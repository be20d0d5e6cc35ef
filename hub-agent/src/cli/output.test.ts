import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError, Output } from './output.js';

function capture(json: boolean, tty: boolean) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: tty });
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  err.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return { output: new Output(json, out, err), text: () => ({ stdout, stderr }) };
}

describe('CLI output', () => {
  it('shows a spinner on a terminal and marks the task done or failed', async () => {
    const { output, text } = capture(false, true);
    await output.task('claiming', new Promise((r) => setTimeout(() => r(1), 200)));
    await expect(output.task('checking', Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(text().stderr).toMatch(/⠋ claiming/);
    expect(text().stderr).toMatch(/✓ claiming\n/);
    expect(text().stderr).toMatch(/✗ checking\n/);
  });

  it('keeps stdout to one JSON document with --json, errors included', async () => {
    const { output, text } = capture(true, true);
    output.line('for people');
    await output.task('quiet', Promise.resolve());
    output.failure(new CliError('the cloud refused', 5, 'CLOUD_REFUSED'));
    expect(JSON.parse(text().stdout)).toEqual({
      error: { code: 'CLOUD_REFUSED', message: 'the cloud refused' },
    });
    expect(text().stderr).toBe('');
  });
});
