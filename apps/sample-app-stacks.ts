import type { App } from 'aws-cdk-lib';
import { type EnvironmentName, ENVIRONMENT_SIZES, sampleStackName } from '../lib/environments';
import { ServerSampleStack } from './server-stack';
import { ServerlessSampleStack } from './serverless-stack';

/** Adds one sample stack per style for an environment. */
export function addSampleStacks(app: App, env: EnvironmentName) {
  const sizes = ENVIRONMENT_SIZES[env];
  const description = (style: string) => `cdk-orchestration sample: the ${style} style (${env})`;
  return {
    server: new ServerSampleStack(app, sampleStackName('Server', env), { sizes, description: description('server') }),
    serverless: new ServerlessSampleStack(app, sampleStackName('Serverless', env), { sizes, description: description('serverless') }),
  };
}
