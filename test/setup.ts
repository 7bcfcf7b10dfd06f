// Runs in every worker before each test file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, expect } from 'vitest';
import { RUN_TMP_ENV } from './global-setup';
import { normalizeSnapshotText } from './normalize';

// One place that makes snapshots machine-independent (see normalize.ts): every object or array
// snapshot is printed as normalised JSON.
expect.addSnapshotSerializer({
  test: (val: unknown) => val !== null && typeof val === 'object' && (Array.isArray(val) || Object.getPrototypeOf(val) === Object.prototype),
  serialize: (val: unknown) => normalizeSnapshotText(JSON.stringify(val, null, 2)),
});

// "Today" for the container style's Kubernetes support check (constructs/container/kubernetes-version.ts):
// pinned, so no test turns red because a version left EKS support on the calendar. Tests of the check set
// their own date through the `cdk-orchestration:today` context.
process.env.CDK_ORCHESTRATION_TODAY ??= '2026-11-29';

// A temp folder per worker process inside the run's (test/global-setup.ts), emptied after each
// test file: whatever a file's tests put in os.tmpdir() (aws-cdk-lib's `cdk.out*` outdirs, cdk8s
// Testing.app() outdirs, mkdtemp folders, the tsx cache of processes they spawn) is gone when the
// file ends, without removing what a file running in another worker still uses. Set before any
// test module loads, so aws-cdk-lib (which caches its temp folder at first use, and whose module
// cache the files of a worker share: isolate is off) uses this folder for the worker's lifetime.
const run = process.env[RUN_TMP_ENV];
if (run) {
  const workerTmp = path.join(run, `worker-${process.pid}`);
  fs.mkdirSync(workerTmp, { recursive: true });
  for (const k of ['TMPDIR', 'TMP', 'TEMP']) process.env[k] = workerTmp;
  afterAll(() => {
    for (const entry of fs.readdirSync(workerTmp)) fs.rmSync(path.join(workerTmp, entry), { recursive: true, force: true });
  });
}
