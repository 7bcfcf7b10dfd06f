import { Duration, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkInteger, checkKnownProps, checkType } from '../../lib/validate';
import { CONTAINER_REGISTRY_PROPS } from './known-props';

/** Props of {@link ContainerRegistry}. */
export interface ContainerRegistryProps {
  /**
   * How many images the lifecycle policy keeps; older ones are expired.
   * @default 20
   */
  readonly maxImageCount?: number;
  /**
   * Untagged images (left behind when a tag moves or a build is retried) expire after this many days.
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
  /**
   * Refuse to overwrite an existing tag, so `my-app:1.2.3` always means the same image
   * (the book's repository has mutable tags).
   * @default true
   */
  readonly immutableTags?: boolean;
  /**
   * Scan every pushed image for known vulnerabilities (basic scanning).
   * @default true
   */
  readonly scanOnPush?: boolean;
  /**
   * A customer-managed KMS key for the images.
   * @default - KMS encryption with the AWS-managed `aws/ecr` key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the repository when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Delete the images too when the repository is destroyed (needs `RemovalPolicy.DESTROY`).
   * @default false
   */
  readonly emptyOnDelete?: boolean;
}

/**
 * An ECR repository for users who push their own images: scan on push, immutable tags,
 * KMS encryption and a lifecycle policy that keeps the last N images.
 *
 * @example
 * const registry = new ContainerRegistry(this, 'Registry', { maxImageCount: 30 });
 * registry.repository.grantPush(ciRole);
 */
export class ContainerRegistry extends Construct {
  /** The repository. */
  public readonly repository: ecr.Repository;
  /** The repository's URI (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`). */
  public readonly repositoryUri: string;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps = {}) {
    super(scope, id);
    props = props ?? {};
    this.checkProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (props.emptyOnDelete && removalPolicy !== RemovalPolicy.DESTROY) {
      throw new OrchestrationError(this, 'emptyOnDelete', true, `requires removalPolicy RemovalPolicy.DESTROY (removalPolicy is RemovalPolicy.${String(removalPolicy).toUpperCase()}): only a deleted repository can be emptied`);
    }
    this.repository = new ecr.Repository(this, 'Resource', {
      imageScanOnPush: props.scanOnPush ?? true,
      imageTagMutability: (props.immutableTags ?? true) ? ecr.TagMutability.IMMUTABLE : ecr.TagMutability.MUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: props.encryptionKey,
      removalPolicy,
      emptyOnDelete: props.emptyOnDelete ?? false,
    });
    this.addLifecycleRules(props.untaggedExpiryDays ?? 7, props.maxImageCount ?? 20);
    this.repositoryUri = this.repository.repositoryUri;
  }

  private checkProps(props: ContainerRegistryProps): void {
    checkKnownProps(this, props, CONTAINER_REGISTRY_PROPS);
    for (const k of ['maxImageCount', 'untaggedExpiryDays'] as const) checkType(this, k, props[k], 'number');
    for (const k of ['immutableTags', 'scanOnPush', 'emptyOnDelete'] as const) checkType(this, k, props[k], 'boolean');
    checkInteger(this, 'maxImageCount', props.maxImageCount, { min: 1, max: 10000 });
    checkInteger(this, 'untaggedExpiryDays', props.untaggedExpiryDays, { min: 1, max: 3650 });
  }

  /**
   * Untagged images expire after `untaggedDays`; all but the last `keep` images expire. aws-cdk-lib
   * renders the policy with `JSON.stringify` at synth, which would write a deploy-time value as the
   * text `{"Ref":...}`: with tokens, the same policy is rendered with `Stack.toJsonString`, so
   * CloudFormation puts the values in at deploy time.
   */
  private addLifecycleRules(untaggedDays: number, keep: number): void {
    if (!Token.isUnresolved(untaggedDays) && !Token.isUnresolved(keep)) {
      this.repository.addLifecycleRule({ description: 'Expire untagged images', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(untaggedDays), rulePriority: 1 });
      this.repository.addLifecycleRule({ description: `Keep the last ${keep} images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: keep, rulePriority: 2 });
      return;
    }
    const policy = {
      rules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: untaggedDays, countUnit: 'days' },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: `Keep the last ${Tokenization.stringifyNumber(keep)} images`,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
          action: { type: 'expire' },
        },
      ],
    };
    (this.repository.node.defaultChild as ecr.CfnRepository).addPropertyOverride('LifecyclePolicy.LifecyclePolicyText', Stack.of(this).toJsonString(policy));
  }

  /** Lets a principal pull images. */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    return this.repository.grantPull(grantee);
  }

  /** Lets a principal push (and pull) images. */
  public grantPullPush(grantee: iam.IGrantable): iam.Grant {
    return this.repository.grantPullPush(grantee);
  }
}
