// The rollout waiter's handler (constructs/server/assets/rollout-waiter/index.mjs) against a mocked SSM
// (aws-sdk-client-mock), and its legs in the template. The association's own wait (the AWS::SSM::Association
// resource provider) may end at the previous run's `Overview.Status: Success`; the waiter decides on the
// EXECUTION of the association's current version, so it is right whether or not that wait was early.
import { DescribeAssociationCommand, DescribeAssociationExecutionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CfnParameter, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { checkRollout, onEvent } from '../../../constructs/server/assets/rollout-waiter/index.mjs';
import { ServerFleet } from '../../../constructs/server';
import { intrinsics, legsFor } from '../../../constructs/server/rollout-waiter';
import { AppSource } from '../../../lib/app';
import { SAMPLE_APP_DIR, testStack } from '../../helpers';

const ssm = mockClient(SSMClient);
afterAll(() => ssm.restore());

const ID = '8dfe3659-4309-493a-8755-0123456789ab';
const UPDATED = Date.parse('2026-11-29T20:00:00Z'); // the association's update (version 2)
const props = { AssociationId: ID, BudgetSeconds: '1506', LegSeconds: '3300', Leg: '1', Legs: '1' };
const event = (data: Record<string, string> = {}, p: Record<string, string> = {}) => ({
  RequestType: 'Update' as const,
  PhysicalResourceId: `rollout-${ID}-1`,
  ResourceProperties: { ...props, ...p },
  Data: { AssociationVersion: '2', UpdatedAt: new Date(UPDATED).toISOString(), StartedAt: new Date(UPDATED + 20_000).toISOString(), ...data },
});
const execution = (version: string, status: string, createdAt: number, id = `exec-${version}-${status}`) => ({
  AssociationId: ID, AssociationVersion: version, ExecutionId: id, Status: status, DetailedStatus: status, CreatedTime: new Date(createdAt), ResourceCountByStatus: `{${status}=3}`,
});
const executions = (...list: ReturnType<typeof execution>[]) => ssm.on(DescribeAssociationExecutionsCommand).resolves({ AssociationExecutions: list });
const at = (secondsAfterUpdate: number) => UPDATED + secondsAfterUpdate * 1000;

beforeEach(() => ssm.reset());

describe('onEvent', () => {
  it('records the version CloudFormation just set, when it was set, and when the wait started', async () => {
    ssm.on(DescribeAssociationCommand, { AssociationId: ID }).resolves({
      // the early-return case: the Overview still shows the previous run's Success
      AssociationDescription: { AssociationId: ID, AssociationVersion: '2', Date: new Date(UPDATED - 86_400_000), LastUpdateAssociationDate: new Date(UPDATED), Overview: { Status: 'Success' } },
    });
    const r = await onEvent({ RequestType: 'Update', PhysicalResourceId: 'p', ResourceProperties: props });
    expect(r.PhysicalResourceId).toBe('p');
    expect(r.Data).toMatchObject({ AssociationVersion: '2', UpdatedAt: '2026-11-29T20:00:00.000Z' });
    expect(Date.parse(r.Data!.StartedAt!)).toBeGreaterThan(0);
  });

  it('does nothing on Delete', async () => {
    expect(await onEvent({ RequestType: 'Delete', PhysicalResourceId: 'p', ResourceProperties: props })).toEqual({ PhysicalResourceId: 'p' });
    expect(ssm.calls()).toHaveLength(0);
  });
});

describe('isComplete (checkRollout)', () => {
  it('keeps waiting while only the previous version\'s execution succeeded (the early-return case), then completes on the new one\'s Success', async () => {
    executions(execution('1', 'Success', at(-3600)));
    expect(await checkRollout(event(), at(30))).toEqual({ IsComplete: false });
    executions(execution('2', 'InProgress', at(5)), execution('1', 'Success', at(-3600)));
    expect(await checkRollout(event(), at(300))).toEqual({ IsComplete: false });
    executions(execution('2', 'Success', at(5), 'exec-new'), execution('1', 'Success', at(-3600)));
    expect(await checkRollout(event(), at(600))).toEqual({ IsComplete: true, Data: { Status: 'Success', ExecutionId: 'exec-new' } });
  });

  it('asks SSM only for executions created after the update, in the CLI example\'s time form', async () => {
    executions();
    await checkRollout(event(), at(30));
    const input = ssm.commandCalls(DescribeAssociationExecutionsCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ AssociationId: ID, Filters: [{ Key: 'CreatedTime', Type: 'GREATER_THAN', Value: '2026-11-29T19:59:59Z' }] });
  });

  it('completes at once when CloudFormation\'s own wait already covered the rollout (the execution is finished)', async () => {
    executions(execution('2', 'Success', at(5)));
    expect((await checkRollout(event(), at(900))).IsComplete).toBe(true);
  });

  it('fails the deploy (so CloudFormation rolls back) when the new execution failed, naming it', async () => {
    executions(execution('2', 'Failed', at(5), 'exec-bad'), execution('1', 'Success', at(-3600)));
    await expect(checkRollout(event(), at(300))).rejects.toThrow(/rollout failed: association .* version 2, execution exec-bad is Failed .*\{Failed=3\}/);
    executions(execution('2', 'TimedOut', at(5)));
    await expect(checkRollout(event(), at(300))).rejects.toThrow(/is TimedOut/);
  });

  it('fails when the budget (counted from the execution\'s start) is spent', async () => {
    executions(execution('2', 'InProgress', at(10)));
    expect((await checkRollout(event(), at(1515))).IsComplete).toBe(false);
    await expect(checkRollout(event(), at(1516))).rejects.toThrow(/did not succeed within 1506 s .*still InProgress/);
    executions(); // no execution of the new version ever started: counted from the update
    await expect(checkRollout(event(), at(1506))).rejects.toThrow(/no execution of this version started/);
  });

  it('ignores an execution older than the update, whatever its version says', async () => {
    executions({ ...execution('2', 'Success', at(-10)), AssociationVersion: undefined as unknown as string }, execution('1', 'Failed', at(-7200)));
    expect(await checkRollout(event(), at(60))).toEqual({ IsComplete: false });
  });

  it('hands over to the next leg after its 55 minutes while the rollout runs, and the last leg does not', async () => {
    const long = { BudgetSeconds: '10800', Legs: '2' };
    executions(execution('2', 'InProgress', at(5), 'exec-long'));
    expect(await checkRollout(event({}, long), at(3319))).toEqual({ IsComplete: false });
    expect(await checkRollout(event({}, long), at(3320))).toEqual({ IsComplete: true, Data: { Status: 'InProgress', ExecutionId: 'exec-long' } });
    expect(await checkRollout(event({}, { ...long, Leg: '2' }), at(3320))).toEqual({ IsComplete: false });
  });

  it('completes Delete without calling SSM', async () => {
    expect(await checkRollout({ ...event(), RequestType: 'Delete' }, at(0))).toEqual({ IsComplete: true });
    expect(ssm.calls()).toHaveLength(0);
  });
});

describe('what re-runs the waiter', () => {
  it('finds every deploy-time value once, outermost, in the association\'s resolved properties', () => {
    const sub = { 'Fn::Sub': 's3://${B}/k.zip' };
    expect(intrinsics({ a: [{ Ref: 'Server1' }, { Ref: 'Server2' }], b: { x: sub, y: 'literal' }, c: [{ Ref: 'Server1' }], d: { 'Fn::Join': ['', [{ Ref: 'P' }]] } }))
      .toEqual([{ Ref: 'Server1' }, { Ref: 'Server2' }, sub, { 'Fn::Join': ['', [{ Ref: 'P' }]] }]);
  });

  it('a deploy-time health check path reaches the waiter, so a new value re-runs it', () => {
    const stack = testStack();
    const p = new CfnParameter(stack, 'HealthPath', { type: 'String', default: '/healthz' });
    const fleet = new ServerFleet(stack, 'Fleet', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), healthCheckPath: p.valueAsString } });
    const leg = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(fleet.rolloutWaiter.legs[0]!.node.defaultChild as any)];
    expect(leg.Properties.Release.DeployTimeValues).toContainEqual({ Ref: 'HealthPath' });
  });
});

describe('legs in the template', () => {
  it('covers a budget past a custom resource\'s hour with chained legs, each after the previous one', () => {
    expect([legsFor(1506), legsFor(3300), legsFor(3301), legsFor(48 * 3600)]).toEqual([1, 1, 2, 53]);
    const stack = testStack();
    const fleet = new ServerFleet(stack, 'Fleet', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, waitForSuccessTimeout: Duration.hours(3) });
    const resources = Template.fromStack(stack).toJSON().Resources;
    const legs = fleet.rolloutWaiter.legs.map((l) => [stack.getLogicalId(l.node.defaultChild as any), resources[stack.getLogicalId(l.node.defaultChild as any)]] as const);
    expect(legs).toHaveLength(4);
    expect(legs[0]![1].DependsOn).toContain(stack.getLogicalId(fleet.association));
    for (let i = 1; i < legs.length; i++) {
      expect(legs[i]![1].DependsOn).toContain(legs[i - 1]![0]);
      expect(legs[i]![1].Properties.After).toEqual({ 'Fn::GetAtt': [legs[i - 1]![0], 'StartedAt'] });
      expect(legs[i]![1].Properties).toMatchObject({ Leg: String(i + 1), Legs: '4', BudgetSeconds: '10800' });
    }
  });

  it('passes a deploy-time budget through and counts legs for its 48-hour maximum', () => {
    const stack = testStack();
    const budget = new CfnParameter(stack, 'Budget', { type: 'Number' });
    const fleet = new ServerFleet(stack, 'Fleet', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, waitForSuccessTimeout: Duration.seconds(budget.valueAsNumber) });
    expect(fleet.rolloutWaiter.legs).toHaveLength(53);
    expect(stack.resolve((fleet.rolloutWaiter.legs[0]!.node.defaultChild as any)._cfnProperties.BudgetSeconds)).toEqual({ Ref: 'Budget' });
  });
});
