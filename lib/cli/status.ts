import type { InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import type { Instance } from '@aws-sdk/client-ec2';
import type { AssociationExecution } from '@aws-sdk/client-ssm';
import { awsCall, isNotFound, type AwsContext } from './aws';
import { CliError } from './errors';
import type { Kubectl } from './kubectl';
import { shellCommand } from './kubectl';
import type { StackInfo } from './outputs';
import { VERSION_PARAMETER_NAMES, VERSION_TAG_KEYS } from './stack-outputs';

// ---------------------------------------------------------------------------------------------- server

export interface ServerInstanceStatus {
  readonly instanceId: string;
  /** EC2 state: pending, running, stopped, terminated, ... or `not-found`. */
  readonly state: string;
  readonly systemStatus?: string;
  readonly instanceStatus?: string;
  readonly availabilityZone?: string;
  readonly privateIp?: string;
  /** The app version: the association's version parameter, else the instance's version tag. */
  readonly version?: string;
  /** Status of the association's latest execution on this instance. */
  readonly associationStatus?: string;
}

export interface AssociationExecutionSummary {
  readonly executionId: string;
  readonly status: string;
  readonly detailedStatus?: string;
  readonly associationVersion?: string;
  readonly createdTime?: string;
  /** Instances per status, e.g. { Success: 2, Failed: 1 }. */
  readonly counts: Record<string, number>;
}

export interface ServerStatus {
  readonly style: 'server';
  readonly stack: string;
  readonly region: string;
  readonly url?: string;
  readonly association: {
    readonly id: string;
    readonly name?: string;
    readonly associationVersion?: string;
    readonly documentVersion?: string;
    readonly version?: string;
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

/** The newest of a list by a date field (SSM and ASG do not promise an order). */
export function newest<T>(items: readonly T[] | undefined, date: (item: T) => Date | undefined): T | undefined {
  let best: T | undefined;
  for (const item of items ?? []) {
    if (best === undefined || (date(item)?.getTime() ?? 0) > (date(best)?.getTime() ?? 0)) best = item;
  }
  return best;
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

export async function serverStatus(ctx: AwsContext, info: Extract<StackInfo, { style: 'server' }>): Promise<ServerStatus> {
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

// ---------------------------------------------------------------------------------------------- vm

export interface RefreshSummary {
  readonly id: string;
  /** Pending | InProgress | Successful | Failed | Cancelling | Cancelled | RollbackInProgress | RollbackFailed | RollbackSuccessful | Baking */
  readonly status: string;
  readonly statusReason?: string;
  readonly percentage?: number;
  readonly instancesToUpdate?: number;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly rollback?: { readonly reason?: string; readonly percentage?: number; readonly startTime?: string };
}

export interface VmStatus {
  readonly style: 'vm';
  readonly stack: string;
  readonly region: string;
  readonly url?: string;
  readonly group: { readonly name: string; readonly min?: number; readonly max?: number; readonly desired?: number };
  readonly instances: {
    readonly instanceId: string;
    readonly availabilityZone?: string;
    readonly lifecycleState?: string;
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

export async function vmStatus(ctx: AwsContext, info: Extract<StackInfo, { style: 'vm' }>): Promise<VmStatus> {
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

// ---------------------------------------------------------------------------------------------- serverless

export interface DeploymentSummary {
  readonly id: string;
  /** Created | Queued | InProgress | Baking | Succeeded | Failed | Stopped | Ready */
  readonly status: string;
  readonly creator?: string;
  readonly config?: string;
  readonly createTime?: string;
  readonly completeTime?: string;
  readonly error?: string;
  readonly rollback?: { readonly message?: string; readonly rollbackDeploymentId?: string; readonly triggeredBy?: string };
  /** From the AppSpec: the version traffic moves from and to. */
  readonly currentVersion?: string;
  readonly targetVersion?: string;
}

export interface ServerlessStatus {
  readonly style: 'serverless';
  readonly stack: string;
  readonly region: string;
  readonly url?: string;
  readonly authType?: string;
  readonly functionName: string;
  readonly alias: { readonly name: string; readonly version?: string };
  /** Where requests go, in percent per version (two entries during a canary). */
  readonly traffic: { readonly version: string; readonly percent: number }[];
  /** The deployment in progress, else the last attempted one. */
  readonly deployment?: DeploymentSummary;
}

export const DEPLOYMENT_ACTIVE = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** Percent of traffic per version from an alias's version and routing weights. */
export function trafficSplit(version: string | undefined, weights: Record<string, number> | undefined): { version: string; percent: number }[] {
  const extra = Object.entries(weights ?? {}).map(([v, w]) => ({ version: v, percent: round(w * 100) }));
  const rest = round(100 - extra.reduce((sum, e) => sum + e.percent, 0));
  return [...(version ? [{ version, percent: rest }] : []), ...extra];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Reads CurrentVersion/TargetVersion from a Lambda AppSpec (JSON or simple YAML). */
export function appSpecVersions(content: string | undefined): { currentVersion?: string; targetVersion?: string } {
  if (!content) return {};
  const pick = (key: string) => content.match(new RegExp(`"?${key}"?\\s*:\\s*"?([^",\\s}]+)`))?.[1];
  return { currentVersion: pick('CurrentVersion'), targetVersion: pick('TargetVersion') };
}

export function summarizeDeployment(d: DeploymentInfo): DeploymentSummary {
  const versions = appSpecVersions(d.revision?.appSpecContent?.content ?? d.revision?.string?.content);
  return {
    id: d.deploymentId ?? '?',
    status: d.status ?? 'Unknown',
    creator: d.creator,
    config: d.deploymentConfigName,
    createTime: d.createTime?.toISOString(),
    completeTime: d.completeTime?.toISOString(),
    error: d.errorInformation?.message ? `${d.errorInformation.code ?? ''} ${d.errorInformation.message}`.trim() : undefined,
    rollback: d.rollbackInfo
      ? {
          message: d.rollbackInfo.rollbackMessage,
          rollbackDeploymentId: d.rollbackInfo.rollbackDeploymentId,
          triggeredBy: d.rollbackInfo.rollbackTriggeringDeploymentId,
        }
      : undefined,
    ...versions,
  };
}

/** The deployment in progress for the group, else the last attempted one, else undefined. */
export async function currentDeployment(ctx: AwsContext, info: Extract<StackInfo, { style: 'serverless' }>): Promise<DeploymentInfo | undefined> {
  const cd = ctx.clients.codeDeploy;
  const group = { applicationName: info.application, deploymentGroupName: info.deploymentGroup };
  const active = await awsCall(ctx, 'codedeploy:ListDeployments', () =>
    cd.send(new ctx.sdk.codeDeploy.ListDeploymentsCommand({ ...group, includeOnlyStatuses: [...DEPLOYMENT_ACTIVE] })),
  );
  let id = active.deployments?.[0];
  if (!id) {
    const g = await awsCall(ctx, 'codedeploy:GetDeploymentGroup', () => cd.send(new ctx.sdk.codeDeploy.GetDeploymentGroupCommand(group)));
    id = g.deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId;
  }
  if (!id) return undefined;
  const deploymentId = id;
  const res = await awsCall(ctx, 'codedeploy:GetDeployment', () => cd.send(new ctx.sdk.codeDeploy.GetDeploymentCommand({ deploymentId })));
  return res.deploymentInfo;
}

export async function serverlessStatus(ctx: AwsContext, info: Extract<StackInfo, { style: 'serverless' }>): Promise<ServerlessStatus> {
  const lambda = ctx.clients.lambda;
  const [alias, url, deployment] = await Promise.all([
    awsCall(ctx, 'lambda:GetAlias', () => lambda.send(new ctx.sdk.lambda.GetAliasCommand({ FunctionName: info.functionName, Name: info.aliasName }))),
    awsCall(
      ctx,
      'lambda:GetFunctionUrlConfig',
      () => lambda.send(new ctx.sdk.lambda.GetFunctionUrlConfigCommand({ FunctionName: info.functionName, Qualifier: info.aliasName })),
      isNotFound,
    ),
    currentDeployment(ctx, info),
  ]);
  return {
    style: 'serverless',
    stack: info.stack,
    region: ctx.region,
    url: url?.FunctionUrl ?? info.url,
    authType: url?.AuthType,
    functionName: info.functionName,
    alias: { name: info.aliasName, version: alias.FunctionVersion },
    traffic: trafficSplit(alias.FunctionVersion, alias.RoutingConfig?.AdditionalVersionWeights),
    deployment: deployment && summarizeDeployment(deployment),
  };
}

// ---------------------------------------------------------------------------------------------- container

export interface ContainerStatus {
  readonly style: 'container';
  readonly stack: string;
  readonly region: string;
  readonly cluster: { readonly name: string; readonly status?: string; readonly version?: string; readonly endpoint?: string };
  readonly nodegroup?: {
    readonly name: string;
    readonly status?: string;
    readonly min?: number;
    readonly max?: number;
    readonly desired?: number;
    readonly issues: string[];
  };
  /** The Deployment as kubectl saw it; undefined when kubectl is not on PATH or could not reach the cluster. */
  readonly deployment?: {
    readonly name: string;
    readonly namespace: string;
    readonly replicas?: number;
    readonly updated?: number;
    readonly ready?: number;
    readonly available?: number;
    readonly rollout: string;
    readonly complete: boolean;
  };
  /** Why the Deployment is not shown, when it is not. */
  readonly kubectlProblem?: string;
  /** Commands to run by hand (configure kubectl, follow the rollout). */
  readonly commands: string[];
}

export function containerCommands(info: Extract<StackInfo, { style: 'container' }>, region: string): { configure: string; rollout: string; get: string; undo: string } {
  const target = [`deployment/${info.deploymentName}`, '-n', info.namespace];
  return {
    configure: info.configureKubectlCommand ?? shellCommand(['aws', 'eks', 'update-kubeconfig', '--name', info.clusterName, '--region', region]),
    rollout: shellCommand(['kubectl', 'rollout', 'status', ...target]),
    get: shellCommand(['kubectl', 'get', ...target, '-o', 'wide']),
    undo: shellCommand(['kubectl', 'rollout', 'undo', ...target]),
  };
}

interface KubeDeployment {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

export async function containerStatus(
  ctx: AwsContext,
  info: Extract<StackInfo, { style: 'container' }>,
  kubectl: Kubectl | undefined,
): Promise<ContainerStatus> {
  const eks = ctx.clients.eks;
  const [cluster, nodegroup] = await Promise.all([
    awsCall(ctx, 'eks:DescribeCluster', () => eks.send(new ctx.sdk.eks.DescribeClusterCommand({ name: info.clusterName }))),
    info.nodegroupName
      ? awsCall(ctx, 'eks:DescribeNodegroup', () =>
          eks.send(new ctx.sdk.eks.DescribeNodegroupCommand({ clusterName: info.clusterName, nodegroupName: info.nodegroupName })),
        )
      : Promise.resolve(undefined),
  ]);
  const cmds = containerCommands(info, ctx.region);
  let deployment: ContainerStatus['deployment'];
  let kubectlProblem: string | undefined;
  if (!kubectl) {
    kubectlProblem = 'kubectl is not on PATH';
  } else {
    const target = [`deployment/${info.deploymentName}`, '-n', info.namespace];
    const [got, rollout] = await Promise.all([
      kubectl(['get', ...target, '-o', 'json']),
      kubectl(['rollout', 'status', ...target, '--watch=false']),
    ]);
    if (got.code !== 0) {
      kubectlProblem = `kubectl could not read the Deployment: ${(got.stderr || got.stdout).trim().split('\n')[0]}`;
    } else {
      const d = JSON.parse(got.stdout) as KubeDeployment;
      const s = d.status ?? {};
      const wanted = d.spec?.replicas ?? 1;
      const complete =
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (s.updatedReplicas ?? 0) === wanted &&
        (s.availableReplicas ?? 0) === wanted &&
        (s.replicas ?? 0) === wanted;
      deployment = {
        name: info.deploymentName,
        namespace: info.namespace,
        replicas: wanted,
        updated: s.updatedReplicas ?? 0,
        ready: s.readyReplicas ?? 0,
        available: s.availableReplicas ?? 0,
        rollout: (rollout.stdout || rollout.stderr).trim(),
        complete,
      };
    }
  }
  const ng = nodegroup?.nodegroup;
  return {
    style: 'container',
    stack: info.stack,
    region: ctx.region,
    cluster: {
      name: info.clusterName,
      status: cluster.cluster?.status,
      version: cluster.cluster?.version,
      endpoint: cluster.cluster?.endpoint,
    },
    nodegroup: info.nodegroupName
      ? {
          name: info.nodegroupName,
          status: ng?.status,
          min: ng?.scalingConfig?.minSize,
          max: ng?.scalingConfig?.maxSize,
          desired: ng?.scalingConfig?.desiredSize,
          issues: (ng?.health?.issues ?? []).map((i) => `${i.code ?? ''}: ${i.message ?? ''}`),
        }
      : undefined,
    deployment,
    kubectlProblem,
    commands: [cmds.configure, cmds.rollout, cmds.get],
  };
}

// ---------------------------------------------------------------------------------------------- any

export type StatusReport = ServerStatus | VmStatus | ServerlessStatus | ContainerStatus;

export interface StatusOptions {
  /** @default - none: the container style prints the kubectl commands instead */
  readonly kubectl?: Kubectl;
}

/** The status of a deployed stack, by its style. */
export function stackStatus(ctx: AwsContext, info: StackInfo, options: StatusOptions = {}): Promise<StatusReport> {
  switch (info.style) {
    case 'server':
      return serverStatus(ctx, info);
    case 'vm':
      return vmStatus(ctx, info);
    case 'serverless':
      return serverlessStatus(ctx, info);
    case 'container':
      return containerStatus(ctx, info, options.kubectl);
  }
}
