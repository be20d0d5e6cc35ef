// Runs one benchmark: `npm run bench -- NAME [args]` loads bench/NAME.ts, whose default export
// returns the figures. They are printed as one JSON object on the last line and saved under
// bench/results/NAME-<timestamp>.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Benchmark = (args: string[]) => Promise<Record<string, unknown>>;

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>; available: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}

const mod = (await import(join(here, `${name}.ts`))) as { default: Benchmark };
const figures = {
  benchmark: name,
  at: new Date().toISOString(),
  node: process.version,
  ...(await mod.default(args)),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', `${name}-${Date.now()}.json`), `${JSON.stringify(figures, null, 2)}\n`);
console.log(JSON.stringify(figures));
process.exit(0);
