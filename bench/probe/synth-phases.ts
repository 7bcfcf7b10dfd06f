// Where one whole-app synth spends its time, measured inside the process. Run by the harness
// like the app itself (CDK_OUTDIR, CDK_CONTEXT_JSON set); prints one JSON line.
//   BENCH_APP=library   the sample app as bin/app.ts builds it (createSampleApp: stacks + cdk-nag gate)
//   BENCH_APP=baseline  bench/baseline/app.ts (BENCH_STYLES selects styles)
/* eslint-disable @typescript-eslint/no-require-imports */
import { performance } from 'node:perf_hooks';

const boot = performance.now(); // node start-up + tsx loader, before this module's body
const timers: Record<string, { ms: number; calls: number }> = {};
let phase = 'load';
function wrap(obj: any, name: string, key: string): void {
  const orig = obj[name];
  obj[name] = function (this: unknown, ...args: unknown[]) {
    const t = performance.now();
    try {
      return orig.apply(this, args);
    } finally {
      const k = `${key}@${phase}`;
      const e = (timers[k] ??= { ms: 0, calls: 0 });
      e.ms += performance.now() - t;
      e.calls++;
    }
  };
}

const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
wrap(cdk.FileSystem, 'fingerprint', 'fingerprint');
wrap(cdk.FileSystem, 'copyDirectory', 'copyDirectory');
wrap(cdk.CloudFormationValidatePlugin.prototype, 'validate', 'cfnValidation');
let app: import('aws-cdk-lib').App;
const which = process.env.BENCH_APP ?? 'library';
let build: () => void;
let loadNag = 0;
if (which === 'library') {
  const t = performance.now();
  const nag = require('cdk-nag') as typeof import('cdk-nag');
  loadNag = performance.now() - t;
  wrap(nag.AwsSolutionsChecks.prototype, 'validate', 'cdkNag');
  const { createSampleApp } = require('../../apps/sample-app-stacks') as typeof import('../../apps/sample-app-stacks');
  build = () => {
    app = createSampleApp().app;
  };
} else {
  const { BASELINE_STACKS, baselineStackName, STYLES } = require('../baseline/stacks') as typeof import('../baseline/stacks');
  const styles = (process.env.BENCH_STYLES ?? STYLES.join(',')).split(',').filter((s) => (STYLES as string[]).includes(s));
  build = () => {
    app = new cdk.App();
    for (const s of styles) new BASELINE_STACKS[s as keyof typeof BASELINE_STACKS](app, baselineStackName(s as any));
  };
}
const loaded = performance.now();
phase = 'construct';
build();
const constructed = performance.now();
phase = 'synth';
app!.synth();
const synthesized = performance.now();

const sum = (prefix: string, at?: string) =>
  Object.entries(timers)
    .filter(([k]) => k.startsWith(`${prefix}@`) && (at === undefined || k.endsWith(`@${at}`)))
    .reduce((a, [, v]) => ({ ms: a.ms + v.ms, calls: a.calls + v.calls }), { ms: 0, calls: 0 });
process.stdout.write(
  `${JSON.stringify({
    boot,
    load: loaded - boot,
    loadNag,
    construct: constructed - loaded,
    synth: synthesized - constructed,
    total: synthesized,
    fingerprintConstruct: sum('fingerprint', 'construct').ms,
    fingerprintSynth: sum('fingerprint', 'synth').ms,
    fingerprintCalls: sum('fingerprint').calls,
    copy: sum('copyDirectory').ms,
    cdkNag: sum('cdkNag').ms,
    cfnValidation: sum('cfnValidation').ms,
    cfnValidationCalls: sum('cfnValidation').calls,
  })}\n`,
);
