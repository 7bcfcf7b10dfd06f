// The serverless style (a Lambda alias shifted by CodeDeploy): status, watch, rollback, render.
import type { DeploymentInfo, DeploymentStatus } from '@aws-sdk/client-codedeploy';
import type { FunctionConfiguration, FunctionUrlAuthType } from '@aws-sdk/client-lambda';
import { isOneOf, type Progress, type RollbackResult, type StackInfoOf, type StatusBase, type StyleAdapter } from '../adapter';
import { awsCall, isNotFound, type AwsContext } from '../aws';
import { dash, paint, type Colors } from '../paint';

type ServerlessInfo = StackInfoOf<'serverless'>;

// ---------------------------------------------------------------------------------------------- status

export interface DeploymentSummary {
  readonly id: string;
  readonly status: DeploymentStatus | 'Unknown';
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

export interface ServerlessStatus extends StatusBase<'serverless'> {
  readonly url?: string;
  readonly authType?: FunctionUrlAuthType;
  readonly functionName: string;
  readonly alias: { readonly name: string; readonly version?: string };
  /** Where requests go, in percent per version (two entries during a canary). */
  readonly traffic: { readonly version: string; readonly percent: number }[];
  /** The deployment in progress, else the last attempted one. */
  readonly deployment?: DeploymentSummary;
}

/** The statuses of a deployment that has not ended. */
export const DEPLOYMENT_ACTIVE = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const satisfies readonly DeploymentStatus[];

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
export async function currentDeployment(ctx: AwsContext, info: ServerlessInfo): Promise<DeploymentInfo | undefined> {
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

export async function serverlessStatus(ctx: AwsContext, info: ServerlessInfo): Promise<ServerlessStatus> {
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

// ---------------------------------------------------------------------------------------------- watch

const DEPLOYMENT_DONE: ReadonlySet<DeploymentStatus> = new Set(['Succeeded', 'Failed', 'Stopped']);
const DEPLOYMENT_OK: DeploymentStatus = 'Succeeded';

export async function pollTrafficShift(ctx: AwsContext, info: ServerlessInfo): Promise<Progress> {
  const [d, alias] = await Promise.all([
    currentDeployment(ctx, info),
    awsCall(ctx, 'lambda:GetAlias', () =>
      ctx.clients.lambda.send(new ctx.sdk.lambda.GetAliasCommand({ FunctionName: info.functionName, Name: info.aliasName })),
    ),
  ]);
  const traffic = trafficSplit(alias.FunctionVersion, alias.RoutingConfig?.AdditionalVersionWeights);
  const split = traffic.map((t) => `v${t.version} ${t.percent}%`).join(' / ');
  if (!d) {
    return { subject: `alias ${info.aliasName}`, status: 'None', message: `no CodeDeploy deployment yet; traffic: ${split}`, done: true, ok: true, idle: true };
  }
  const s = summarizeDeployment(d);
  const done = isOneOf(DEPLOYMENT_DONE, s.status);
  const ok = s.status === DEPLOYMENT_OK;
  const target = s.targetVersion;
  const shifted = target ? traffic.find((t) => t.version === target)?.percent ?? 0 : undefined;
  const rolledBack = !ok && done;
  const why = s.rollback?.message ?? s.error;
  return {
    subject: `deployment ${s.id}${s.currentVersion && target ? ` (v${s.currentVersion} → v${target})` : ''}`,
    status: rolledBack && s.rollback ? `${s.status}, rolled back` : s.status,
    percent: ok ? 100 : done ? 0 : shifted,
    message: `${s.status}; traffic: ${split}${why ? `: ${why}` : ''}`,
    done,
    ok,
  };
}

// ---------------------------------------------------------------------------------------------- rollback

/** The newest numbered version of a function below `below`. */
export function previousVersion(versions: readonly FunctionConfiguration[], below: string): string | undefined {
  const limit = Number(below);
  const numbers = versions.map((v) => Number(v.Version)).filter((n) => Number.isInteger(n) && n < limit);
  return numbers.length ? String(Math.max(...numbers)) : undefined;
}

const ACTIVE: ReadonlySet<DeploymentStatus> = new Set(DEPLOYMENT_ACTIVE);

export async function rollbackServerless(ctx: AwsContext, info: ServerlessInfo): Promise<RollbackResult> {
  const base = { style: 'serverless' as const, stack: info.stack };
  const { lambda, codeDeploy } = ctx.clients;
  const deployment = await currentDeployment(ctx, info);
  const summary = deployment && summarizeDeployment(deployment);
  if (summary && isOneOf(ACTIVE, summary.status)) {
    const stopped = await awsCall(ctx, 'codedeploy:StopDeployment', () =>
      codeDeploy.send(new ctx.sdk.codeDeploy.StopDeploymentCommand({ deploymentId: summary.id, autoRollbackEnabled: true })),
    );
    const back = summary.currentVersion ? ` back to version ${summary.currentVersion}` : ' back to the previous version';
    const stackToo = summary.creator === 'CloudFormation' ? ' The stack update that started it fails, and CloudFormation rolls the stack back.' : '';
    return {
      ...base,
      changed: true,
      done: [
        `Stopped CodeDeploy deployment ${summary.id} (${stopped.status ?? 'Pending'}${stopped.statusMessage ? `: ${stopped.statusMessage}` : ''}) with automatic rollback: CodeDeploy moves alias ${info.aliasName}${back}.${stackToo}`,
      ],
      cannot: [],
      next: [`cdk-orchestrate watch ${info.stack}`],
    };
  }
  const alias = await awsCall(ctx, 'lambda:GetAlias', () => lambda.send(new ctx.sdk.lambda.GetAliasCommand({ FunctionName: info.functionName, Name: info.aliasName })));
  const current = alias.FunctionVersion;
  let previous = summary?.status === DEPLOYMENT_OK && summary.targetVersion === current ? summary.currentVersion : undefined;
  if (!previous && current && /^\d+$/.test(current)) {
    const versions: FunctionConfiguration[] = [];
    let marker: string | undefined;
    do {
      const page = await awsCall(ctx, 'lambda:ListVersionsByFunction', () =>
        lambda.send(new ctx.sdk.lambda.ListVersionsByFunctionCommand({ FunctionName: info.functionName, Marker: marker })),
      );
      versions.push(...(page.Versions ?? []));
      marker = page.NextMarker;
    } while (marker);
    previous = previousVersion(versions, current);
  }
  if (!previous || previous === current) {
    return {
      ...base,
      changed: false,
      done: [],
      cannot: [`No deployment is in progress and alias ${info.aliasName} (version ${current ?? '?'}) has no earlier version to point back at.`],
      next: [],
    };
  }
  await awsCall(ctx, 'lambda:UpdateAlias', () =>
    lambda.send(
      new ctx.sdk.lambda.UpdateAliasCommand({
        FunctionName: info.functionName,
        Name: info.aliasName,
        FunctionVersion: previous,
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    ),
  );
  return {
    ...base,
    changed: true,
    done: [`Pointed alias ${info.aliasName} of ${info.functionName} from version ${current} back to version ${previous} (all traffic).`],
    cannot: [
      `CloudFormation still records version ${current} for the alias: the next \`cdk deploy\` of a new version moves it forward again; revert the code to keep ${previous}.`,
    ],
    next: [`cdk-orchestrate status ${info.stack}`],
  };
}

// ---------------------------------------------------------------------------------------------- render

export function renderServerless(r: ServerlessStatus, c: Colors): string[] {
  const split = r.traffic.map((t) => `version ${t.version}: ${t.percent}%`).join(', ');
  const lines = [
    `URL:         ${dash(r.url)} ${c.dim(`(auth ${dash(r.authType)})`)}`,
    `Function:    ${r.functionName}, alias ${r.alias.name} → version ${dash(r.alias.version)}`,
    `Traffic:     ${split || '-'}${r.traffic.length > 1 ? c.yellow('  (shifting)') : ''}`,
  ];
  const d = r.deployment;
  if (d) {
    const versions = d.currentVersion && d.targetVersion ? ` version ${d.currentVersion} → ${d.targetVersion}` : '';
    lines.push(`Deployment:  ${d.id} ${paint(c, d.status)}${versions} ${c.dim(`(${dash(d.config)}, started ${dash(d.createTime)})`)}`);
    if (d.rollback) lines.push(`Rollback:    ${c.red(dash(d.rollback.message))}${d.rollback.rollbackDeploymentId ? c.dim(` (${d.rollback.rollbackDeploymentId})`) : ''}`);
    if (d.error) lines.push(`Error:       ${c.red(d.error)}`);
  } else {
    lines.push('Deployment:  none yet');
  }
  return lines;
}

export const serverless = {
  status: serverlessStatus,
  poll: pollTrafficShift,
  rollback: rollbackServerless,
  render: renderServerless,
} satisfies StyleAdapter<'serverless', ServerlessStatus>;
