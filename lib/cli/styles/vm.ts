// The vm style (an Auto Scaling group rolled by instance refreshes): status, watch, rollback, render.
import type { InstanceRefresh, InstanceRefreshStatus, LifecycleState } from '@aws-sdk/client-auto-scaling';
import { isOneOf, newest, type Progress, type RollbackResult, type StackInfoOf, type StatusBase, type StyleAdapter } from '../adapter';
import { awsCall, type AwsContext } from '../aws';
import { CliError } from '../errors';
import { dash, paint, table, type Colors } from '../paint';

type VmInfo = StackInfoOf<'vm'>;

// ---------------------------------------------------------------------------------------------- status

export interface RefreshSummary {
  readonly id: string;
  readonly status: InstanceRefreshStatus | 'Unknown';
  readonly statusReason?: string;
  readonly percentage?: number;
  readonly instancesToUpdate?: number;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly rollback?: { readonly reason?: string; readonly percentage?: number; readonly startTime?: string };
}

export interface VmStatus extends StatusBase<'vm'> {
  readonly url?: string;
  readonly group: { readonly name: string; readonly min?: number; readonly max?: number; readonly desired?: number };
  readonly instances: {
    readonly instanceId: string;
    readonly availabilityZone?: string;
    readonly lifecycleState?: LifecycleState;
    /** Healthy or Unhealthy (the SDK types it as a string). */
    readonly health?: string;
    readonly launchTemplateVersion?: string;
    readonly instanceType?: string;
  }[];
  /** The refresh in progress, else the last one; undefined when the group never had one. */
  readonly refresh?: RefreshSummary;
}

export function summarizeRefresh(r: InstanceRefresh): RefreshSummary {
  const rb = r.RollbackDetails;
  return {
    id: r.InstanceRefreshId ?? '?',
    status: r.Status ?? 'Unknown',
    statusReason: r.StatusReason,
    percentage: r.PercentageComplete,
    instancesToUpdate: r.InstancesToUpdate,
    startTime: r.StartTime?.toISOString(),
    endTime: r.EndTime?.toISOString(),
    rollback: rb && (rb.RollbackReason || rb.RollbackStartTime)
      ? { reason: rb.RollbackReason, percentage: rb.PercentageCompleteOnRollback, startTime: rb.RollbackStartTime?.toISOString() }
      : undefined,
  };
}

/** The group's newest instance refresh, or undefined when it never had one. */
export async function latestRefresh(ctx: AwsContext, groupName: string): Promise<InstanceRefresh | undefined> {
  const res = await awsCall(ctx, 'autoscaling:DescribeInstanceRefreshes', () =>
    ctx.clients.autoScaling.send(new ctx.sdk.autoScaling.DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName, MaxRecords: 10 })),
  );
  return newest(res.InstanceRefreshes, (r) => r.StartTime);
}

export async function vmStatus(ctx: AwsContext, info: VmInfo): Promise<VmStatus> {
  const name = info.autoScalingGroupName;
  const [groups, refresh] = await Promise.all([
    awsCall(ctx, 'autoscaling:DescribeAutoScalingGroups', () =>
      ctx.clients.autoScaling.send(new ctx.sdk.autoScaling.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
    ),
    latestRefresh(ctx, name),
  ]);
  const group = groups.AutoScalingGroups?.[0];
  if (!group) {
    throw new CliError(`not found: Auto Scaling group ${name} does not exist in ${ctx.region}.`, 1, 'Was the stack destroyed or deployed to another region? Re-run `cdk deploy --outputs-file` to refresh the outputs file.');
  }
  return {
    style: 'vm',
    stack: info.stack,
    region: ctx.region,
    url: info.url,
    group: { name, min: group.MinSize, max: group.MaxSize, desired: group.DesiredCapacity },
    instances: (group.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '?',
      availabilityZone: i.AvailabilityZone,
      lifecycleState: i.LifecycleState,
      health: i.HealthStatus,
      launchTemplateVersion: i.LaunchTemplate?.Version,
      instanceType: i.InstanceType,
    })),
    refresh: refresh && summarizeRefresh(refresh),
  };
}

// ---------------------------------------------------------------------------------------------- watch

const REFRESH_OK: ReadonlySet<InstanceRefreshStatus> = new Set(['Successful']);
const REFRESH_DONE: ReadonlySet<InstanceRefreshStatus> = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export async function pollRefresh(ctx: AwsContext, info: VmInfo): Promise<Progress> {
  const r = await latestRefresh(ctx, info.autoScalingGroupName);
  if (!r) {
    return { subject: `Auto Scaling group ${info.autoScalingGroupName}`, status: 'None', message: 'no instance refresh has run on this group', done: true, ok: true, idle: true };
  }
  const s = summarizeRefresh(r);
  const rolling = s.status.startsWith('Rollback');
  const percent = rolling ? s.rollback?.percentage : s.percentage;
  const reason = s.rollback?.reason ?? s.statusReason;
  const done = isOneOf(REFRESH_DONE, s.status);
  return {
    subject: `instance refresh ${s.id}`,
    status: s.status,
    percent,
    message: `${s.status}${percent !== undefined ? ` ${percent}%` : ''}${s.instancesToUpdate !== undefined && !done ? `, ${s.instancesToUpdate} instance(s) left to update` : ''}${reason ? `: ${reason}` : ''}`,
    done,
    ok: isOneOf(REFRESH_OK, s.status),
  };
}

// ---------------------------------------------------------------------------------------------- rollback

const REFRESH_ACTIVE: ReadonlySet<InstanceRefreshStatus> = new Set(['Pending', 'InProgress', 'Baking']);
const REFRESH_ROLLING_BACK: ReadonlySet<InstanceRefreshStatus> = new Set(['RollbackInProgress', 'Cancelling']);

const errorName = (err: unknown) => String((err as { name?: string } | undefined)?.name ?? '');

export async function rollbackVm(ctx: AwsContext, info: VmInfo): Promise<RollbackResult> {
  const group = info.autoScalingGroupName;
  const base = { style: 'vm' as const, stack: info.stack };
  const watch = `cdk-orchestrate watch ${info.stack}`;
  const refresh = await latestRefresh(ctx, group);
  const status = refresh?.Status;
  if (!refresh || !isOneOf(REFRESH_ACTIVE, status)) {
    const last = refresh ? `the last one (${refresh.InstanceRefreshId}) is ${status}` : 'it never had one';
    const rolling = isOneOf(REFRESH_ROLLING_BACK, status);
    return {
      ...base,
      changed: false,
      done: [],
      cannot: [
        rolling
          ? `Instance refresh ${refresh?.InstanceRefreshId} on ${group} is already ${status}: nothing more to do.`
          : `No instance refresh is in progress on ${group} (${last}), so there is nothing to roll back or cancel.`,
        'To return to an earlier version after a rollout finished, deploy that version again (check out the commit, `cdk deploy`).',
      ],
      next: rolling ? [watch] : [],
    };
  }
  let irreversible: unknown;
  const rolled = await awsCall(
    ctx,
    'autoscaling:RollbackInstanceRefresh',
    () => ctx.clients.autoScaling.send(new ctx.sdk.autoScaling.RollbackInstanceRefreshCommand({ AutoScalingGroupName: group })),
    (err) => {
      // Rollback is impossible (no desired configuration, launch template $Latest, ...): cancel instead.
      if (errorName(err) === 'IrreversibleInstanceRefreshFault') {
        irreversible = err;
        return true;
      }
      return false;
    },
  );
  if (rolled) {
    return {
      ...base,
      changed: true,
      done: [`Started rolling back instance refresh ${rolled.InstanceRefreshId ?? refresh.InstanceRefreshId} on ${group}: instances already replaced are replaced again with the previous launch template version.`],
      cannot: [],
      next: [watch],
    };
  }
  const cancelled = await awsCall(ctx, 'autoscaling:CancelInstanceRefresh', () =>
    ctx.clients.autoScaling.send(new ctx.sdk.autoScaling.CancelInstanceRefreshCommand({ AutoScalingGroupName: group })),
  );
  return {
    ...base,
    changed: true,
    done: [`Cancelled instance refresh ${cancelled.InstanceRefreshId ?? refresh.InstanceRefreshId} on ${group}: no more instances are replaced.`],
    cannot: [
      `Could not roll it back (${(irreversible as Error).message}); instances already replaced keep the new version until you deploy the previous version again.`,
    ],
    next: [watch],
  };
}

// ---------------------------------------------------------------------------------------------- render

export function refreshLine(c: Colors, s: VmStatus['refresh']): string {
  if (!s) return 'Instance refresh: none has run on this group';
  const pct = s.rollback?.percentage ?? s.percentage;
  const reason = s.rollback?.reason ?? s.statusReason;
  return `Instance refresh: ${s.id} ${paint(c, s.status)}${pct !== undefined ? ` ${pct}%` : ''}${reason ? c.dim(` (${reason})`) : ''}`;
}

export function renderVm(r: VmStatus, c: Colors): string[] {
  const g = r.group;
  const healthy = r.instances.filter((i) => i.health === 'Healthy' && i.lifecycleState === 'InService').length;
  const lines = [
    `URL:              ${dash(r.url)}`,
    `Group:            ${g.name} ${c.dim(`(min ${dash(g.min)}, desired ${dash(g.desired)}, max ${dash(g.max)})`)}; ${healthy}/${r.instances.length} in service and healthy`,
    refreshLine(c, r.refresh),
  ];
  const t = table(c, ['instance', 'lifecycle', 'health', 'template version', 'type', 'zone']);
  for (const i of r.instances) {
    t.push([i.instanceId, paint(c, i.lifecycleState), paint(c, i.health), dash(i.launchTemplateVersion), dash(i.instanceType), dash(i.availabilityZone)]);
  }
  lines.push(t.toString());
  return lines;
}

export const vm = {
  status: vmStatus,
  poll: pollRefresh,
  rollback: rollbackVm,
  render: renderVm,
} satisfies StyleAdapter<'vm', VmStatus>;
