import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkKnownProps } from '../../lib/validate';
import { restrictKeyGrants } from './log-encryption';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * Email addresses subscribed to the topic. Each address receives a confirmation email from
   * SNS and gets notifications only once it confirms.
   * @default - no subscription (subscribe yourself: chat, pager, Lambda ...)
   */
  readonly emails?: string[];
  /**
   * What happens to the topic and its key when they leave the stack. A topic holds no data
   * (SNS delivers or drops each message), so the default destroys both; the key is then
   * scheduled for deletion after KMS's waiting period.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

const ALARM_TOPIC_PROPS: Record<keyof AlarmTopicProps, true> = { emails: true, removalPolicy: true };

/** A practical email address check (one @, a dotted domain, no spaces); SNS confirms the rest. */
const EMAIL = /^[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * An SNS topic for alarm notifications, encrypted with its own customer-managed KMS key
 * (rotation on).
 *
 * CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed `alias/aws/sns`
 * key, whose policy cannot be changed: the key must let `cloudwatch.amazonaws.com` call
 * `kms:Decrypt` and `kms:GenerateDataKey*` (Amazon SNS Developer Guide, "Key management":
 * compatibility between event sources from AWS services and encrypted topics). This key's
 * policy allows CloudWatch and AWS Budgets (`budgets.amazonaws.com`, for an
 * {@link EnvironmentBudget} alert); the topic policy refuses requests without TLS and lets
 * CloudWatch alarms and AWS Budgets of this account publish.
 */
export class AlarmTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.Topic;
  /** The topic's customer-managed key. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    checkKnownProps(this, props, ALARM_TOPIC_PROPS);
    checkConcrete(this, 'removalPolicy', props.removalPolicy, "it becomes the resources' DeletionPolicy, which takes no deploy-time value");
    if (props.removalPolicy !== undefined && !Object.values(RemovalPolicy).includes(props.removalPolicy)) {
      throw new OrchestrationError(this, 'removalPolicy', props.removalPolicy, 'must be a RemovalPolicy, for example RemovalPolicy.DESTROY');
    }
    const emails = checkEmails(this, 'emails', props.emails);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the alarm topic of ${stack.stackName}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    restrictKeyGrants(this.key);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    // No condition on the key statements: the SNS documentation's statement for AWS services has
    // none, and which source keys a service's KMS calls carry is not documented (a condition they
    // lack would drop every notification silently). Who may publish is decided by the topic policy.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true });
    this.topic.applyRemovalPolicy(removalPolicy);
    // A topic policy replaces SNS's default one (which let the owner account publish), so the
    // two publishers are allowed by name, each only for this account's sources, with the
    // conditions their documentation gives: the alarm's ARN for CloudWatch (AWS re:Post, "Why
    // didn't I receive an SNS notification for my CloudWatch alarm trigger?"), the account and a
    // budget ARN for AWS Budgets (Cost Management User Guide, "Creating an Amazon SNS topic for
    // budget notifications").
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` } },
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsOfThisAccount',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:budgets::${stack.account}:*` },
        },
      }),
    );
    for (const email of emails) this.topic.addSubscription(new subs.EmailSubscription(email));
  }
}

/** Checks a list of email addresses (tokens pass); returns it (empty when undefined). */
export function checkEmails(scope: Construct, prop: string, emails: unknown, max?: number): string[] {
  if (emails === undefined) return [];
  if (!Array.isArray(emails)) throw new OrchestrationError(scope, prop, emails, "must be a list of email addresses, for example ['ops@example.com']");
  if (max !== undefined && emails.length > max) throw new OrchestrationError(scope, prop, emails, `must hold at most ${max} addresses`);
  const seen = new Set<string>();
  emails.forEach((email, i) => {
    if (typeof email !== 'string') throw new OrchestrationError(scope, `${prop}[${i}]`, email, "must be an email address string, for example 'ops@example.com'");
    if (Token.isUnresolved(email)) return;
    if (!EMAIL.test(email) || email.length > 254) throw new OrchestrationError(scope, `${prop}[${i}]`, email, "must be an email address, for example 'ops@example.com'");
    const key = email.toLowerCase();
    if (seen.has(key)) throw new OrchestrationError(scope, `${prop}[${i}]`, email, 'is listed twice: list each address once');
    seen.add(key);
  });
  return emails as string[];
}

const notified = new WeakMap<cloudwatch.AlarmBase, Set<sns.ITopic>>();

/**
 * Makes each alarm notify the topic when it goes into ALARM and when it returns to OK. Does
 * nothing when `topic` is undefined; adding the same topic to an alarm twice adds it once.
 */
export function notifyOnAlarms(topic: sns.ITopic | undefined, alarms: cloudwatch.AlarmBase[]): void {
  if (topic === undefined) return;
  if (topic === null || typeof topic !== 'object' || typeof (topic as { topicArn?: unknown }).topicArn !== 'string') {
    throw new OrchestrationError('', 'alarmTopic', topic, 'must be an SNS topic (sns.ITopic), for example new AlarmTopic(this, \'Alarms\').topic');
  }
  const action = new cwActions.SnsAction(topic);
  for (const alarm of alarms) {
    const done = notified.get(alarm) ?? new Set<sns.ITopic>();
    if (done.has(topic)) continue;
    done.add(topic);
    notified.set(alarm, done);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}
