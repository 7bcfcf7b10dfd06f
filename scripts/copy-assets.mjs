// Copies the non-TypeScript files that constructs read at synth time (anything under an
// `assets/` folder beside a construct) into dist/, next to the compiled module that reads them.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    if (name === 'assets') cpSync(p, join('dist', p), { recursive: true });
    else walk(p);
  }
}
for (const top of ['constructs', 'lib']) if (existsSync(top)) walk(top);
