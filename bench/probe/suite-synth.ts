// The cost of one synth inside the test suite: what a test file's beforeAll does (a fresh
// test app with cdk.json's context, one stack, Template.fromStack), with CDK_VALIDATION=false
// as vitest sets it. One process per side, like one vitest fork per test file:
//   BENCH_SIDE=library   the sample stacks (BENCH_STACKS: {"style": "stack id"})
//   BENCH_SIDE=baseline  bench/baseline stacks of the same styles
//   BENCH_ROUNDS=n       synths per style in this process
// Prints one JSON line: { firstMs, styles: { style: ms[] } } (firstMs: the process's first
// synth, which also pays loading aws-cdk-lib; it is not in styles).
/* eslint-disable @typescript-eslint/no-require-imports */
process.env.CDK_VALIDATION = 'false';
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
const { testApp } = require('../../test/helpers') as typeof import('../../test/helpers');

let synthOne: (style: string) => void;
if (side === 'library') {
  const { addSampleStacks } = require('../../apps/sample-app-stacks') as typeof import('../../apps/sample-app-stacks');
  synthOne = (style) => {
    wantedId = stacks[style];
    let app = testApp();
    try {
      addSampleStacks(app, 'dev');
    } catch (e) {
      if (buildAll) throw e;
      buildAll = true; // e.g. a stack that uses another one: build them all from now on
      process.stderr.write(`suite-synth: building every sample stack (${e instanceof Error ? e.message : String(e)})\n`);
      app = testApp();
      addSampleStacks(app, 'dev');
    }
    Template.fromStack(app.node.findChild(wantedId) as import('aws-cdk-lib').Stack);
  };
} else {
  const { BASELINE_STACKS, baselineStackName } = require('../baseline/stacks') as typeof import('../baseline/stacks');
  synthOne = (style) => {
    const Ctor = (BASELINE_STACKS as Record<string, any>)[style];
    Template.fromStack(new Ctor(testApp(), baselineStackName(style as any)));
  };
}
const styles = Object.keys(stacks).filter((s) => side === 'library' || s in require('../baseline/stacks').BASELINE_STACKS);
const first = styles[0];
if (first) synthOne(first);
const firstMs = performance.now() - t0;
const out: Record<string, number[]> = Object.fromEntries(styles.map((s) => [s, []]));
for (let r = 0; r < rounds; r++) {
  for (const style of styles) {
    const t = performance.now();
    synthOne(style);
    out[style].push(performance.now() - t);
  }
}
process.stdout.write(`${JSON.stringify({ firstMs, styles: out })}\n`);
