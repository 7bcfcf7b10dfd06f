// The cost of one synth inside the test suite: what a test file's beforeAll does (a fresh
// test app with the suite's context, i.e. cdk.json's plus no asset staging; one stack;
// Template.fromStack), with CDK_VALIDATION=false as vitest sets it. One process per side, like
// one vitest fork per test file:
//   BENCH_SIDE=library   the sample stacks (BENCH_STACKS: {"style": "stack id"})
//   BENCH_SIDE=baseline  bench/baseline stacks of the same styles
//   BENCH_ROUNDS=n       synths per style in this process
// Prints one JSON line: { firstMs, styles: { style: ms[] } } (firstMs: the process's first
// synth, which also pays loading aws-cdk-lib; it is not in styles). Each synth's output folder is
// removed after it is timed (vitest's test/setup.ts does that per test file).
/* eslint-disable @typescript-eslint/no-require-imports */
process.env.CDK_VALIDATION = 'false';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { filterSampleStacks } from '../apps/stack-filter';

const side = process.env.BENCH_SIDE ?? 'library';
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const stacks = JSON.parse(process.env.BENCH_STACKS ?? '{}') as Record<string, string>;

let wantedId = '';
let buildAll = false; // set if the sample app cannot be built with stacks left out
if (side === 'library') filterSampleStacks((id) => buildAll || id === wantedId);
const t0 = performance.now();
const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
// test/support.ts, not test/helpers.ts: the helpers the tests share that load without vitest.
const { testApp } = require('../../test/support') as typeof import('../../test/support');

/** Every test app's output folder, removed after its synth is timed. */
const outdirs: string[] = [];
function app(): import('aws-cdk-lib').App {
  const a = testApp();
  outdirs.push(a.outdir);
  return a;
}
function removeOutdirs(): void {
  for (const d of outdirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

let synthOne: (style: string) => void;
if (side === 'library') {
  const { addSampleStacks } = require('../../apps/sample-app-stacks') as typeof import('../../apps/sample-app-stacks');
  synthOne = (style) => {
    wantedId = stacks[style];
    let a = app();
    try {
      addSampleStacks(a, 'dev');
    } catch (e) {
      if (buildAll) throw e;
      buildAll = true; // e.g. a stack that uses another one: build them all from now on
      process.stderr.write(`suite-synth: building every sample stack (${e instanceof Error ? e.message : String(e)})\n`);
      a = app();
      addSampleStacks(a, 'dev');
    }
    Template.fromStack(a.node.findChild(wantedId) as import('aws-cdk-lib').Stack);
  };
} else {
  const { BASELINE_STACKS, baselineStackName } = require('../baseline/stacks') as typeof import('../baseline/stacks');
  synthOne = (style) => {
    const Ctor = (BASELINE_STACKS as Record<string, any>)[style];
    Template.fromStack(new Ctor(app(), baselineStackName(style as any)));
  };
}
const styles = Object.keys(stacks).filter((s) => side === 'library' || s in require('../baseline/stacks').BASELINE_STACKS);
const first = styles[0];
if (first) synthOne(first);
const firstMs = performance.now() - t0;
removeOutdirs();
const out: Record<string, number[]> = Object.fromEntries(styles.map((s) => [s, []]));
for (let r = 0; r < rounds; r++) {
  for (const style of styles) {
    const t = performance.now();
    synthOne(style);
    out[style].push(performance.now() - t);
    removeOutdirs();
  }
}
process.stdout.write(`${JSON.stringify({ firstMs, styles: out })}\n`);
