// The library's sample app as bin/app.ts builds it (createSampleApp), with two knobs for the benchmark:
//   BENCH_STACK=<stack id>  build only that sample stack (the others are not constructed)
//   BENCH_GATE=false        leave the cdk-nag AwsSolutions gate out
// With neither set this is bin/app.ts (the harness runs bin/app.ts itself for the headline).
import { Stack } from 'aws-cdk-lib';
import { filterSampleStacks } from './stack-filter';

const only = process.env.BENCH_STACK;
let wantAll = false;
if (only) filterSampleStacks((id) => wantAll || id === only);
// required after the filter is installed
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSampleApp } = require('../../apps/sample-app-stacks') as typeof import('../../apps/sample-app-stacks');

const gate = process.env.BENCH_GATE !== 'false';
let app: ReturnType<typeof createSampleApp>['app'];
try {
  app = createSampleApp({ gate }).app;
} catch (e) {
  if (!only) throw e;
  // e.g. a stack that uses another one: build them all, synthesize the wanted one only
  console.error(`bench: building every sample stack (${e instanceof Error ? e.message : String(e)})`);
  wantAll = true;
  app = createSampleApp({ gate }).app;
}
if (only) {
  // A stack class the filter could not wrap (not exported from a module under apps/) was built
  // anyway: leave it out of the synth at least, and say so.
  for (const child of [...app.node.children]) {
    if (Stack.isStack(child) && child.node.id !== only) {
      if (!wantAll) console.error(`bench: ${child.node.id} was constructed although BENCH_STACK=${only} (its class is not exported under apps/)`);
      app.node.tryRemoveChild(child.node.id);
    }
  }
}
app.synth();
