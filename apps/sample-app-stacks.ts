import { App, Validations } from 'aws-cdk-lib';
import { type EnvironmentName, ENVIRONMENT_SIZES, environmentName, sampleStackName } from '../lib/environments';
import { ContainerSampleStack } from './container-stack';
import { ServerSampleStack } from './server-stack';
import { ServerlessSampleStack } from './serverless-stack';
import { VmSampleStack } from './vm-stack';

/** Adds one sample stack per style for an environment. */
export function addSampleStacks(app: App, env: EnvironmentName) {
  const sizes = ENVIRONMENT_SIZES[env];
  const description = (style: string) => `cdk-orchestration sample: the ${style} style (${env})`;
  return {
    server: new ServerSampleStack(app, sampleStackName('Server', env), { sizes, description: description('server') }),
    vm: new VmSampleStack(app, sampleStackName('Vm', env), { sizes, description: description('vm') }),
    container: new ContainerSampleStack(app, sampleStackName('Container', env), { sizes, description: description('container') }),
    serverless: new ServerlessSampleStack(app, sampleStackName('Serverless', env), { sizes, description: description('serverless') }),
  };
}

export interface SampleAppOptions {
  /** Context for the App (feature flags, `env`). @default - none besides what the CDK CLI passes */
  readonly context?: Record<string, unknown>;
  /** Where the cloud assembly goes. @default - the CDK default (cdk.out, or CDK_OUTDIR) */
  readonly outdir?: string;
  /** Register the cdk-nag AwsSolutions pack (the security gate) over the whole app. @default true */
  readonly gate?: boolean;
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation in this app's synth. It costs ~4 s per
   * process (mostly starting its engine), so the sample app leaves it to test/gate.test.ts,
   * which runs it once over every sample stack (see BENCHMARKS.md).
   * @default - only when CDK_VALIDATION=true (`CDK_VALIDATION=true npx cdk synth`)
   */
  readonly validation?: boolean;
}

/** The sample app exactly as `cdk synth` builds it: every style's stack, and the security gate. */
export function createSampleApp(options: SampleAppOptions = {}): { app: App; stacks: ReturnType<typeof addSampleStacks> } {
  const app = new App({
    context: options.context,
    outdir: options.outdir,
    builtinCloudFormationValidation: options.validation ?? process.env.CDK_VALIDATION === 'true',
  });
  const stacks = addSampleStacks(app, environmentName(app.node.tryGetContext('env')));
  if (options.gate ?? true) {
    // Loaded only when the gate runs: importing cdk-nag costs about 0.2 s (BENCHMARKS.md).
    const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stacks };
}
