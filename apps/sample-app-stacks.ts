import type { App } from 'aws-cdk-lib';
import { type EnvironmentName, ENVIRONMENT_SIZES, sampleStackName } from '../lib/environments';
import { ContainerSampleStack } from './container-stack';
import { ServerlessSampleStack } from './serverless-stack';

/** Adds one sample stack per style for an environment. */
export function addSampleStacks(app: App, env: EnvironmentName) {
  const sizes = ENVIRONMENT_SIZES[env];
  const description = (style: string) => `cdk-orchestration sample: the ${style} style (${env})`;
  return {
    container: new ContainerSampleStack(app, sampleStackName('Container', env), { sizes, description: description('container') }),
    serverless: new ServerlessSampleStack(app, sampleStackName('Serverless', env), { sizes, description: description('serverless') }),
  };
}
