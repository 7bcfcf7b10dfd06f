// `cdk-orchestrate status` on a user's own stack, the whole way: a stack of the user's (a service and
// OrchestrationOutputs, nothing from the samples) is synthesized, its outputs are resolved the way CloudFormation
// would (made-up physical ids) into the file `cdk deploy --outputs-file` writes, and the CLI reads that file and
// calls AWS (aws-sdk-client-mock answers only calls for those resources) and prints the status.
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentCommand, GetDeploymentGroupCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, GetFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../bin/cli';
import { FunctionService, OrchestrationOutputs, VmImage, VmService } from '../../../index';
import { AppSource } from '../../../lib/app';
import { CDK_CONTEXT, SAMPLE_APP_DIR } from '../../helpers';
import { mockAwsClients, REGION, tempFile } from './helpers';

const { asg, lambda, codeDeploy } = mockAwsClients();

/** A user's stack: one service of the style asked for, and the outputs the CLI reads. */
class OrdersStack extends Stack {
  constructor(scope: Construct, id: string, style: 'serverless' | 'vm', props?: StackProps) {
    super(scope, id, props);
    const app = { name: 'orders', source: AppSource.fromDirectory(SAMPLE_APP_DIR) };
    const service =
      style === 'serverless'
        ? new FunctionService(this, 'Orders', { app })
        : new VmService(this, 'Orders', { app, image: VmImage.fromAmiId('ami-0123456789abcdef0') });
    new OrchestrationOutputs(this, 'CliOutputs', { service });
  }
}

/** A physical id CloudFormation could have given a resource. */
const physical = (logicalId: string) => `${logicalId.toLowerCase()}-8f3a`;

/** Resolves an output value as CloudFormation would: Ref, Fn::GetAtt, Fn::Join and Fn::Select, with made-up ids. */
function resolveValue(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if ('Ref' in v) return v.Ref === 'AWS::Region' ? REGION : v.Ref === 'AWS::URLSuffix' ? 'amazonaws.com' : physical(v.Ref);
  if ('Fn::GetAtt' in v) return `${physical(v['Fn::GetAtt'][0])}.${String(v['Fn::GetAtt'][1]).toLowerCase()}.example`;
  if ('Fn::Join' in v) return (v['Fn::Join'][1] as unknown[]).map(resolveValue).join(v['Fn::Join'][0]);
  if ('Fn::Select' in v) return resolveValue(v['Fn::Select'][1])[v['Fn::Select'][0]];
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** Synthesizes the stack and writes the outputs file `cdk deploy --outputs-file` would write for it. */
function deploy(stack: Stack): { file: string; outputs: Record<string, string>; template: Template } {
  const template = Template.fromStack(stack);
  const outputs = Object.fromEntries(Object.entries(template.toJSON().Outputs as Record<string, { Value: unknown }>).map(([k, o]) => [k, resolveValue(o.Value)]));
  const file = tempFile('cdk-outputs.json', JSON.stringify({ [stack.stackName]: outputs }, null, 2));
  files.push(file);
  return { file, outputs, template };
}
const files: string[] = [];
afterAll(() => files.forEach((f) => fs.rmSync(path.dirname(f), { recursive: true, force: true })));

async function status(stack: string, file: string, json = false) {
  let stdout = '';
  let stderr = '';
  const code = await run(['status', stack, '--outputs', file, ...(json ? ['--json'] : [])], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
    kubectl: null,
    retry: { sleep: async () => {} },
  });
  return { code, stdout, stderr };
}

/** A fresh app per stack (each test synthesizes its own). */
const newApp = () => new App({ context: CDK_CONTEXT });

describe('status on a stack of your own with OrchestrationOutputs', () => {
  it('serverless: from the FunctionService outputs to the alias, canary weights and deployment printed', async () => {
    const stack = new OrdersStack(newApp(), 'Orders-prod', 'serverless', { env: { account: '123456789012', region: REGION } });
    const { file, outputs, template } = deploy(stack);
    const functionLogicalId = Object.keys(template.findResources('AWS::Lambda::Function'))[0];
    // The outputs file holds the names of this stack's own resources.
    expect(outputs).toMatchObject({ Style: 'serverless', Region: REGION, FunctionName: physical(functionLogicalId), AliasName: 'live' });
    // AWS answers only for those resources: any other name gets the mock's default (undefined) and fails the run.
    lambda.on(GetAliasCommand, { FunctionName: outputs.FunctionName, Name: 'live' }).resolves({ FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } } });
    lambda.on(GetFunctionUrlConfigCommand, { FunctionName: outputs.FunctionName, Qualifier: 'live' }).resolves({ FunctionUrl: outputs.Url, AuthType: 'AWS_IAM' });
    codeDeploy.on(ListDeploymentsCommand, { applicationName: outputs.CodeDeployApplication, deploymentGroupName: outputs.DeploymentGroup }).resolves({ deployments: ['d-42'] });
    codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-42' }).resolves({
      deploymentInfo: {
        deploymentId: 'd-42',
        status: 'InProgress',
        deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: '{"CurrentVersion":"7","TargetVersion":"8"}' } },
      },
    });

    const r = await status('Orders-prod', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `Orders-prod (serverless, ${REGION})`,
      `URL:         ${outputs.Url} (auth AWS_IAM)`,
      `Function:    ${outputs.FunctionName}, alias live → version 7`,
      'Traffic:     version 7: 90%, version 8: 10%  (shifting)',
      'Deployment:  d-42 InProgress version 7 → 8 (CodeDeployDefault.LambdaCanary10Percent5Minutes, started -)',
      '',
    ]);
    expect(codeDeploy.commandCalls(GetDeploymentGroupCommand)).toHaveLength(0);
  });

  it('vm: from the VmService outputs to the group, its instances and the instance refresh printed', async () => {
    const stack = new OrdersStack(newApp(), 'OrdersVm-prod', 'vm', { env: { account: '123456789012', region: REGION } });
    const { file, outputs } = deploy(stack);
    expect(outputs).toMatchObject({ Style: 'vm', Region: REGION });
    expect(outputs.AutoScalingGroupName).toMatch(/-8f3a$/);
    expect(outputs.AlbUrl).toMatch(/^http:\/\/.+\.dnsname\.example$/);
    asg.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [outputs.AutoScalingGroupName] }).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: outputs.AutoScalingGroupName,
          MinSize: 2,
          MaxSize: 4,
          DesiredCapacity: 2,
          Instances: [
            { InstanceId: 'i-0a', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'eu-west-1a', ProtectedFromScaleIn: false },
            { InstanceId: 'i-0b', LifecycleState: 'Pending', HealthStatus: 'Healthy', AvailabilityZone: 'eu-west-1b', ProtectedFromScaleIn: false },
          ],
        } as never,
      ],
    });
    asg.on(DescribeInstanceRefreshesCommand, { AutoScalingGroupName: outputs.AutoScalingGroupName }).resolves({
      InstanceRefreshes: [{ InstanceRefreshId: 'r-9', Status: 'InProgress', PercentageComplete: 50, StartTime: new Date('2026-11-29T20:00:00Z') }],
    });

    const r = await status('OrdersVm-prod', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`OrdersVm-prod (vm, ${REGION})`);
    expect(r.stdout).toContain(`URL:              ${outputs.AlbUrl}`);
    expect(r.stdout).toContain(`Group:            ${outputs.AutoScalingGroupName} (min 2, desired 2, max 4); 1/2 in service and healthy`);
    expect(r.stdout).toContain('Instance refresh: r-9 InProgress 50%');
    expect(r.stdout).toMatch(/│ i-0b\s+│ Pending\s+│ Healthy/);
    const json = JSON.parse((await status('OrdersVm-prod', file, true)).stdout);
    expect(json).toMatchObject({ style: 'vm', stack: 'OrdersVm-prod', group: { name: outputs.AutoScalingGroupName }, refresh: { id: 'r-9', status: 'InProgress' } });
  });
});
