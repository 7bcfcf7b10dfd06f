import type { App } from 'aws-cdk-lib';
import { type EnvironmentName, ENVIRONMENT_SIZES, sampleStackName } from '../lib/environments';
import { ServerlessSampleStack } from './serverless-stack';
import { VmSampleStack } from './vm-stack';

/** Adds one sample stack per style for an environment. */
export function addSampleStacks(app: App, env: EnvironmentName) {
  const sizes = ENVIRONMENT_SIZES[env];
  const description = (style: string) => `cdk-orchestration sample: the ${style} style (${env})`;
  return {
    serverless: new ServerlessSampleStack(app, sampleStackName('Serverless', env), { sizes, description: description('serverless') }),
    vm: new VmSampleStack(app, sampleStackName('Vm', env), { sizes, description: description('vm') }),
  };
}
