import { CancelInstanceRefreshCommand, DescribeInstanceRefreshesCommand, RollbackInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentCommand, GetDeploymentGroupCommand, ListDeploymentsCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, ListVersionsByFunctionCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { DescribeAssociationCommand, ListAssociationVersionsCommand, UpdateAssociationCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import type { Kubectl } from '../../../lib/cli/kubectl';
import { rollback } from '../../../lib/cli/rollback';
import { previousVersion } from '../../../lib/cli/styles/serverless';
import { awsError, CONTAINER, context, SERVER, SERVERLESS, VM, mockAwsClients } from './helpers';

const { asg, ssm, lambda, codeDeploy } = mockAwsClients();

const start = new Date('2026-01-02T00:00:00Z');

describe('vm rollback', () => {
  it('rolls back the refresh in progress', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress', StartTime: start }] });
    asg.on(RollbackInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    const r = await rollback(context(), VM);
    expect(r.changed).toBe(true);
    expect(r.done[0]).toMatch(/^Started rolling back instance refresh r-1 on asg-1/);
    expect(asg.commandCalls(RollbackInstanceRefreshCommand)[0].args[0].input).toEqual({ AutoScalingGroupName: 'asg-1' });
    expect(asg.commandCalls(CancelInstanceRefreshCommand)).toHaveLength(0);
    expect(r.next).toEqual(['cdk-orchestrate watch SampleVm-dev']);
  });

  it('cancels when the refresh cannot be rolled back, and says what that leaves', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress', StartTime: start }] });
    asg.on(RollbackInstanceRefreshCommand).rejects(awsError('IrreversibleInstanceRefreshFault', 'The desired configuration does not specify a launch template version'));
    asg.on(CancelInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    const r = await rollback(context(), VM);
    expect(r.done).toEqual(['Cancelled instance refresh r-1 on asg-1: no more instances are replaced.']);
    expect(r.cannot[0]).toMatch(/^Could not roll it back \(The desired configuration does not specify a launch template version\); instances already replaced keep the new version/);
  });

  it('changes nothing when no refresh is in progress, and says how to go back', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-0', Status: 'Successful', StartTime: start }] });
    const r = await rollback(context(), VM);
    expect(r.changed).toBe(false);
    expect(r.cannot[0]).toBe('No instance refresh is in progress on asg-1 (the last one (r-0) is Successful), so there is nothing to roll back or cancel.');
    expect(asg.commandCalls(RollbackInstanceRefreshCommand)).toHaveLength(0);
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-9', Status: 'RollbackInProgress', StartTime: start }] });
    expect((await rollback(context(), VM)).cannot[0]).toBe('Instance refresh r-9 on asg-1 is already RollbackInProgress: nothing more to do.');
  });

  it('reports access denied on the rollback call', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'Pending', StartTime: start }] });
    asg.on(RollbackInstanceRefreshCommand).rejects(awsError('AccessDenied', 'not authorized'));
    await expect(rollback(context(), VM)).rejects.toThrow('access denied: autoscaling:RollbackInstanceRefresh in eu-west-1: not authorized');
  });
});

describe('serverless rollback', () => {
  const appSpec = { revisionType: 'AppSpecContent' as const, appSpecContent: { content: '{"CurrentVersion":"4","TargetVersion":"5"}' } };

  it('stops the deployment in progress with automatic rollback', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-1'] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'InProgress', revision: appSpec, creator: 'CloudFormation' } });
    codeDeploy.on(StopDeploymentCommand).resolves({ status: 'Pending', statusMessage: 'Stopping' });
    const r = await rollback(context(), SERVERLESS);
    expect(codeDeploy.commandCalls(StopDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: 'd-1', autoRollbackEnabled: true });
    expect(r.done).toEqual(['Stopped CodeDeploy deployment d-1 (Pending: Stopping) with automatic rollback: CodeDeploy moves alias live back to version 4. The stack update that started it fails, and CloudFormation rolls the stack back.']);
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('points the alias back at the version the last deployment moved from', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { lastAttemptedDeployment: { deploymentId: 'd-1' } } });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'Succeeded', revision: appSpec } });
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '5' });
    lambda.on(UpdateAliasCommand).resolves({});
    const r = await rollback(context(), SERVERLESS);
    expect(lambda.commandCalls(UpdateAliasCommand)[0].args[0].input).toEqual({ FunctionName: 'fn-1', Name: 'live', FunctionVersion: '4', RoutingConfig: { AdditionalVersionWeights: {} } });
    expect(r.done).toEqual(['Pointed alias live of fn-1 from version 5 back to version 4 (all traffic).']);
    expect(r.cannot[0]).toMatch(/^CloudFormation still records version 5/);
    expect(lambda.commandCalls(ListVersionsByFunctionCommand)).toHaveLength(0);
  });

  it('otherwise finds the previous numbered version, across pages', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({});
    codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: {} });
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '7' });
    lambda.on(ListVersionsByFunctionCommand)
      .resolvesOnce({ Versions: [{ Version: '$LATEST' }, { Version: '3' }], NextMarker: 'm' })
      .resolves({ Versions: [{ Version: '6' }, { Version: '7' }] });
    lambda.on(UpdateAliasCommand).resolves({});
    const r = await rollback(context(), SERVERLESS);
    expect(lambda.commandCalls(UpdateAliasCommand)[0].args[0].input.FunctionVersion).toBe('6');
    expect(lambda.commandCalls(ListVersionsByFunctionCommand)[1].args[0].input.Marker).toBe('m');
    expect(r.changed).toBe(true);
  });

  it('changes nothing when there is no earlier version', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({});
    codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: {} });
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '1' });
    lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '$LATEST' }, { Version: '1' }] });
    const r = await rollback(context(), SERVERLESS);
    expect(r).toMatchObject({ changed: false, cannot: ['No deployment is in progress and alias live (version 1) has no earlier version to point back at.'] });
    expect(previousVersion([{ Version: '2' }, { Version: '10' }, { Version: '9' }], '11')).toBe('10');
  });
});

describe('server rollback', () => {
  it('re-applies the previous association version with all its fields', async () => {
    ssm.on(DescribeAssociationCommand).resolves({
      AssociationDescription: { AssociationVersion: '3', Parameters: { AppVersion: ['v3'] }, AlarmConfiguration: { Alarms: [{ Name: 'app-5xx' }] } },
    });
    const previous = {
      AssociationVersion: '2',
      Name: 'AWS-RunShellScript',
      DocumentVersion: '$DEFAULT',
      Parameters: { AppVersion: ['v2'] },
      Targets: [{ Key: 'InstanceIds', Values: ['i-1', 'i-2'] }],
      MaxConcurrency: '1',
      MaxErrors: '0',
      AssociationName: 'sample',
    };
    ssm.on(ListAssociationVersionsCommand)
      .resolvesOnce({ AssociationVersions: [{ AssociationVersion: '1', Parameters: { AppVersion: ['v1'] } }], NextToken: 't' })
      .resolves({ AssociationVersions: [previous, { AssociationVersion: '3', Parameters: { AppVersion: ['v3'] } }] });
    ssm.on(UpdateAssociationCommand).resolves({ AssociationDescription: { AssociationVersion: '4' } });
    const r = await rollback(context(), SERVER);
    expect(ssm.commandCalls(UpdateAssociationCommand)[0].args[0].input).toMatchObject({
      AssociationId: 'assoc-1',
      Name: 'AWS-RunShellScript',
      DocumentVersion: '$DEFAULT',
      Parameters: { AppVersion: ['v2'] },
      Targets: [{ Key: 'InstanceIds', Values: ['i-1', 'i-2'] }],
      MaxConcurrency: '1',
      MaxErrors: '0',
      AssociationName: 'sample',
      AlarmConfiguration: { Alarms: [{ Name: 'app-5xx' }] },
    });
    expect(r.done).toEqual(['Re-applied association assoc-1 version 2 as version 4 (app version v3 → v2): Systems Manager runs it on the instances now.']);
  });

  it('changes nothing when the association has one version', async () => {
    ssm.on(DescribeAssociationCommand).resolves({ AssociationDescription: { AssociationVersion: '1' } });
    ssm.on(ListAssociationVersionsCommand).resolves({ AssociationVersions: [{ AssociationVersion: '1' }] });
    const r = await rollback(context(), SERVER);
    expect(r).toMatchObject({ changed: false, cannot: ['Association assoc-1 has no version before 1: there is no previous version to re-apply.'] });
    expect(ssm.commandCalls(UpdateAssociationCommand)).toHaveLength(0);
  });
});

describe('container rollback', () => {
  it('without kubectl, says it cannot and prints the commands', async () => {
    const r = await rollback(context(), CONTAINER);
    expect(r).toMatchObject({ changed: false, next: [CONTAINER.configureKubectlCommand, 'kubectl rollout undo deployment/sample-app -n sample', 'kubectl rollout status deployment/sample-app -n sample'] });
  });

  it('with kubectl, runs rollout undo', async () => {
    const calls: string[][] = [];
    const kubectl: Kubectl = async (args) => (calls.push(args), { code: 0, stderr: '', stdout: 'deployment.apps/sample-app rolled back\n' });
    const r = await rollback(context(), CONTAINER, { kubectl });
    expect(calls).toEqual([['rollout', 'undo', 'deployment/sample-app', '-n', 'sample']]);
    expect(r.done[0]).toBe('Rolled deployment sample-app in sample back to its previous ReplicaSet (deployment.apps/sample-app rolled back).');
  });

  it('reports a failed undo', async () => {
    const kubectl: Kubectl = async () => ({ code: 1, stdout: '', stderr: 'error: no rollout history found for deployment "sample-app"\n' });
    expect((await rollback(context(), CONTAINER, { kubectl })).cannot).toEqual(['kubectl rollout undo failed: error: no rollout history found for deployment "sample-app"']);
  });
});
