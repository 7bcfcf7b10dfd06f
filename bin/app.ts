// The CDK app: one sample stack per style, checked by the cdk-nag AwsSolutions pack.
// `npx cdk synth` (no AWS account needed), `-c env=dev|stage|prod` (default dev).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addSampleStacks } from '../apps/sample-app-stacks';
import { environmentName } from '../lib/environments';

const app = new App();
addSampleStacks(app, environmentName(app.node.tryGetContext('env')));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
