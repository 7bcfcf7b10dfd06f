// The server style's rollout waiter: a custom resource (aws-cdk-lib's custom-resources Provider, `onEvent` +
// `isComplete`) that CloudFormation runs after the rollout association on every release. It does not trust the
// association's `Overview.Status` (the AWS::SSM::Association resource provider ends its update wait at the first
// `Success`, which may still be the previous run's): it waits for an EXECUTION of the association's current
// version, and fails the deploy (so CloudFormation rolls back) when that execution fails or the wait budget ends.
// Plain JavaScript for Lambda's nodejs24.x runtime, which includes the AWS SDK for JavaScript v3.
import { DescribeAssociationCommand, DescribeAssociationExecutionsCommand, SSMClient } from '@aws-sdk/client-ssm';

const ssm = new SSMClient({});

/** Execution statuses that are still running; `Success` completes; anything else fails the deploy. */
const RUNNING = new Set(['Pending', 'InProgress', 'Running', 'Queued']);

/**
 * @typedef {{ AssociationId: string, BudgetSeconds: string | number, LegSeconds: string | number, Leg: string | number, Legs: string | number }} WaiterProperties
 * @typedef {{ RequestType: 'Create' | 'Update' | 'Delete', PhysicalResourceId?: string, ResourceProperties: WaiterProperties, Data?: Record<string, string> }} WaiterEvent
 * @typedef {import('@aws-sdk/client-ssm').AssociationExecution} AssociationExecution
 */

/**
 * Records which association version this release is (the one CloudFormation just created or updated: the
 * waiter depends on the association) and when the wait started.
 * @param {WaiterEvent} event
 */
export async function onEvent(event) {
  const props = event.ResourceProperties;
  const physicalId = event.PhysicalResourceId ?? `rollout-${props.AssociationId}-${props.Leg}`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };
  const { AssociationDescription: d } = await ssm.send(new DescribeAssociationCommand({ AssociationId: props.AssociationId }));
  if (!d?.AssociationVersion) throw new Error(`DescribeAssociation ${props.AssociationId} returned no AssociationVersion`);
  const updatedAt = d.LastUpdateAssociationDate ?? d.Date;
  return {
    PhysicalResourceId: physicalId,
    Data: {
      AssociationVersion: d.AssociationVersion,
      UpdatedAt: updatedAt ? new Date(updatedAt).toISOString() : new Date().toISOString(),
      StartedAt: new Date().toISOString(),
    },
  };
}

/**
 * Polled by the Provider framework until it returns IsComplete: true (or throws, which fails the resource).
 * @param {WaiterEvent} event
 */
export async function isComplete(event) {
  try {
    const result = await checkRollout(event, Date.now());
    console.log(JSON.stringify({ associationId: event.ResourceProperties.AssociationId, leg: event.ResourceProperties.Leg, ...result }));
    return result;
  } catch (e) {
    console.log(JSON.stringify({ associationId: event.ResourceProperties.AssociationId, leg: event.ResourceProperties.Leg, failed: String(e) }));
    throw e;
  }
}

/**
 * The decision, with the clock passed in (tests).
 * @param {WaiterEvent} event
 * @param {number} now epoch milliseconds
 * @returns {Promise<{ IsComplete: boolean, Data?: Record<string, string> }>}
 */
export async function checkRollout(event, now) {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const props = event.ResourceProperties;
  const data = event.Data ?? {};
  const version = data.AssociationVersion;
  const updatedAt = Date.parse(data.UpdatedAt ?? '');
  const startedAt = Date.parse(data.StartedAt ?? '');
  if (!version || Number.isNaN(updatedAt) || Number.isNaN(startedAt)) throw new Error('isComplete without the data onEvent returns (AssociationVersion, UpdatedAt, StartedAt)');
  const execution = await latestExecution(props.AssociationId, version, updatedAt);
  const budgetEnd = (execution?.CreatedTime ? new Date(execution.CreatedTime).getTime() : updatedAt) + Number(props.BudgetSeconds) * 1000;
  const where = `association ${props.AssociationId} version ${version}`;
  if (execution?.Status === 'Success') {
    return { IsComplete: true, Data: { Status: 'Success', ExecutionId: execution.ExecutionId ?? '' } };
  }
  if (execution && !RUNNING.has(execution.Status ?? '')) {
    throw new Error(`the rollout failed: ${where}, execution ${execution.ExecutionId} is ${execution.Status} (${execution.DetailedStatus ?? ''}; servers by status: ${execution.ResourceCountByStatus ?? 'unknown'}). See aws ssm describe-association-execution-targets --association-id ${props.AssociationId} --execution-id ${execution.ExecutionId}`);
  }
  if (now >= budgetEnd) {
    throw new Error(`the rollout did not succeed within ${props.BudgetSeconds} s (waitForSuccessTimeout): ${where}, ${execution ? `execution ${execution.ExecutionId} is still ${execution.Status}` : 'no execution of this version started'}`);
  }
  // One leg waits at most LegSeconds (a custom resource may take at most an hour); the next leg carries on.
  if (Number(props.Leg) < Number(props.Legs) && now >= startedAt + Number(props.LegSeconds) * 1000) {
    return { IsComplete: true, Data: { Status: execution?.Status ?? 'NotStarted', ExecutionId: execution?.ExecutionId ?? '' } };
  }
  return { IsComplete: false };
}

/**
 * The newest execution of this association version; executions of earlier versions (the previous release's
 * run, whose Success the association's Overview may still show) never count. Executions without a version
 * count when created at or after the update.
 * @param {string} associationId
 * @param {string} version
 * @param {number} updatedAt epoch milliseconds
 * @returns {Promise<AssociationExecution | undefined>}
 */
async function latestExecution(associationId, version, updatedAt) {
  /** @type {AssociationExecution[]} */
  const found = [];
  /** @type {string | undefined} */
  let nextToken;
  // Executions created after the update (CreatedTime GREATER_THAN, in the form AWS's CLI example uses,
  // 2019-02-18T16:00:00Z; one second of slack for the rounding).
  const after = new Date(updatedAt - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  do {
    /** @type {import('@aws-sdk/client-ssm').DescribeAssociationExecutionsCommandOutput} */
    const page = await ssm.send(new DescribeAssociationExecutionsCommand({
      AssociationId: associationId,
      Filters: [{ Key: 'CreatedTime', Type: 'GREATER_THAN', Value: after }],
      MaxResults: 50,
      NextToken: nextToken,
    }));
    for (const e of page.AssociationExecutions ?? []) {
      const created = e.CreatedTime ? new Date(e.CreatedTime).getTime() : Number.NaN;
      if (e.AssociationVersion === version || (e.AssociationVersion === undefined && created >= updatedAt)) found.push(e);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  found.sort((a, b) => new Date(b.CreatedTime ?? 0).getTime() - new Date(a.CreatedTime ?? 0).getTime());
  return found[0];
}
