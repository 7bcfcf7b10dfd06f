import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { CfnResource, CustomResource, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeControl } from '../shared/compliance';
import { acknowledgeNag } from '../shared/nag';

/** Props of {@link RolloutWaiter}. */
export interface RolloutWaiterProps {
  /** The rollout association whose execution of the current version is waited for. */
  readonly association: ssm.CfnAssociation;
  /**
   * How long the rollout may take, counted from the execution's start (the association's
   * WaitForSuccessTimeoutSeconds, the same budget). May be a deploy-time value in seconds.
   */
  readonly waitForSuccessSeconds: number;
  /** The largest value `waitForSuccessSeconds` can take (the number of legs is counted at synth). */
  readonly maxWaitForSuccessSeconds: number;
  /**
   * How long the waiter's log group keeps its records.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The KMS key the waiter's log group is encrypted with (its policy must let CloudWatch Logs use it).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/** How long one leg (one custom resource) waits: a custom resource operation may take at most 1 hour. */
export const ROLLOUT_WAITER_LEG = Duration.minutes(55);
/** The Provider framework's limit per operation (its maximum). */
const PROVIDER_TIMEOUT = Duration.hours(1);
const QUERY_INTERVAL = Duration.seconds(30);

/**
 * Waits, on every release, until the rollout association's execution of its current version succeeds, and
 * fails the deploy (so CloudFormation rolls back) when it fails or does not succeed within the budget.
 *
 * Why: the AWS::SSM::Association resource provider ends an update at the first `Overview.Status: Success`
 * it polls, and AWS does not document that UpdateAssociation resets that status first, so the association
 * alone may let `cdk deploy` return while the servers still roll (and miss a failed rollout). This works
 * whether or not it does: if CloudFormation already waited, the execution is found finished at once.
 *
 * A custom resource operation may take at most an hour (ServiceTimeout 1-3600 s), so a longer budget is
 * covered by legs: custom resources one after the other, each waiting up to 55 minutes for the same
 * execution and handing over while it is still running; the last one fails when the budget is spent.
 */
export class RolloutWaiter extends Construct {
  /** The legs, in order (one for a budget up to 55 minutes); the last one completes after the rollout. */
  public readonly legs: CustomResource[];
  /** The role of the waiter's functions: reads this association and its executions, writes its log group. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RolloutWaiterProps) {
    super(scope, id);
    const association = props.association;
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: props.logEncryptionKey,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rollout waiter: reads one SSM association and its executions, writes its own log group',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:DescribeAssociation', 'ssm:DescribeAssociationExecutions'],
      resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'association', resourceName: association.attrAssociationId })],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    const provider = this.createProvider(logGroup);
    const legCount = legsFor(props.maxWaitForSuccessSeconds);
    this.legs = [];
    for (let leg = 1; leg <= legCount; leg++) {
      const previous = this.legs[leg - 2];
      const resource = new CustomResource(this, legCount === 1 ? 'Resource' : `Leg${leg}`, {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::ServerRolloutWaiter',
        properties: {
          AssociationId: association.attrAssociationId,
          BudgetSeconds: Token.isUnresolved(props.waitForSuccessSeconds) ? props.waitForSuccessSeconds : String(props.waitForSuccessSeconds),
          LegSeconds: String(ROLLOUT_WAITER_LEG.toSeconds()),
          Leg: String(leg),
          Legs: String(legCount),
          // What makes SSM run the association again: when it changes, CloudFormation updates the waiter too,
          // so it runs on every release. A later leg follows the previous one's start, new on every run.
          ...(previous ? { After: previous.getAttString('StartedAt') } : { Release: releaseOf(association) }),
        },
      });
      resource.node.addDependency(previous ?? association);
      this.legs.push(resource);
    }
  }

  private createProvider(logGroup: logs.LogGroup): cr.Provider {
    const code = lambda.Code.fromAsset(path.join(__dirname, 'assets', 'rollout-waiter'));
    const handler = (id: string, entry: string, what: string) => new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      code,
      handler: `index.${entry}`,
      role: this.role,
      logGroup,
      timeout: Duration.minutes(1),
      description: `Server rollout waiter (${what})`,
    });
    const onEvent = handler('OnEvent', 'onEvent', 'records the association version');
    const isComplete = handler('IsComplete', 'isComplete', "polls that version's execution");
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: QUERY_INTERVAL,
      totalTimeout: PROVIDER_TIMEOUT,
      logGroup,
    });
    this.acknowledgeProvider(provider, { onEvent, isComplete });
    return provider;
  }

  /** The Provider framework's own functions and state machine (aws-cdk-lib's, not ours). */
  private acknowledgeProvider(provider: cr.Provider, ours: Record<'onEvent' | 'isComplete', lambda.Function>): void {
    // The framework may invoke every version and alias (`<arn>:*`) of the function it calls, and nothing else.
    const invoked: [Construct | undefined, string][] = [
      [ours.onEvent, "the framework's onEvent function calls our onEvent function"],
      [ours.isComplete, "the framework's onEvent and isComplete functions call our isComplete function"],
      [provider.node.tryFindChild('framework-isComplete'), "the framework's waiter state machine calls its own isComplete function"],
      [provider.node.tryFindChild('framework-onTimeout'), "the framework's waiter state machine calls its own onTimeout function"],
    ];
    const stack = Stack.of(this);
    for (const [fn, why] of invoked) {
      const resource = fn?.node.tryFindChild('Resource');
      if (!(resource instanceof CfnResource)) continue;
      acknowledgeNag(provider, `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(resource))}.Arn>:*]`, `Rollout waiter ${this.node.path}: ${why}; the grant covers that one function's versions and aliases (\`<arn>:*\`) only, as aws-cdk-lib's Provider renders it.`);
    }
    acknowledgeNag(provider, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "aws-cdk-lib's custom resource Provider framework gives its own onEvent/isComplete/onTimeout functions the AWS-managed basic execution role (CloudWatch Logs only); our waiter functions use a role scoped to the association instead.");
    acknowledgeNag(provider, 'AwsSolutions-SF1', "The Provider framework's waiter state machine only loops isComplete every 30 s; our isComplete logs each decision (execution, status) to the waiter's log group, so logging every state transition adds cost and no information.");
    const what = `Rollout waiter ${this.node.path}`;
    for (const fn of [ours.onEvent, ours.isComplete]) {
      acknowledgeControl(fn, 'CT.LAMBDA.PR.3', `${what}: this function only calls the SSM API (DescribeAssociation, DescribeAssociationExecutions) during a deploy and reaches no resource in the VPC; in the VPC it would need a NAT or an SSM interface endpoint to reach that API, and a NAT outage would then fail every deploy.`);
    }
    for (const id of ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout']) {
      const fn = provider.node.tryFindChild(id);
      if (fn) acknowledgeControl(fn, 'CT.LAMBDA.PR.3', `${what}: aws-cdk-lib's custom resource Provider framework function (${id}) only calls Lambda, Step Functions and CloudFormation's response URL; it reaches no resource in the VPC.`);
    }
    const stateMachine = provider.node.tryFindChild('waiter-state-machine');
    if (stateMachine) {
      acknowledgeControl(stateMachine, 'CT.STEPFUNCTIONS.PR.1', `${what}: the Provider framework's waiter state machine only calls its isComplete function every 30 s; isComplete logs each decision (execution id, status) to the waiter's log group, so execution logging would add cost and no information.`);
      acknowledgeControl(stateMachine, 'CT.STEPFUNCTIONS.PR.2', `${what}: the Provider framework's waiter state machine calls one Lambda function in a loop; X-Ray traces of that loop do not help debug a rollout, whose record is the SSM association's execution history.`);
    }
    acknowledgeNag(provider, 'AwsSolutions-SF2', "The Provider framework's waiter state machine calls one Lambda function in a loop; X-Ray tracing of that loop is not needed to debug a rollout (the SSM execution history is the record).");
  }
}

/** Legs needed for a budget of `seconds` (one leg up to 55 minutes). */
export function legsFor(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / ROLLOUT_WAITER_LEG.toSeconds()));
}

/**
 * What of the association makes CloudFormation update it, and so SSM run it: its document, parameters, targets,
 * rate controls and other properties, as a digest of their template form plus every deploy-time value in them (a `Ref`, `Fn::GetAtt`, ...
 * whose value may change while the template does not: a replaced server's id, a stack parameter). Small whatever
 * the parameters' size (the base64 files stay in the association; the Provider framework passes the old and new
 * properties through Step Functions, whose input is limited to 256 KiB).
 */
function releaseOf(association: ssm.CfnAssociation): unknown {
  return Lazy.any({
    produce: () => {
      // Every property: an update SSM does not run again (if any) leaves the association's version alone, and the
      // waiter then finds that version's finished execution at once.
      const a = association;
      const resolved = Stack.of(a).resolve({
        Name: a.name, Parameters: a.parameters, Targets: a.targets, MaxConcurrency: a.maxConcurrency, MaxErrors: a.maxErrors,
        WaitForSuccessTimeoutSeconds: a.waitForSuccessTimeoutSeconds, ComplianceSeverity: a.complianceSeverity,
        DocumentVersion: a.documentVersion, ScheduleExpression: a.scheduleExpression, ScheduleOffset: a.scheduleOffset,
        OutputLocation: a.outputLocation, AssociationName: a.associationName, ApplyOnlyAtCronInterval: a.applyOnlyAtCronInterval,
        AutomationTargetParameterName: a.automationTargetParameterName, CalendarNames: a.calendarNames, InstanceId: a.instanceId,
        SyncCompliance: a.syncCompliance,
      });
      return { Digest: createHash('sha256').update(JSON.stringify(resolved)).digest('hex'), DeployTimeValues: intrinsics(resolved) };
    },
  });
}

/** The distinct intrinsic-function objects (`{ Ref }`, `{ "Fn::...": ... }`) in a resolved value, outermost first. */
export function intrinsics(value: unknown, found: unknown[] = [], seen = new Set<string>()): unknown[] {
  if (Array.isArray(value)) {
    for (const v of value) intrinsics(v, found, seen);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
      const text = JSON.stringify(value);
      if (!seen.has(text)) {
        seen.add(text);
        found.push(value);
      }
    } else {
      for (const v of Object.values(value)) intrinsics(v, found, seen);
    }
  }
  return found;
}
