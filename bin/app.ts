// The CDK app: one sample stack per style, checked by the cdk-nag AwsSolutions pack (the
// security gate: synth fails on any unacknowledged finding). `npx cdk synth` needs no AWS
// account; `-c env=dev|stage|prod` picks the environment (default dev).
import { createSampleApp } from '../apps/sample-app-stacks';

createSampleApp().app.synth();
