import { describe, expect, it } from 'vitest';
import type { PairedDevice } from '../store/hub-state.js';
import { missingPulls } from './diagnose.js';

const gpio = (id: string, pin: number, pull: string): PairedDevice => ({
  id,
  type: 'gpio',
  settings: { pin, kind: 'contact', pull },
  addedAt: 0,
});

describe('pull-up check', () => {
  it('names each sensor whose pull the boot configuration does not set, with the line to add', () => {
    const config = ['# hearth', 'gpio=17=ip,pu', 'gpio=22-23=ip,pd', 'gpio=5=op,dh', 'dtparam=audio=on'].join(
      '\n',
    );
    const devices = [
      gpio('door-front', 17, 'up'),
      gpio('mat-bed', 23, 'down'),
      gpio('door-back', 27, 'up'),
      gpio('pir-hall', 5, 'down'),
      gpio('floating-ok', 6, 'none'),
    ];
    expect(missingPulls(devices, config)).toEqual([
      'door-back: add "gpio=27=ip,pu"',
      'pir-hall: add "gpio=5=ip,pd"',
    ]);
  });
});
