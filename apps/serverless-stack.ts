import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { FunctionService, OrchestrationOutputs } from '../constructs/serverless';
import { DEFAULT_CODE_EXCLUDE } from '../constructs/shared/source';
import type { EnvironmentSizes } from '../lib/environments';
import { AppSource } from '../lib/app';

export interface ServerlessSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
}

/** The book's serverless sample: the sample app on Lambda behind a public Function URL. */
export class ServerlessSampleStack extends Stack {
  public readonly service: FunctionService;

  constructor(scope: Construct, id: string, props: ServerlessSampleStackProps) {
    super(scope, id, props);
    this.service = new FunctionService(this, 'Service', {
      app: {
        name: 'sample-app',
        // The handler needs lambda.js and respond.js: leave the long-running server out of the asset.
        source: AppSource.fromDirectory(path.join(__dirname, 'sample-app'), { exclude: [...DEFAULT_CODE_EXCLUDE, 'server.js'] }),
        environment: { NODE_ENV: 'production' },
      },
      memorySize: props.sizes.functionMemoryMb,
      authType: lambda.FunctionUrlAuthType.NONE, // the book's public URL, chosen explicitly
      logRemovalPolicy: RemovalPolicy.DESTROY, // a sample: `cdk destroy` leaves nothing behind
    });
    // Style, Region, Url, FunctionName, AliasName, AliasArn, CodeDeployApplication and DeploymentGroup:
    // the outputs cdk-orchestrate reads.
    new OrchestrationOutputs(this, 'CliOutputs', { service: this.service });
  }
}
