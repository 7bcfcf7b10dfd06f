// The floor: a one-resource CDK app on the same loader (tsx) and the same context.
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';

const app = new App();
new sqs.Queue(new Stack(app, 'Floor'), 'Queue');
app.synth();
