// The hand-written four-style baseline app (see stacks.ts), run like any CDK app:
//   npx cdk synth --app "node --import tsx bench/baseline/app.ts"
// BENCH_STYLES=server,vm limits it to some styles (the harness matches the styles the
// library's sample app has); BENCH_VALIDATION=false turns aws-cdk-lib's built-in validation off.
import { App } from 'aws-cdk-lib';
import { BASELINE_STACKS, baselineStackName, STYLES, type Style } from './stacks';

const wanted = (process.env.BENCH_STYLES ?? STYLES.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Style => (STYLES as string[]).includes(s));
const app = new App();
for (const style of wanted) new BASELINE_STACKS[style](app, baselineStackName(style));
app.synth();
