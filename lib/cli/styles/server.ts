// The server style (EC2 instances configured by a Systems Manager association): status, watch, rollback, render.
import type { Instance, InstanceStateName, SummaryStatus } from '@aws-sdk/client-ec2';
import type { AssociationDescription, AssociationExecution, AssociationStatusName, AssociationVersionInfo } from '@aws-sdk/client-ssm';
import { isOneOf, newest, type Progress, type RollbackResult, type StackInfoOf, type StatusBase, type StyleAdapter } from '../adapter';
import { awsCall, type AwsContext } from '../aws';
import { dash, paint, table, type Colors } from '../paint';
import { VERSION_PARAMETER_NAMES, VERSION_TAG_KEYS } from '../stack-outputs';

type ServerInfo = StackInfoOf<'server'>;

/**
 * The status of an association run. The SDK types it as a string; the values are its `AssociationStatusName`
 * (Pending, Success, Failed) and, while instances still run it, InProgress.
 */
export type AssociationRunStatus = AssociationStatusName | 'InProgress';

// ---------------------------------------------------------------------------------------------- status

export interface ServerInstanceStatus {
  readonly instanceId: string;
  /** EC2 state, or `not-found`. */
  readonly state: InstanceStateName | 'not-found';
  readonly systemStatus?: SummaryStatus;
  readonly instanceStatus?: SummaryStatus;
  readonly availabilityZone?: string;
  readonly privateIp?: string;
  /** The app version: the association's version parameter, else the instance's version tag. */
  readonly version?: string;
  /** Status of the association's latest execution on this instance (an AssociationRunStatus, typed string by the SDK). */
  readonly associationStatus?: string;
}

export interface AssociationExecutionSummary {
  readonly executionId: string;
  /** An AssociationRunStatus (the SDK types it as a string), or `Unknown`. */
  readonly status: string;
  readonly detailedStatus?: string;
  readonly associationVersion?: string;
  readonly createdTime?: string;
  /** Instances per status, e.g. { Success: 2, Failed: 1 }. */
  readonly counts: Record<string, number>;
}

export interface ServerStatus extends StatusBase<'server'> {
  readonly url?: string;
  readonly association: {
    readonly id: string;
    readonly name?: string;
    readonly associationVersion?: string;
    readonly documentVersion?: string;
    readonly version?: string;
    /** The association's overall status: an AssociationStatusName (typed string by the SDK). */
    readonly status?: string;
    readonly lastExecution?: AssociationExecutionSummary;
  };
  readonly instances: ServerInstanceStatus[];
}

/** Parses SSM's `ResourceCountByStatus` (`{Success=2,Failed=1}`). */
export function parseResourceCounts(text: string | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of (text ?? '').matchAll(/([A-Za-z]+)\s*=\s*(\d+)/g)) counts[m[1]] = Number(m[2]);
  return counts;
}

export function versionFromParameters(parameters: Record<string, string[]> | undefined): string | undefined {
  for (const name of VERSION_PARAMETER_NAMES) {
    const value = parameters?.[name]?.[0];
    if (value) return value;
  }
  return undefined;
}

export function versionFromTags(tags: readonly { Key?: string; Value?: string }[] | undefined): string | undefined {
  for (const key of VERSION_TAG_KEYS) {
    const value = tags?.find((t) => t.Key === key)?.Value;
    if (value) return value;
  }
  return undefined;
}

export function summarizeExecution(e: AssociationExecution): AssociationExecutionSummary {
  return {
    executionId: e.ExecutionId ?? '?',
    status: e.Status ?? 'Unknown',
    detailedStatus: e.DetailedStatus,
    associationVersion: e.AssociationVersion,
    createdTime: e.CreatedTime?.toISOString(),
    counts: parseResourceCounts(e.ResourceCountByStatus),
  };
}

/** The association's newest execution, or undefined when it never ran. */
export async function latestAssociationExecution(ctx: AwsContext, associationId: string): Promise<AssociationExecution | undefined> {
  const res = await awsCall(ctx, 'ssm:DescribeAssociationExecutions', () =>
    ctx.clients.ssm.send(new ctx.sdk.ssm.DescribeAssociationExecutionsCommand({ AssociationId: associationId, MaxResults: 10 })),
  );
  return newest(res.AssociationExecutions, (e) => e.CreatedTime);
}

export async function serverStatus(ctx: AwsContext, info: ServerInfo): Promise<ServerStatus> {
  const { ssm, ec2 } = ctx.clients;
  const associationId = info.associationId;
  const [described, statuses, association, execution] = await Promise.all([
    awsCall(ctx, 'ec2:DescribeInstances', () => ec2.send(new ctx.sdk.ec2.DescribeInstancesCommand({ InstanceIds: info.instanceIds }))),
    awsCall(ctx, 'ec2:DescribeInstanceStatus', () =>
      ec2.send(new ctx.sdk.ec2.DescribeInstanceStatusCommand({ InstanceIds: info.instanceIds, IncludeAllInstances: true })),
    ),
    awsCall(ctx, 'ssm:DescribeAssociation', () => ssm.send(new ctx.sdk.ssm.DescribeAssociationCommand({ AssociationId: associationId }))),
    latestAssociationExecution(ctx, associationId),
  ]);
  const targets = execution?.ExecutionId
    ? await awsCall(ctx, 'ssm:DescribeAssociationExecutionTargets', () =>
        ssm.send(new ctx.sdk.ssm.DescribeAssociationExecutionTargetsCommand({ AssociationId: associationId, ExecutionId: execution.ExecutionId })),
      )
    : undefined;
  const desc = association.AssociationDescription;
  const associationVersion = versionFromParameters(desc?.Parameters);
  const byId = new Map<string, Instance>();
  for (const r of described.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) byId.set(i.InstanceId, i);
  const instances = info.instanceIds.map((id): ServerInstanceStatus => {
    const i = byId.get(id);
    const s = statuses.InstanceStatuses?.find((x) => x.InstanceId === id);
    const target = targets?.AssociationExecutionTargets?.find((t) => t.ResourceId === id);
    return {
      instanceId: id,
      state: i?.State?.Name ?? 'not-found',
      systemStatus: s?.SystemStatus?.Status,
      instanceStatus: s?.InstanceStatus?.Status,
      availabilityZone: i?.Placement?.AvailabilityZone,
      privateIp: i?.PrivateIpAddress,
      version: associationVersion ?? versionFromTags(i?.Tags),
      associationStatus: target?.Status,
    };
  });
  return {
    style: 'server',
    stack: info.stack,
    region: ctx.region,
    url: info.url,
    association: {
      id: associationId,
      name: desc?.Name,
      associationVersion: desc?.AssociationVersion,
      documentVersion: desc?.DocumentVersion,
      version: associationVersion,
      status: desc?.Overview?.Status,
      lastExecution: execution && summarizeExecution(execution),
    },
    instances,
  };
}

// ---------------------------------------------------------------------------------------------- watch

const ASSOCIATION_RUNNING: ReadonlySet<AssociationRunStatus> = new Set(['Pending', 'InProgress']);
const ASSOCIATION_OK: AssociationRunStatus = 'Success';

export async function pollAssociation(ctx: AwsContext, info: ServerInfo): Promise<Progress> {
  const e = await latestAssociationExecution(ctx, info.associationId);
  if (!e) {
    return { subject: `association ${info.associationId}`, status: 'None', message: 'the association has not run yet', done: false, ok: false };
  }
  const s = summarizeExecution(e);
  const total = Math.max(info.instanceIds.length, Object.values(s.counts).reduce((a, b) => a + b, 0));
  const finished = Object.entries(s.counts).filter(([k]) => !isOneOf(ASSOCIATION_RUNNING, k)).reduce((a, [, n]) => a + n, 0);
  const done = !isOneOf(ASSOCIATION_RUNNING, s.status);
  const counts = Object.entries(s.counts).map(([k, n]) => `${k}=${n}`).join(', ');
  return {
    subject: `association ${info.associationId} execution ${s.executionId}`,
    status: s.status,
    percent: done ? 100 : total ? Math.round((finished / total) * 100) : undefined,
    message: `${s.status}${counts ? ` (${counts})` : ''}${s.detailedStatus && s.detailedStatus !== s.status ? `: ${s.detailedStatus}` : ''}`,
    done,
    ok: s.status === ASSOCIATION_OK,
  };
}

// ---------------------------------------------------------------------------------------------- rollback

/** The association fields UpdateAssociation needs again (it resets any optional field left out). */
export function associationUpdateFrom(id: string, v: AssociationVersionInfo, current?: AssociationDescription) {
  return {
    // Not kept per version: carried over from the current association rather than reset.
    AutomationTargetParameterName: current?.AutomationTargetParameterName,
    AlarmConfiguration: current?.AlarmConfiguration,
    AssociationId: id,
    Name: v.Name,
    DocumentVersion: v.DocumentVersion,
    Parameters: v.Parameters,
    Targets: v.Targets,
    ScheduleExpression: v.ScheduleExpression,
    OutputLocation: v.OutputLocation,
    AssociationName: v.AssociationName,
    MaxErrors: v.MaxErrors,
    MaxConcurrency: v.MaxConcurrency,
    ComplianceSeverity: v.ComplianceSeverity,
    SyncCompliance: v.SyncCompliance,
    ApplyOnlyAtCronInterval: v.ApplyOnlyAtCronInterval,
    CalendarNames: v.CalendarNames,
    TargetLocations: v.TargetLocations,
    ScheduleOffset: v.ScheduleOffset,
    Duration: v.Duration,
    TargetMaps: v.TargetMaps,
  };
}

export async function rollbackServer(ctx: AwsContext, info: ServerInfo): Promise<RollbackResult> {
  const base = { style: 'server' as const, stack: info.stack };
  const ssm = ctx.clients.ssm;
  const id = info.associationId;
  const described = await awsCall(ctx, 'ssm:DescribeAssociation', () => ssm.send(new ctx.sdk.ssm.DescribeAssociationCommand({ AssociationId: id })));
  const current = Number(described.AssociationDescription?.AssociationVersion ?? NaN);
  const versions: AssociationVersionInfo[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(ctx, 'ssm:ListAssociationVersions', () =>
      ssm.send(new ctx.sdk.ssm.ListAssociationVersionsCommand({ AssociationId: id, NextToken: token })),
    );
    versions.push(...(page.AssociationVersions ?? []));
    token = page.NextToken;
  } while (token);
  const previous = versions
    .filter((v) => Number(v.AssociationVersion) < current)
    .sort((a, b) => Number(b.AssociationVersion) - Number(a.AssociationVersion))[0];
  if (!previous) {
    return {
      ...base,
      changed: false,
      done: [],
      cannot: [`Association ${id} has no version before ${Number.isNaN(current) ? 'the current one' : current}: there is no previous version to re-apply.`],
      next: [],
    };
  }
  const updated = await awsCall(ctx, 'ssm:UpdateAssociation', () => ssm.send(new ctx.sdk.ssm.UpdateAssociationCommand(associationUpdateFrom(id, previous, described.AssociationDescription))));
  const fromVersion = versionFromParameters(described.AssociationDescription?.Parameters);
  const toVersion = versionFromParameters(previous.Parameters);
  const app = toVersion ? ` (app version ${fromVersion ?? '?'} → ${toVersion})` : '';
  return {
    ...base,
    changed: true,
    done: [
      `Re-applied association ${id} version ${previous.AssociationVersion} as version ${updated.AssociationDescription?.AssociationVersion ?? current + 1}${app}: Systems Manager runs it on the instances now.`,
    ],
    cannot: [
      'CloudFormation still records the newer association: the next `cdk deploy` re-applies the stack\'s version; revert the code to keep this one.',
    ],
    next: [`cdk-orchestrate watch ${info.stack}`],
  };
}

// ---------------------------------------------------------------------------------------------- render

export function renderServer(r: ServerStatus, c: Colors): string[] {
  const a = r.association;
  const lines = [
    `URL:          ${dash(r.url)}`,
    `Association:  ${a.id} ${c.dim(`(${dash(a.name)}, association version ${dash(a.associationVersion)})`)} ${paint(c, a.status)}`,
    `App version:  ${dash(a.version)}`,
  ];
  if (a.lastExecution) {
    const e = a.lastExecution;
    const counts = Object.entries(e.counts).map(([k, n]) => `${k}=${n}`).join(', ');
    lines.push(`Last run:     ${paint(c, e.status)} ${c.dim(`${e.executionId} at ${dash(e.createdTime)}${counts ? `, ${counts}` : ''}`)}`);
  } else {
    lines.push('Last run:     the association has not run yet');
  }
  const t = table(c, ['instance', 'state', 'system check', 'instance check', 'app version', 'last run', 'zone']);
  for (const i of r.instances) {
    t.push([i.instanceId, paint(c, i.state), paint(c, i.systemStatus), paint(c, i.instanceStatus), dash(i.version), paint(c, i.associationStatus), dash(i.availabilityZone)]);
  }
  lines.push(t.toString());
  return lines;
}

export const server = {
  status: serverStatus,
  poll: pollAssociation,
  rollback: rollbackServer,
  render: renderServer,
} satisfies StyleAdapter<'server', ServerStatus>;
