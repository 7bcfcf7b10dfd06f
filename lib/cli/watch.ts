import { awsCall, sleep as realSleep, type AwsContext } from './aws';
import { CliError } from './errors';
import type { Kubectl } from './kubectl';
import type { StackInfo } from './outputs';
import {
  containerCommands,
  currentDeployment,
  latestAssociationExecution,
  latestRefresh,
  summarizeDeployment,
  summarizeExecution,
  summarizeRefresh,
  trafficSplit,
} from './status';

/** One observation of a rollout. */
export interface Progress {
  /** What is being followed, e.g. `instance refresh 0a1b…`. */
  readonly subject: string;
  /** The provider's status word (InProgress, Successful, RollbackSuccessful, ...). */
  readonly status: string;
  /** 0-100 when known. */
  readonly percent?: number;
  /** One line for people. */
  readonly message: string;
  /** True when the rollout has ended. */
  readonly done: boolean;
  /** When done: true only if it succeeded (not failed, cancelled or rolled back). */
  readonly ok: boolean;
  /** True when nothing was in progress and the report is about the last rollout. */
  readonly idle?: boolean;
}

// --------------------------------------------------------------------------------------------- vm

const REFRESH_OK = new Set(['Successful']);
const REFRESH_DONE = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export async function pollRefresh(ctx: AwsContext, info: Extract<StackInfo, { style: 'vm' }>): Promise<Progress> {
  const r = await latestRefresh(ctx, info.autoScalingGroupName);
  if (!r) {
    return { subject: `Auto Scaling group ${info.autoScalingGroupName}`, status: 'None', message: 'no instance refresh has run on this group', done: true, ok: true, idle: true };
  }
  const s = summarizeRefresh(r);
  const rolling = s.status.startsWith('Rollback');
  const percent = rolling ? s.rollback?.percentage : s.percentage;
  const reason = s.rollback?.reason ?? s.statusReason;
  return {
    subject: `instance refresh ${s.id}`,
    status: s.status,
    percent,
    message: `${s.status}${percent !== undefined ? ` ${percent}%` : ''}${s.instancesToUpdate !== undefined && !REFRESH_DONE.has(s.status) ? `, ${s.instancesToUpdate} instance(s) left to update` : ''}${reason ? `: ${reason}` : ''}`,
    done: REFRESH_DONE.has(s.status),
    ok: REFRESH_OK.has(s.status),
  };
}

// --------------------------------------------------------------------------------------------- server

const ASSOCIATION_RUNNING = new Set(['Pending', 'InProgress']);

export async function pollAssociation(ctx: AwsContext, info: Extract<StackInfo, { style: 'server' }>): Promise<Progress> {
  const e = await latestAssociationExecution(ctx, info.associationId);
  if (!e) {
    return { subject: `association ${info.associationId}`, status: 'None', message: 'the association has not run yet', done: false, ok: false };
  }
  const s = summarizeExecution(e);
  const total = Math.max(info.instanceIds.length, Object.values(s.counts).reduce((a, b) => a + b, 0));
  const finished = Object.entries(s.counts).filter(([k]) => !ASSOCIATION_RUNNING.has(k)).reduce((a, [, n]) => a + n, 0);
  const done = !ASSOCIATION_RUNNING.has(s.status);
  const counts = Object.entries(s.counts).map(([k, n]) => `${k}=${n}`).join(', ');
  return {
    subject: `association ${info.associationId} execution ${s.executionId}`,
    status: s.status,
    percent: done ? 100 : total ? Math.round((finished / total) * 100) : undefined,
    message: `${s.status}${counts ? ` (${counts})` : ''}${s.detailedStatus && s.detailedStatus !== s.status ? `: ${s.detailedStatus}` : ''}`,
    done,
    ok: s.status === 'Success',
  };
}

// --------------------------------------------------------------------------------------------- serverless

const DEPLOYMENT_DONE = new Set(['Succeeded', 'Failed', 'Stopped']);

export async function pollTrafficShift(ctx: AwsContext, info: Extract<StackInfo, { style: 'serverless' }>): Promise<Progress> {
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
  const done = DEPLOYMENT_DONE.has(s.status);
  const target = s.targetVersion;
  const shifted = target ? traffic.find((t) => t.version === target)?.percent ?? 0 : undefined;
  const rolledBack = s.status !== 'Succeeded' && done;
  const why = s.rollback?.message ?? s.error;
  return {
    subject: `deployment ${s.id}${s.currentVersion && target ? ` (v${s.currentVersion} → v${target})` : ''}`,
    status: rolledBack && s.rollback ? `${s.status}, rolled back` : s.status,
    percent: s.status === 'Succeeded' ? 100 : done ? 0 : shifted,
    message: `${s.status}; traffic: ${split}${why ? `: ${why}` : ''}`,
    done,
    ok: s.status === 'Succeeded',
  };
}

// --------------------------------------------------------------------------------------------- follow

export interface FollowOptions {
  /** Between polls. @default 10000 */
  readonly intervalMs?: number;
  /** Give up after. @default 3600000 (1 h) */
  readonly timeoutMs?: number;
  /** Called on every observation. */
  readonly onProgress?: (p: Progress) => void;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Polls until the rollout ends or the timeout passes (a CliError). Returns the last observation. */
export async function follow(poll: () => Promise<Progress>, options: FollowOptions = {}): Promise<Progress> {
  const interval = options.intervalMs ?? 10_000;
  const timeout = options.timeoutMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? realSleep;
  const start = now();
  for (;;) {
    const p = await poll();
    options.onProgress?.(p);
    if (p.done) return p;
    if (now() - start + interval > timeout) {
      throw new CliError(`gave up after ${Math.round(timeout / 1000)} s: ${p.subject} is still ${p.status}.`, 1, 'Run watch again, or raise --timeout.');
    }
    await wait(interval);
  }
}

/** The poll function for a stack's style. The container style follows the rollout through kubectl. */
export function pollerFor(ctx: AwsContext, info: StackInfo, kubectl: Kubectl | undefined): () => Promise<Progress> {
  switch (info.style) {
    case 'vm':
      return () => pollRefresh(ctx, info);
    case 'server':
      return () => pollAssociation(ctx, info);
    case 'serverless':
      return () => pollTrafficShift(ctx, info);
    case 'container':
      return () => pollKubernetesRollout(ctx, info, kubectl);
  }
}

export async function pollKubernetesRollout(
  ctx: AwsContext,
  info: Extract<StackInfo, { style: 'container' }>,
  kubectl: Kubectl | undefined,
): Promise<Progress> {
  const cmds = containerCommands(info, ctx.region);
  if (!kubectl) {
    throw new CliError('watch needs kubectl on PATH for the container style.', 1, `Run: ${cmds.configure} && ${cmds.rollout}`);
  }
  const target = [`deployment/${info.deploymentName}`, '-n', info.namespace];
  const got = await kubectl(['get', ...target, '-o', 'jsonpath={.spec.replicas} {.status.updatedReplicas} {.status.availableReplicas}']);
  const status = await kubectl(['rollout', 'status', ...target, '--watch=false']);
  if (got.code !== 0 || status.code !== 0) {
    const why = (status.stderr || got.stderr || status.stdout).trim().split('\n')[0];
    if (/exceeded its progress deadline/.test(why)) {
      return { subject: `deployment ${info.deploymentName}`, status: 'Failed', message: why, done: true, ok: false };
    }
    throw new CliError(`kubectl could not read deployment ${info.deploymentName}: ${why}`, 1, `Configure kubectl first: ${cmds.configure}`);
  }
  const [wanted, updated, available] = got.stdout.trim().split(/\s+/).map((n) => Number(n) || 0);
  const message = status.stdout.trim().split('\n').pop() ?? '';
  const done = /successfully rolled out/.test(message);
  return {
    subject: `deployment ${info.deploymentName}`,
    status: done ? 'Complete' : 'Progressing',
    percent: wanted ? Math.round((Math.min(updated, available) / wanted) * 100) : undefined,
    message,
    done,
    ok: done,
  };
}
