#!/usr/bin/env node
// Runs the TypeScript sources through tsx; production hubs and servers run the esbuild bundle instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/robot/sim/main.ts');
