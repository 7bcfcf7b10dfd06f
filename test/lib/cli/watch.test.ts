import { DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentCommand, GetDeploymentGroupCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { DescribeAssociationExecutionsCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import type { Kubectl } from '../../../lib/cli/kubectl';
import { follow, pollerFor, type Progress } from '../../../lib/cli/watch';
import { awsError, CONTAINER, context, SERVER, SERVERLESS, VM, mockAwsClients } from './helpers';

const { asg, ssm, lambda, codeDeploy } = mockAwsClients();

const start = new Date('2026-01-02T00:00:00Z');
/** Follows with a fake clock: no real waiting. */
async function followFake(poll: () => Promise<Progress>, timeoutMs = 3_600_000) {
  let clock = 0;
  const seen: Progress[] = [];
  const waits: number[] = [];
  const final = await follow(poll, {
    intervalMs: 10_000,
    timeoutMs,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    onProgress: (p) => seen.push(p),
  });
  return { final, seen, waits };
}

describe('watch an instance refresh (vm)', () => {
  it('follows a refresh that fails its health checks and rolls back, ending not ok', async () => {
    const refresh = (over: object) => ({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', StartTime: start, ...over }] });
    asg.on(DescribeInstanceRefreshesCommand)
      .resolvesOnce(refresh({ Status: 'InProgress', PercentageComplete: 33, InstancesToUpdate: 2 }))
      .rejectsOnce(awsError('Throttling', 'Rate exceeded')) // retried inside the same poll
      .resolvesOnce(refresh({ Status: 'RollbackInProgress', PercentageComplete: 33, RollbackDetails: { RollbackReason: 'Instance i-9 failed ELB health checks', PercentageCompleteOnRollback: 50 } }))
      .resolves(refresh({ Status: 'RollbackSuccessful', PercentageComplete: 33, RollbackDetails: { RollbackReason: 'Instance i-9 failed ELB health checks', PercentageCompleteOnRollback: 100 } }));
    const { final, seen, waits } = await followFake(pollerFor(context(), VM, undefined));
    expect(seen.map((p) => [p.status, p.percent, p.done])).toEqual([
      ['InProgress', 33, false],
      ['RollbackInProgress', 50, false],
      ['RollbackSuccessful', 100, true],
    ]);
    expect(seen[0].message).toBe('InProgress 33%, 2 instance(s) left to update');
    expect(final).toMatchObject({ subject: 'instance refresh r-1', ok: false, done: true, message: 'RollbackSuccessful 100%: Instance i-9 failed ELB health checks' });
    expect(waits).toEqual([10_000, 10_000]);
  });

  it('ends ok on a successful refresh, and reports "none" when the group never had one', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-2', Status: 'Successful', PercentageComplete: 100, StartTime: start }] });
    expect((await followFake(pollerFor(context(), VM, undefined))).final).toMatchObject({ ok: true, done: true });
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
    expect((await followFake(pollerFor(context(), VM, undefined))).final).toMatchObject({ ok: true, idle: true, message: 'no instance refresh has run on this group' });
  });

  it('gives up at the timeout with a one-line error', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-3', Status: 'InProgress', StartTime: start }] });
    await expect(followFake(pollerFor(context(), VM, undefined), 60_000)).rejects.toThrow('gave up after 60 s: instance refresh r-3 is still InProgress.');
  });
});

describe('watch an association run (server)', () => {
  it('counts instances done and ends with the run status', async () => {
    ssm.on(DescribeAssociationExecutionsCommand)
      .resolvesOnce({ AssociationExecutions: [{ ExecutionId: 'e-1', Status: 'InProgress', CreatedTime: start, ResourceCountByStatus: '{Success=1,InProgress=1}' }] })
      .resolves({ AssociationExecutions: [{ ExecutionId: 'e-1', Status: 'Failed', DetailedStatus: 'Failed', CreatedTime: start, ResourceCountByStatus: '{Success=1,Failed=1}' }] });
    const { final, seen } = await followFake(pollerFor(context(), SERVER, undefined));
    expect(seen.map((p) => [p.status, p.percent])).toEqual([
      ['InProgress', 50],
      ['Failed', 100],
    ]);
    expect(final).toMatchObject({ ok: false, message: 'Failed (Success=1, Failed=1)', subject: 'association assoc-1 execution e-1' });
  });

  it('waits for an association that has not run yet', async () => {
    ssm.on(DescribeAssociationExecutionsCommand)
      .resolvesOnce({ AssociationExecutions: [] })
      .resolves({ AssociationExecutions: [{ ExecutionId: 'e-2', Status: 'Success', CreatedTime: start, ResourceCountByStatus: '{Success=2}' }] });
    const { final, seen } = await followFake(pollerFor(context(), SERVER, undefined));
    expect(seen[0]).toMatchObject({ done: false, message: 'the association has not run yet' });
    expect(final).toMatchObject({ ok: true, percent: 100 });
  });
});

describe('watch a traffic shift (serverless)', () => {
  const appSpec = { revisionType: 'AppSpecContent' as const, appSpecContent: { content: '{"CurrentVersion":"4","TargetVersion":"5"}' } };

  it('follows a canary that an alarm rolls back, ending not ok', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolvesOnce({ deployments: ['d-1'] }).resolves({ deployments: [] });
    codeDeploy.on(GetDeploymentCommand)
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-1', status: 'InProgress', revision: appSpec } })
      .resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'Stopped', revision: appSpec, rollbackInfo: { rollbackMessage: 'Alarm fn-errors fired' } } });
    // GetDeploymentGroup is asked for the last deployment once none is in progress
    codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { lastAttemptedDeployment: { deploymentId: 'd-1' } } });
    lambda.on(GetAliasCommand)
      .resolvesOnce({ FunctionVersion: '4', RoutingConfig: { AdditionalVersionWeights: { '5': 0.1 } } })
      .resolves({ FunctionVersion: '4' });
    const { final, seen } = await followFake(pollerFor(context(), SERVERLESS, undefined));
    expect(seen[0]).toMatchObject({ status: 'InProgress', percent: 10, message: 'InProgress; traffic: v4 90% / v5 10%', subject: 'deployment d-1 (v4 → v5)' });
    expect(final).toMatchObject({ done: true, ok: false, status: 'Stopped, rolled back', message: 'Stopped; traffic: v4 100%: Alarm fn-errors fired' });
  });

  it('ends ok when the shift succeeds', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-2'] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-2', status: 'Succeeded', revision: appSpec } });
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '5' });
    expect((await followFake(pollerFor(context(), SERVERLESS, undefined))).final).toMatchObject({ ok: true, percent: 100 });
  });

  it('stops on access denied with the action named', async () => {
    codeDeploy.on(ListDeploymentsCommand).rejects(awsError('AccessDeniedException', 'no'));
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '5' });
    await expect(followFake(pollerFor(context(), SERVERLESS, undefined))).rejects.toThrow('access denied: codedeploy:ListDeployments in eu-west-1: no');
  });
});

describe('watch a Kubernetes rollout (container)', () => {
  it('needs kubectl, and says which commands to run without it', async () => {
    await expect(pollerFor(context(), CONTAINER, undefined)()).rejects.toMatchObject({
      message: 'watch needs kubectl on PATH for the container style.',
      hint: `Run: ${CONTAINER.configureKubectlCommand} && kubectl rollout status deployment/sample-app -n sample`,
    });
  });

  it('follows the rollout through kubectl until it completes', async () => {
    let polls = 0;
    const kubectl: Kubectl = async (args) => {
      if (args[0] === 'get') return { code: 0, stderr: '', stdout: polls < 1 ? '3 1 2' : '3 3 3' };
      polls++;
      return { code: 0, stderr: '', stdout: polls < 2 ? 'Waiting for deployment "sample-app" rollout to finish: 1 of 3 updated replicas are available...' : 'deployment "sample-app" successfully rolled out' };
    };
    const { final, seen } = await followFake(pollerFor(context(), CONTAINER, kubectl));
    expect(seen[0]).toMatchObject({ percent: 33, done: false });
    expect(final).toMatchObject({ ok: true, status: 'Complete' });
  });

  it('ends not ok when the rollout exceeds its progress deadline', async () => {
    const kubectl: Kubectl = async (args) =>
      args[0] === 'get' ? { code: 0, stderr: '', stdout: '3 1 2' } : { code: 1, stdout: '', stderr: 'error: deployment "sample-app" exceeded its progress deadline' };
    expect((await followFake(pollerFor(context(), CONTAINER, kubectl))).final).toMatchObject({ ok: false, done: true, status: 'Failed' });
  });
});
