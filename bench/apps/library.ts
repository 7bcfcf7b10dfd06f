// The library's sample app as bin/app.ts builds it, with two knobs for the benchmark:
//   BENCH_STACK=<stack id>  build only that sample stack (others are not constructed)
//   BENCH_GATE=false        leave the cdk-nag AwsSolutions gate out
// With neither set this is bin/app.ts (the harness runs bin/app.ts itself for the headline).
import { App, Validations } from 'aws-cdk-lib';
import { filterSampleStacks } from './stack-filter';

const only = process.env.BENCH_STACK;
if (only) filterSampleStacks((id) => id === only);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { addSampleStacks } = require('../../apps/sample-app-stacks') as typeof import('../../apps/sample-app-stacks');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { environmentName } = require('../../lib/environments') as typeof import('../../lib/environments');

const app = new App();
addSampleStacks(app, environmentName(app.node.tryGetContext('env')));
if (process.env.BENCH_GATE !== 'false') {
  // loaded only with the gate, so that "no gate" leaves out loading cdk-nag too
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
app.synth();
