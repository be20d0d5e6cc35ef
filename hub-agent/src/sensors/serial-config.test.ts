import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createSerialSource, listSerialDeviceLinks } from './serial-config.js';
import { SerialSourceConfigError } from './serial-source.js';

describe('serial node settings', () => {
  it('builds a source named after its device, with defaults for everything else', () => {
    const source = createSerialSource({ path: '/dev/serial/by-id/usb-node-1' }, { clock: new FakeClock() });
    expect(source.name).toBe('serial:/dev/serial/by-id/usb-node-1');
    expect(source.status()).toMatchObject({ connected: false, node: null, reconnects: 0 });
  });

  it('names the place, the setting and the problem when settings are wrong', () => {
    const attempt = (settings: unknown) => () =>
      createSerialSource(settings, { clock: new FakeClock() }, 'serial[1]');
    expect(attempt({ path: 'ttyUSB0' })).toThrow(SerialSourceConfigError);
    expect(attempt({ path: 'ttyUSB0' })).toThrow(/serial\[1\].*path.*absolute device path/);
    expect(attempt({ path: '/dev/ttyUSB0', baudRate: -9600 })).toThrow(/baudRate/);
    expect(attempt({ path: '/dev/ttyUSB0', buadRate: 9600 })).toThrow(/buadRate/);
    expect(attempt(undefined)).toThrow(/serial\[1\]/);
  });
});

describe('listSerialDeviceLinks', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('lists by-id links with the device each points at, sorted', () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-by-id-'));
    const byId = join(dir, 'serial', 'by-id');
    mkdirSync(byId, { recursive: true });
    symlinkSync('../../ttyACM0', join(byId, 'usb-Arduino_Uno_85739-if00'));
    symlinkSync('../../ttyUSB0', join(byId, 'usb-FTDI_FT232R_A10K-if00-port0'));
    expect(listSerialDeviceLinks(byId)).toEqual([
      { path: join(byId, 'usb-Arduino_Uno_85739-if00'), device: join(dir, 'ttyACM0') },
      { path: join(byId, 'usb-FTDI_FT232R_A10K-if00-port0'), device: join(dir, 'ttyUSB0') },
    ]);
  });

  it('answers an empty list when the kernel has no by-id directory', () => {
    expect(listSerialDeviceLinks('/nonexistent/serial/by-id')).toEqual([]);
  });
});
