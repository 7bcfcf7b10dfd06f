import { DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentCommand, GetDeploymentGroupCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand, DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { GetAliasCommand, GetFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { DescribeAssociationCommand, DescribeAssociationExecutionsCommand, DescribeAssociationExecutionTargetsCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import type { Kubectl } from '../../../lib/cli/kubectl';
import { stackStatus } from '../../../lib/cli/status';
import type { ContainerStatus, ServerlessStatus, ServerStatus, VmStatus } from '../../../lib/cli/styles';
import { parseResourceCounts } from '../../../lib/cli/styles/server';
import { appSpecVersions, trafficSplit } from '../../../lib/cli/styles/serverless';
import { awsError, CONTAINER, context, SERVER, SERVERLESS, VM, mockAwsClients } from './helpers';

const { ec2, ssm, asg, lambda, codeDeploy, eks } = mockAwsClients();

const t = (s: string) => new Date(s);

describe('server status', () => {
  function mockServer() {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-1', State: { Name: 'running' }, Placement: { AvailabilityZone: 'eu-west-1a' }, Tags: [{ Key: 'AppVersion', Value: 'tag-v' }] }] },
        { Instances: [{ InstanceId: 'i-2', State: { Name: 'stopped' }, Placement: { AvailabilityZone: 'eu-west-1b' } }] },
      ],
    });
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [
        { InstanceId: 'i-1', SystemStatus: { Status: 'ok' }, InstanceStatus: { Status: 'ok' } },
        { InstanceId: 'i-2', SystemStatus: { Status: 'not-applicable' }, InstanceStatus: { Status: 'not-applicable' } },
      ],
    });
  }

  it('shows each instance with state, checks, version and its part of the last association run', async () => {
    mockServer();
    ssm.on(DescribeAssociationCommand).resolves({
      AssociationDescription: { Name: 'AWS-RunShellScript', AssociationVersion: '3', Parameters: { AppVersion: ['v3'] }, Overview: { Status: 'Failed' } },
    });
    ssm.on(DescribeAssociationExecutionsCommand).resolves({
      AssociationExecutions: [
        { ExecutionId: 'old', Status: 'Success', CreatedTime: t('2026-01-01T00:00:00Z'), ResourceCountByStatus: '{Success=2}' },
        { ExecutionId: 'new', Status: 'Failed', CreatedTime: t('2026-01-02T00:00:00Z'), ResourceCountByStatus: '{Success=1,Failed=1}', AssociationVersion: '3' },
      ],
    });
    ssm.on(DescribeAssociationExecutionTargetsCommand, { ExecutionId: 'new' }).resolves({
      AssociationExecutionTargets: [
        { ResourceId: 'i-1', Status: 'Success' },
        { ResourceId: 'i-2', Status: 'Failed' },
      ],
    });
    const r = (await stackStatus(context(), SERVER)) as ServerStatus;
    expect(r.association).toMatchObject({ id: 'assoc-1', version: 'v3', status: 'Failed', lastExecution: { executionId: 'new', status: 'Failed', counts: { Success: 1, Failed: 1 } } });
    expect(r.instances).toEqual([
      expect.objectContaining({ instanceId: 'i-1', state: 'running', systemStatus: 'ok', instanceStatus: 'ok', version: 'v3', associationStatus: 'Success' }),
      expect.objectContaining({ instanceId: 'i-2', state: 'stopped', associationStatus: 'Failed' }),
    ]);
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-1', 'i-2'], IncludeAllInstances: true });
  });

  it('falls back to the instance tag for the version, and copes with an association that never ran', async () => {
    mockServer();
    ssm.on(DescribeAssociationCommand).resolves({ AssociationDescription: { Name: 'doc' } });
    ssm.on(DescribeAssociationExecutionsCommand).resolves({ AssociationExecutions: [] });
    const r = (await stackStatus(context(), SERVER)) as ServerStatus;
    expect(r.association.lastExecution).toBeUndefined();
    expect(r.instances[0].version).toBe('tag-v');
    expect(r.instances[1].version).toBeUndefined();
    expect(ssm.commandCalls(DescribeAssociationExecutionTargetsCommand)).toHaveLength(0);
  });

  it('parses SSM resource counts', () => {
    expect(parseResourceCounts('{Success=2, Failed=1}')).toEqual({ Success: 2, Failed: 1 });
    expect(parseResourceCounts(undefined)).toEqual({});
  });
});

describe('vm status', () => {
  it('shows the instances with health and lifecycle, and the newest refresh with its rollback', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'asg-1',
          MinSize: 3,
          MaxSize: 10,
          DesiredCapacity: 3,
          Instances: [
            { InstanceId: 'i-a', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'eu-west-1a', LaunchTemplate: { Version: '4' }, ProtectedFromScaleIn: false },
            { InstanceId: 'i-b', LifecycleState: 'Terminating', HealthStatus: 'Unhealthy', AvailabilityZone: 'eu-west-1b', ProtectedFromScaleIn: false },
          ],
        } as never,
      ],
    });
    asg.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        { InstanceRefreshId: 'r-old', Status: 'Successful', StartTime: t('2026-01-01T00:00:00Z'), PercentageComplete: 100 },
        {
          InstanceRefreshId: 'r-new',
          Status: 'RollbackInProgress',
          StartTime: t('2026-01-02T00:00:00Z'),
          PercentageComplete: 50,
          StatusReason: 'Rolling back',
          RollbackDetails: { RollbackReason: 'Alarm sample-5xx in ALARM', PercentageCompleteOnRollback: 20, RollbackStartTime: t('2026-01-02T00:10:00Z') },
        },
      ],
    });
    const r = (await stackStatus(context(), VM)) as VmStatus;
    expect(r.group).toEqual({ name: 'asg-1', min: 3, max: 10, desired: 3 });
    expect(r.instances.map((i) => [i.instanceId, i.lifecycleState, i.health, i.launchTemplateVersion])).toEqual([
      ['i-a', 'InService', 'Healthy', '4'],
      ['i-b', 'Terminating', 'Unhealthy', undefined],
    ]);
    expect(r.refresh).toMatchObject({ id: 'r-new', status: 'RollbackInProgress', percentage: 50, rollback: { reason: 'Alarm sample-5xx in ALARM', percentage: 20 } });
  });

  it('says so when the group never had a refresh, and when the group is gone', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'asg-1', Instances: [] } as never] });
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
    const r = (await stackStatus(context(), VM)) as VmStatus;
    expect(r.refresh).toBeUndefined();
    expect(r.instances).toEqual([]);
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(stackStatus(context(), VM)).rejects.toThrow('not found: Auto Scaling group asg-1 does not exist in eu-west-1.');
  });

  it('reports access denied on the group', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(awsError('AccessDenied', 'not authorized to perform: autoscaling:DescribeAutoScalingGroups'));
    asg.on(DescribeInstanceRefreshesCommand).resolves({});
    await expect(stackStatus(context(), VM)).rejects.toThrow(/^access denied: autoscaling:DescribeAutoScalingGroups in eu-west-1/);
  });
});

describe('serverless status', () => {
  it('shows the alias, the canary weights, the URL auth type and the deployment in progress', async () => {
    lambda.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '4', RoutingConfig: { AdditionalVersionWeights: { '5': 0.1 } } });
    lambda.on(GetFunctionUrlConfigCommand).resolves({ FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/', AuthType: 'NONE' });
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-2'] });
    codeDeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        deploymentId: 'd-2',
        status: 'InProgress',
        deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: '{"Resources":[{"f":{"Type":"AWS::Lambda::Function","Properties":{"Name":"fn-1","Alias":"live","CurrentVersion":"4","TargetVersion":"5"}}}]}' } },
      },
    });
    const r = (await stackStatus(context(), SERVERLESS)) as ServerlessStatus;
    expect(r.traffic).toEqual([
      { version: '4', percent: 90 },
      { version: '5', percent: 10 },
    ]);
    expect(r).toMatchObject({ authType: 'NONE', alias: { name: 'live', version: '4' }, deployment: { id: 'd-2', status: 'InProgress', currentVersion: '4', targetVersion: '5' } });
    expect(codeDeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toMatchObject({ applicationName: 'app-1', deploymentGroupName: 'dg-1' });
    expect(codeDeploy.commandCalls(GetDeploymentGroupCommand)).toHaveLength(0);
  });

  it('shows the last deployment (a rolled back canary) when none is in progress, and no URL when there is none', async () => {
    lambda.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '4' });
    lambda.on(GetFunctionUrlConfigCommand).rejects(awsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404));
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { lastAttemptedDeployment: { deploymentId: 'd-3', status: 'Stopped' } } });
    codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-3' }).resolves({
      deploymentInfo: {
        deploymentId: 'd-3',
        status: 'Stopped',
        rollbackInfo: { rollbackMessage: 'Alarm fn-errors fired', rollbackDeploymentId: 'd-4' },
        errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' },
      },
    });
    const r = (await stackStatus(context(), SERVERLESS)) as ServerlessStatus;
    expect(r.authType).toBeUndefined();
    expect(r.url).toBe(SERVERLESS.url);
    expect(r.traffic).toEqual([{ version: '4', percent: 100 }]);
    expect(r.deployment).toMatchObject({ status: 'Stopped', rollback: { message: 'Alarm fn-errors fired', rollbackDeploymentId: 'd-4' }, error: 'ALARM_ACTIVE One or more alarms have been activated' });
  });

  it('copes with a group that never deployed', async () => {
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '1' });
    lambda.on(GetFunctionUrlConfigCommand).resolves({ AuthType: 'AWS_IAM', FunctionUrl: 'u' });
    codeDeploy.on(ListDeploymentsCommand).resolves({});
    codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: {} });
    const r = (await stackStatus(context(), SERVERLESS)) as ServerlessStatus;
    expect(r.deployment).toBeUndefined();
    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  it('reads versions from an AppSpec in JSON or YAML, and splits traffic', () => {
    expect(appSpecVersions('Resources:\n  - f:\n      Properties:\n        CurrentVersion: "7"\n        TargetVersion: 8\n')).toEqual({ currentVersion: '7', targetVersion: '8' });
    expect(appSpecVersions(undefined)).toEqual({});
    expect(trafficSplit(undefined, undefined)).toEqual([]);
  });
});

describe('container status', () => {
  function mockEks() {
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'cluster-1', status: 'ACTIVE', version: '1.34' } });
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: { status: 'DEGRADED', scalingConfig: { minSize: 2, maxSize: 6, desiredSize: 3 }, health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'no capacity' }] } },
    });
  }

  it('prints the commands to run when kubectl is not on PATH', async () => {
    mockEks();
    const r = (await stackStatus(context(), CONTAINER)) as ContainerStatus;
    expect(r.cluster).toMatchObject({ status: 'ACTIVE', version: '1.34' });
    expect(r.nodegroup).toMatchObject({ status: 'DEGRADED', desired: 3, issues: ['AsgInstanceLaunchFailures: no capacity'] });
    expect(r.deployment).toBeUndefined();
    expect(r.kubectlProblem).toBe('kubectl is not on PATH');
    expect(r.commands).toEqual([CONTAINER.configureKubectlCommand, 'kubectl rollout status deployment/sample-app -n sample', 'kubectl get deployment/sample-app -n sample -o wide']);
  });

  it("reads the Deployment's rollout through kubectl when it is there", async () => {
    mockEks();
    const calls: string[][] = [];
    const kubectl: Kubectl = async (args) => {
      calls.push(args);
      if (args[0] === 'get') {
        return { code: 0, stderr: '', stdout: JSON.stringify({ metadata: { generation: 2 }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 } }) };
      }
      return { code: 0, stderr: '', stdout: 'Waiting for deployment "sample-app" rollout to finish: 2 of 3 updated replicas are available...\n' };
    };
    const r = (await stackStatus(context(), CONTAINER, { kubectl })) as ContainerStatus;
    expect(r.deployment).toMatchObject({ replicas: 3, updated: 2, ready: 3, available: 3, complete: false });
    expect(r.deployment?.rollout).toMatch(/2 of 3 updated/);
    expect(calls).toContainEqual(['rollout', 'status', 'deployment/sample-app', '-n', 'sample', '--watch=false']);
  });

  it('says why when kubectl cannot reach the cluster', async () => {
    mockEks();
    const kubectl: Kubectl = async () => ({ code: 1, stdout: '', stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
    const r = (await stackStatus(context(), CONTAINER, { kubectl })) as ContainerStatus;
    expect(r.kubectlProblem).toBe('kubectl could not read the Deployment: error: You must be logged in to the server (Unauthorized)');
  });
});
