import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildNodeSimulator,
  firmwareHostDir,
  firmwareIncludeDir,
  firmwareSources,
} from '../src/node-simulator.js';
import { renderVectorsHeader } from './c-vectors.js';
import { hostTool } from './host-tools.js';
import { vectors } from './vectors.js';

const firmware = fileURLToPath(new URL('../firmware/', import.meta.url));
const cc = hostTool('cc', 'apt-get install gcc');
const protocolSources = ['hearth_cobs.c', 'hearth_crc.c', 'hearth_frame.c'].map((f) =>
  join(firmware, 'src', f),
);
const strict = ['-std=c99', '-Wall', '-Wextra', '-Wpedantic', '-Werror', '-O1'];

describe.skipIf(!cc.available)(
  `C firmware protocol code on the host${cc.available ? '' : ` (skipped: ${cc.reason})`}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-vectors-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('agrees with every shared vector', () => {
      writeFileSync(join(dir, 'vectors.h'), renderVectorsHeader(vectors));
      const exe = join(dir, 'vector_test');
      const build = spawnSync(
        'cc',
        [
          ...strict,
          '-I',
          dir,
          '-I',
          join(firmware, 'src'),
          join(firmware, 'host', 'vector_test.c'),
          ...protocolSources,
          '-o',
          exe,
        ],
        { encoding: 'utf8' },
      );
      expect(build.stderr + build.stdout).toBe('');
      expect(build.status).toBe(0);
      const run = spawnSync(exe, { encoding: 'utf8' });
      const total = vectors.crc.length + vectors.cobs.length + vectors.valid.length + vectors.invalid.length;
      expect(run.stdout).toContain(`${total} vectors checked, 0 failed`);
      expect(run.status).toBe(0);
    });

    it('passes the node session tests (hello first, resends, queue limits, sync, heartbeats)', () => {
      const exe = join(dir, 'node_test');
      const build = spawnSync(
        'cc',
        [
          ...strict,
          '-I',
          firmwareIncludeDir,
          join(firmwareHostDir, 'node_test.c'),
          ...firmwareSources,
          '-o',
          exe,
        ],
        { encoding: 'utf8' },
      );
      expect(build.stderr + build.stdout).toBe('');
      const run = spawnSync(exe, { encoding: 'utf8' });
      expect(run.stdout).toContain('node tests: 0 failed');
      expect(run.status).toBe(0);
    });

    it('builds the node simulator without warnings and it explains its usage', () => {
      const exe = buildNodeSimulator(dir);
      const run = spawnSync(exe, [], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/usage: .* --port PATH/);
    });
  },
);
