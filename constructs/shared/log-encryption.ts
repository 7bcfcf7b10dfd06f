import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkKnownProps } from '../../lib/validate';

/** Props of {@link LogsKey}. */
export interface LogsKeyProps {
  /**
   * What happens to the key when it leaves the stack. A destroyed key is scheduled for deletion
   * (after KMS's waiting period); every log group it encrypts becomes unreadable then.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The key's description.
   * @default 'Encrypts the CloudWatch Logs log groups of <stack name>'
   */
  readonly description?: string;
}

const LOGS_KEY_PROPS: Record<keyof LogsKeyProps, true> = { removalPolicy: true, description: true };

/**
 * A customer-managed KMS key (rotation on) that CloudWatch Logs may use to encrypt the log
 * groups of this account and region: pass `logsKey.key` as a service's `logEncryptionKey`.
 * See {@link grantLogsUse} for the key policy.
 */
export class LogsKey extends Construct {
  /** The key. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: LogsKeyProps = {}) {
    super(scope, id);
    checkKnownProps(this, props, LOGS_KEY_PROPS);
    checkConcrete(this, 'removalPolicy', props.removalPolicy, "it becomes the key's DeletionPolicy, which takes no deploy-time value");
    if (props.removalPolicy !== undefined && !Object.values(RemovalPolicy).includes(props.removalPolicy)) {
      throw new OrchestrationError(this, 'removalPolicy', props.removalPolicy, 'must be a RemovalPolicy, for example RemovalPolicy.RETAIN');
    }
    if (props.description !== undefined && (typeof props.description !== 'string' || props.description.length > 8192)) {
      throw new OrchestrationError(this, 'description', props.description, 'must be a string of at most 8192 characters');
    }
    this.key = new kms.Key(this, 'Key', {
      description: props.description ?? `Encrypts the CloudWatch Logs log groups of ${Stack.of(this).stackName}`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    restrictKeyGrants(this.key);
    grantLogsUse(this.key);
  }
}

const granted = new WeakSet<kms.IKey>();

/**
 * Lets CloudWatch Logs (`logs.<region>.amazonaws.com`) use a key for the log groups of the key's
 * account and region, as "Encrypt log data in CloudWatch Logs using AWS KMS" (CloudWatch Logs
 * User Guide) prescribes: `kms:Encrypt*`, `kms:Decrypt*`, `kms:ReEncrypt*`,
 * `kms:GenerateDataKey*` and `kms:Describe*`, only when the encryption context's
 * `aws:logs:arn` is a log group ARN of this account and region (`ArnLike
 * arn:<partition>:logs:<region>:<account>:log-group:*`). Idempotent.
 *
 * A key made in this app gets the statement in its key policy. An imported key's policy cannot
 * be changed from here: it must already allow this, or the log group's deploy fails.
 */
export function grantLogsUse(key: kms.IKey): void {
  if (key === null || typeof key !== 'object' || typeof (key as { keyArn?: unknown }).keyArn !== 'string') {
    throw new OrchestrationError('', 'grantLogsUse(key)', key, 'must be a KMS key (kms.IKey)');
  }
  if (granted.has(key)) return;
  granted.add(key);
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
    }),
    true,
  );
}

/**
 * Adds the key policy statement AWS Control Tower's CT.KMS.PR.3 asks for: nobody may create a
 * grant on the key unless the grant is for an AWS resource or the caller is an AWS service
 * (`Deny kms:CreateGrant` when both `kms:GrantIsForAWSResource` and `aws:PrincipalIsAWSService`
 * are false, `BoolIfExists`). Services that use the key on a resource's behalf still create
 * their grants.
 */
export function restrictKeyGrants(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
}
