// One temp folder per test run, removed when the run ends: vitest's globalSetup runs this in the
// main process before any worker starts, and the workers inherit TMPDIR from it. test/setup.ts
// then gives each worker a folder of its own inside it and empties that folder after every test
// file, so the disk stays bounded during the run (a test file's synths, cdk8s outdirs and temp
// files live only until the file ends) and one run leaves nothing behind. `.ci/run` checks that.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Names the run's temp folder for the workers (test/setup.ts). */
export const RUN_TMP_ENV = 'CDK_ORCHESTRATION_TEST_TMP';

/** Folders in the run's temp folder that test files share for the whole run (the consumer tests' tarball). */
export const SHARED_PREFIX = 'shared-';

const TMP_VARS = ['TMPDIR', 'TMP', 'TEMP'] as const;

export default function setup(): () => void {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestration-test-'));
  const saved = Object.fromEntries(TMP_VARS.map((k) => [k, process.env[k]]));
  process.env[RUN_TMP_ENV] = run;
  for (const k of TMP_VARS) process.env[k] = run; // the workers, and anything the main process writes
  return () => {
    for (const k of TMP_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    delete process.env[RUN_TMP_ENV];
    const left = leftovers(run);
    if (left.length) process.stderr.write(`test/global-setup.ts: removing what the run left in its temp folder: ${left.join(', ')}\n`);
    fs.rmSync(run, { recursive: true, force: true });
  };
}

/** What is in the run's folder apart from the (emptied) worker folders and the shared ones. */
function leftovers(run: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(run, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith(SHARED_PREFIX)) continue;
    if (entry.isDirectory() && entry.name.startsWith('worker-')) {
      found.push(...fs.readdirSync(path.join(run, entry.name)).map((e) => `${entry.name}/${e}`));
    } else found.push(entry.name);
  }
  return found;
}
