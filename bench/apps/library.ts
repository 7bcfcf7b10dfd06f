// The library's sample app as bin/app.ts builds it (createSampleApp), with two knobs for the benchmark:
//   BENCH_STACK=<stack id>  build only that sample stack (the others are not constructed)
//   BENCH_GATE=false        leave the cdk-nag AwsSolutions gate out
// With neither set this is bin/app.ts (the harness runs bin/app.ts itself for the headline).
import { filterSampleStacks } from './stack-filter';

const only = process.env.BENCH_STACK;
if (only) filterSampleStacks((id) => id === only);
// required after the filter is installed
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSampleApp } = require('../../apps/sample-app-stacks') as typeof import('../../apps/sample-app-stacks');

createSampleApp({ gate: process.env.BENCH_GATE !== 'false' }).app.synth();
