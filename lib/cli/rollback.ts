import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { AssociationDescription, AssociationVersionInfo } from '@aws-sdk/client-ssm';
import { awsCall, type AwsContext } from './aws';
import type { Kubectl } from './kubectl';
import type { StackInfo } from './outputs';
import { containerCommands, currentDeployment, DEPLOYMENT_ACTIVE, latestRefresh, summarizeDeployment, versionFromParameters } from './status';

/** What `rollback` did, and what it could not do, in sentences for people. */
export interface RollbackResult {
  readonly style: StackInfo['style'];
  readonly stack: string;
  /** True when something was changed. */
  readonly changed: boolean;
  /** What was done. */
  readonly done: string[];
  /** What could not be done, and why. */
  readonly cannot: string[];
  /** What to run next. */
  readonly next: string[];
}

const errorName = (err: unknown) => String((err as { name?: string } | undefined)?.name ?? '');

// --------------------------------------------------------------------------------------------- vm

const REFRESH_ACTIVE = new Set(['Pending', 'InProgress', 'Baking']);

export async function rollbackVm(ctx: AwsContext, info: Extract<StackInfo, { style: 'vm' }>): Promise<RollbackResult> {
  const group = info.autoScalingGroupName;
  const base = { style: 'vm' as const, stack: info.stack };
  const watch = `cdk-orchestrate watch ${info.stack}`;
  const refresh = await latestRefresh(ctx, group);
  const status = refresh?.Status;
  if (!refresh || !status || !REFRESH_ACTIVE.has(status)) {
    const last = refresh ? `the last one (${refresh.InstanceRefreshId}) is ${status}` : 'it never had one';
    const rolling = status === 'RollbackInProgress' || status === 'Cancelling';
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

// --------------------------------------------------------------------------------------------- serverless

/** The newest numbered version of a function below `below`. */
export function previousVersion(versions: readonly FunctionConfiguration[], below: string): string | undefined {
  const limit = Number(below);
  const numbers = versions.map((v) => Number(v.Version)).filter((n) => Number.isInteger(n) && n < limit);
  return numbers.length ? String(Math.max(...numbers)) : undefined;
}

export async function rollbackServerless(ctx: AwsContext, info: Extract<StackInfo, { style: 'serverless' }>): Promise<RollbackResult> {
  const base = { style: 'serverless' as const, stack: info.stack };
  const { lambda, codeDeploy } = ctx.clients;
  const deployment = await currentDeployment(ctx, info);
  const summary = deployment && summarizeDeployment(deployment);
  if (summary && (DEPLOYMENT_ACTIVE as readonly string[]).includes(summary.status)) {
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
  let previous = summary?.status === 'Succeeded' && summary.targetVersion === current ? summary.currentVersion : undefined;
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

// --------------------------------------------------------------------------------------------- server

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

export async function rollbackServer(ctx: AwsContext, info: Extract<StackInfo, { style: 'server' }>): Promise<RollbackResult> {
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

// --------------------------------------------------------------------------------------------- container

export async function rollbackContainer(
  ctx: AwsContext,
  info: Extract<StackInfo, { style: 'container' }>,
  kubectl: Kubectl | undefined,
): Promise<RollbackResult> {
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

export interface RollbackOptions {
  /** @default - none: the container style prints the kubectl commands instead */
  readonly kubectl?: Kubectl;
}

/** Rolls back what can be rolled back for a stack's style, and says what it did. */
export function rollback(ctx: AwsContext, info: StackInfo, options: RollbackOptions = {}): Promise<RollbackResult> {
  switch (info.style) {
    case 'vm':
      return rollbackVm(ctx, info);
    case 'serverless':
      return rollbackServerless(ctx, info);
    case 'server':
      return rollbackServer(ctx, info);
    case 'container':
      return rollbackContainer(ctx, info, options.kubectl);
  }
}
