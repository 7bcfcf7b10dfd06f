// `npm run bench`: runs the harness (bench/run.ts, through tsx) with a temp folder of its own
// (TMPDIR, TMP, TEMP) and removes that folder when the harness ends, however it ends. Everything
// the benchmark writes there goes with it: the cloud assemblies of the timed synths, the `npm test`
// it measures, and the tsx compile cache of every process it starts, this harness's own included
// (which is why this launcher is plain JavaScript: the harness's loader writes its cache before
// any line of run.ts could choose where). Exits with the harness's exit code.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestration-bench-'));
const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'run.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
});
// Ctrl-C reaches the harness too (same process group): wait for it to stop, then clean up.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exitCode = code ?? (signal ? 1 : 0);
});
