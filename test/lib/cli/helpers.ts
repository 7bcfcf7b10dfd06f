import * as autoScaling from '@aws-sdk/client-auto-scaling';
import * as codeDeploy from '@aws-sdk/client-codedeploy';
import * as ec2 from '@aws-sdk/client-ec2';
import * as eks from '@aws-sdk/client-eks';
import * as lambda from '@aws-sdk/client-lambda';
import * as ssm from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClients, type AwsContext, type AwsSdk } from '../../../lib/cli/aws';
import type { StackInfo } from '../../../lib/cli/outputs';
import { afterAll, beforeEach } from 'vitest';

export const REGION = 'eu-west-1';

/** The SDK modules the tests import themselves: the ones `loadAwsSdk` loads in the CLI. */
export const SDK: AwsSdk = { autoScaling, codeDeploy, ec2, eks, lambda, ssm };

/** An error shaped like the SDK's service exceptions. */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

/** Real SDK clients (their transport mocked by aws-sdk-client-mock) and instant, recorded retries. */
export function context(sleeps: number[] = []): AwsContext {
  return {
    sdk: SDK,
    clients: createClients(REGION, SDK),
    region: REGION,
    retry: { attempts: 4, baseDelayMs: 100, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
  };
}

export const SERVER: Extract<StackInfo, { style: 'server' }> = {
  style: 'server',
  stack: 'SampleServer-dev',
  region: REGION,
  url: 'http://1.2.3.4/',
  instanceIds: ['i-1', 'i-2'],
  associationId: 'assoc-1',
};
export const VM: Extract<StackInfo, { style: 'vm' }> = {
  style: 'vm',
  stack: 'SampleVm-dev',
  region: REGION,
  url: 'http://alb.example.com/',
  autoScalingGroupName: 'asg-1',
};
export const SERVERLESS: Extract<StackInfo, { style: 'serverless' }> = {
  style: 'serverless',
  stack: 'SampleServerless-dev',
  region: REGION,
  url: 'https://abc.lambda-url.eu-west-1.on.aws/',
  functionName: 'fn-1',
  aliasName: 'live',
  aliasArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn-1:live',
  application: 'app-1',
  deploymentGroup: 'dg-1',
};
export const CONTAINER: Extract<StackInfo, { style: 'container' }> = {
  style: 'container',
  stack: 'SampleContainer-dev',
  region: REGION,
  clusterName: 'cluster-1',
  nodegroupName: 'ng-1',
  namespace: 'sample',
  deploymentName: 'sample-app',
  repositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample',
  configureKubectlCommand: 'aws eks update-kubeconfig --name cluster-1 --region eu-west-1',
};

/** The outputs file `cdk deploy --outputs-file` would write for the four sample stacks. */
export const OUTPUTS = {
  'SampleServer-dev': { Style: 'server', NginxUrl: 'http://1.2.3.4/', InstanceIds: 'i-1, i-2', AssociationId: 'assoc-1', Region: REGION },
  'SampleVm-dev': { Style: 'vm', AlbUrl: 'http://alb.example.com/', AutoScalingGroupName: 'asg-1', Region: REGION },
  'SampleServerless-dev': {
    Style: 'serverless',
    Url: SERVERLESS.url,
    FunctionName: 'fn-1',
    AliasName: 'live',
    AliasArn: SERVERLESS.aliasArn,
    CodeDeployApplication: 'app-1',
    DeploymentGroup: 'dg-1',
    Region: REGION,
  },
  'SampleContainer-dev': {
    Style: 'container',
    ClusterName: 'cluster-1',
    NodegroupName: 'ng-1',
    Namespace: 'sample',
    DeploymentName: 'sample-app',
    RepositoryUri: CONTAINER.repositoryUri,
    Region: REGION,
    ConfigureKubectlCommand: CONTAINER.configureKubectlCommand,
  },
};

/** Writes text to a new temporary file and returns its path. */
export function tempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestrate-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/**
 * Mocks every AWS SDK client the CLI uses (real clients, mocked transport), resets them before
 * each test and restores them after the file. Call once at the top of a test file.
 */
export function mockAwsClients() {
  const clients = {
    asg: mockClient(autoScaling.AutoScalingClient),
    codeDeploy: mockClient(codeDeploy.CodeDeployClient),
    ec2: mockClient(ec2.EC2Client),
    eks: mockClient(eks.EKSClient),
    lambda: mockClient(lambda.LambdaClient),
    ssm: mockClient(ssm.SSMClient),
  };
  beforeEach(() => Object.values(clients).forEach((m) => m.reset()));
  afterAll(() => Object.values(clients).forEach((m) => m.restore()));
  return clients;
}
