import { pendantRule } from './pendant.js';
import type { Rule } from './rule.js';

/** Every hard rule, in the order their alerts are reported. */
export const allRules: readonly Rule[] = [pendantRule];
