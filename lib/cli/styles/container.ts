// The container style (a Kubernetes Deployment on EKS, read through kubectl): status, watch, rollback, render.
import type { ClusterStatus, NodegroupStatus } from '@aws-sdk/client-eks';
import type { AdapterOptions, Progress, RollbackResult, StackInfoOf, StatusBase, StyleAdapter } from '../adapter';
import { awsCall, type AwsContext } from '../aws';
import { CliError } from '../errors';
import { shellCommand, type Kubectl } from '../kubectl';
import { dash, paint, type Colors } from '../paint';

type ContainerInfo = StackInfoOf<'container'>;

// ---------------------------------------------------------------------------------------------- status

export interface ContainerStatus extends StatusBase<'container'> {
  readonly cluster: { readonly name: string; readonly status?: ClusterStatus; readonly version?: string; readonly endpoint?: string };
  readonly nodegroup?: {
    readonly name: string;
    readonly status?: NodegroupStatus;
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

export function containerCommands(info: ContainerInfo, region: string): { configure: string; rollout: string; get: string; undo: string } {
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

export async function containerStatus(ctx: AwsContext, info: ContainerInfo, kubectl: Kubectl | undefined): Promise<ContainerStatus> {
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

// ---------------------------------------------------------------------------------------------- watch

export async function pollKubernetesRollout(ctx: AwsContext, info: ContainerInfo, kubectl: Kubectl | undefined): Promise<Progress> {
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

// ---------------------------------------------------------------------------------------------- rollback

export async function rollbackContainer(ctx: AwsContext, info: ContainerInfo, kubectl: Kubectl | undefined): Promise<RollbackResult> {
  const base = { style: 'container' as const, stack: info.stack };
  const cmds = containerCommands(info, ctx.region);
  if (!kubectl) {
    return {
      ...base,
      changed: false,
      done: [],
      cannot: ['kubectl is not on PATH, so the Deployment cannot be rolled back from here (EKS has no AWS API for it).'],
      next: [cmds.configure, cmds.undo, cmds.rollout],
    };
  }
  const res = await kubectl(['rollout', 'undo', `deployment/${info.deploymentName}`, '-n', info.namespace]);
  if (res.code !== 0) {
    return {
      ...base,
      changed: false,
      done: [],
      cannot: [`kubectl rollout undo failed: ${(res.stderr || res.stdout).trim().split('\n')[0]}`],
      next: [cmds.configure, cmds.undo],
    };
  }
  return {
    ...base,
    changed: true,
    done: [`Rolled deployment ${info.deploymentName} in ${info.namespace} back to its previous ReplicaSet (${res.stdout.trim()}).`],
    cannot: ['The stack still holds the newer manifest: the next `cdk deploy` re-applies it; revert the code to keep the old one.'],
    next: [`cdk-orchestrate watch ${info.stack}`],
  };
}

// ---------------------------------------------------------------------------------------------- render

export function renderContainer(r: ContainerStatus, c: Colors): string[] {
  const lines = [`Cluster:     ${r.cluster.name} ${paint(c, r.cluster.status)} ${c.dim(`(Kubernetes ${dash(r.cluster.version)})`)}`];
  if (r.nodegroup) {
    const n = r.nodegroup;
    lines.push(`Node group:  ${n.name} ${paint(c, n.status)} ${c.dim(`(min ${dash(n.min)}, desired ${dash(n.desired)}, max ${dash(n.max)})`)}`);
    for (const issue of n.issues) lines.push(`  ${c.red(issue)}`);
  }
  if (r.deployment) {
    const d = r.deployment;
    lines.push(
      `Deployment:  ${d.namespace}/${d.name} ${d.complete ? c.green('complete') : c.yellow('rolling out')}: ${d.updated}/${d.replicas} updated, ${d.ready} ready, ${d.available} available`,
      `Rollout:     ${d.rollout}`,
    );
  } else {
    lines.push(`Deployment:  not shown: ${dash(r.kubectlProblem)}. Run:`);
    for (const cmd of r.commands) lines.push(`  ${cmd}`);
  }
  return lines;
}

export const container = {
  status: (ctx, info, options: AdapterOptions) => containerStatus(ctx, info, options.kubectl),
  poll: (ctx, info, options: AdapterOptions) => pollKubernetesRollout(ctx, info, options.kubectl),
  rollback: (ctx, info, options: AdapterOptions) => rollbackContainer(ctx, info, options.kubectl),
  render: renderContainer,
} satisfies StyleAdapter<'container', ContainerStatus>;
