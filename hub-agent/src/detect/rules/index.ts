import { awayRule } from './away.js';
import { bathroomRule } from './bathroom.js';
import { devicesRule } from './devices.js';
import { inactivityRule } from './inactivity.js';
import { nightDoorRule } from './night-door.js';
import { pendantRule } from './pendant.js';
import type { Rule } from './rule.js';
import { temperatureRule } from './temperature.js';
import { wakeRule } from './wake.js';

/** Every hard rule, in the order their alerts are reported. */
export const allRules: readonly Rule[] = [
  pendantRule,
  bathroomRule,
  nightDoorRule,
  inactivityRule,
  awayRule,
  wakeRule,
  temperatureRule,
  devicesRule,
];
