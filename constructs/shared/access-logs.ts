import { Aws, CfnCondition, CfnMapping, CfnResource, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete } from '../../lib/validate';
import { acknowledgeControl } from './compliance';
import { acknowledgeNag } from './nag';

/** Options of {@link createAccessLogsBucket}. */
export interface AccessLogsBucketOptions {
  /**
   * What happens to the bucket when it leaves the stack; DESTROY also empties it first
   * (aws-cdk-lib's auto-delete-objects provider).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long a log object is kept (whole days).
   * @default Duration.days(90)
   */
  readonly expiration?: Duration;
  /**
   * Versioning on (AWS Control Tower's CT.S3.PR.11): a deleted or overwritten log object stays as a
   * noncurrent version for one day, then expires, so an accidental or malicious delete can be
   * undone the same day for the price of a day's storage.
   * @default false
   */
  readonly versioned?: boolean;
}

/**
 * The bucket a load balancer writes its access logs into: private, TLS only, a lifecycle rule
 * that expires logs, and the encryption Elastic Load Balancing supports for it.
 *
 * ALB access logs support only SSE-S3 ("The only server-side encryption option that's supported
 * is Amazon S3-managed keys (SSE-S3)": Elastic Load Balancing docs, "Enable access logs for your
 * Application Load Balancer"), so the bucket is SSE-S3 and Control Tower's CT.S3.PR.10 (SSE-KMS)
 * is acknowledged on it with that reason, as are CT.S3.PR.2 (server access logs of the log
 * bucket), CT.S3.PR.4 (event notifications: nothing consumes them) and CT.S3.PR.9 (Object Lock:
 * it would keep logs past the lifecycle expiry and stop a teardown from emptying the bucket);
 * CT.S3.PR.11 (versioning) only when `versioned` is false. The bucket is made at `scope/id`
 * itself, so an existing bucket keeps its logical ID.
 */
export function createAccessLogsBucket(scope: Construct, id: string, options: AccessLogsBucketOptions = {}): s3.Bucket {
  checkConcrete(scope, 'accessLogsRemovalPolicy', options.removalPolicy, "it becomes the bucket's DeletionPolicy, which takes no deploy-time value");
  if (options.removalPolicy !== undefined && !Object.values(RemovalPolicy).includes(options.removalPolicy)) {
    throw new OrchestrationError(scope, 'accessLogsRemovalPolicy', options.removalPolicy, 'must be a RemovalPolicy, for example RemovalPolicy.RETAIN');
  }
  const expiration = options.expiration ?? Duration.days(90);
  if (!(expiration instanceof Duration)) throw new OrchestrationError(scope, 'accessLogsExpiration', expiration, 'must be a Duration, for example Duration.days(90)');
  if (!expiration.isUnresolved()) {
    const days = expiration.toHours() / 24;
    if (!Number.isInteger(days) || days < 1) throw new OrchestrationError(scope, 'accessLogsExpiration', expiration, 'must be a whole number of days, at least 1 (S3 lifecycle rules count days)');
  }
  if (options.versioned !== undefined && typeof options.versioned !== 'boolean') throw new OrchestrationError(scope, 'accessLogsVersioned', options.versioned, 'must be a boolean');
  const removalPolicy = options.removalPolicy ?? RemovalPolicy.RETAIN;
  const versioned = options.versioned ?? false;
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    ...(versioned ? { versioned: true } : {}),
    lifecycleRules: versioned
      ? [{ expiration, noncurrentVersionExpiration: Duration.days(1) }, { expiredObjectDeleteMarker: true }]
      : [{ expiration }],
  });
  acknowledgeAccessLogsBucket(bucket, versioned);
  if (removalPolicy === RemovalPolicy.DESTROY) acknowledgeAutoDeleteProvider(scope);
  return bucket;
}

/** The acknowledgements of a bucket that only receives load balancer access logs (see {@link createAccessLogsBucket}). */
export function acknowledgeAccessLogsBucket(bucket: s3.IBucket, versioned: boolean): void {
  const why = "This bucket only receives the load balancer's access logs";
  acknowledgeNag(bucket, 'AwsSolutions-S1', `${why}; logging access to it into another bucket would add a bucket per bucket with no new information.`);
  acknowledgeControl(bucket, 'CT.S3.PR.10', `${why}, and Elastic Load Balancing writes ALB access logs only to buckets encrypted with SSE-S3 ("The only server-side encryption option that's supported is Amazon S3-managed keys", ELB docs); with SSE-KMS no log would arrive.`);
  acknowledgeControl(bucket, 'CT.S3.PR.2', `${why}; server access logs of it would go to yet another bucket and record only the load balancer's writes and rare reads.`);
  acknowledgeControl(bucket, 'CT.S3.PR.4', `${why}; nothing consumes its events: the load balancer writes an object every 5 minutes and people query the logs on demand (Athena, downloads).`);
  acknowledgeControl(bucket, 'CT.S3.PR.9', `${why}, which its lifecycle rule expires and a teardown empties; Object Lock would keep them past both, and it cannot be turned off once on.`);
  if (!versioned) {
    acknowledgeControl(bucket, 'CT.S3.PR.11', `${why}: each log object is written once under a unique name and never overwritten; versioning (the accessLogsVersioned option, on in the prod sample) would only keep noncurrent copies.`);
  }
}

/**
 * A bucket's `autoDeleteObjects` adds aws-cdk-lib's singleton provider function (one per stack,
 * outside any VPC): it only calls the S3 API to empty the bucket when the stack deletes it.
 */
export function acknowledgeAutoDeleteProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
  if (provider) {
    acknowledgeControl(provider, 'CT.LAMBDA.PR.3', "aws-cdk-lib's auto-delete-objects provider (a singleton of the stack) only calls the S3 API to empty a bucket while CloudFormation deletes it; aws-cdk-lib gives it no VPC placement, and in a VPC it would need a NAT or an S3 endpoint just to reach S3.");
  }
}

/**
 * Turns on ALB access logs into a bucket, in region-agnostic stacks too.
 *
 * aws-cdk-lib's `logAccessLogs` needs the stack's region at synth time, because regions opened
 * before August 2022 deliver logs from a per-region Elastic Load Balancing account and newer
 * ones from the `logdelivery.elasticloadbalancing.amazonaws.com` service principal. When the
 * region is only known at deploy time, this grants both: the region's ELB account comes from
 * a CloudFormation mapping of every region aws-cdk-lib knows (`none` for the newer regions,
 * where the principal falls back to the stack's own account, which adds nothing), and the
 * service principal. A region newer than the installed aws-cdk-lib fails the deploy on the
 * mapping lookup: set the stack's `env.region` there.
 */
export function enableAccessLogs(scope: Construct, loadBalancer: elbv2.ApplicationLoadBalancer, bucket: s3.IBucket, prefix: string): void {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    loadBalancer.logAccessLogs(bucket, prefix);
    return;
  }
  loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
  loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  loadBalancer.setAttribute('access_logs.s3.prefix', prefix);

  const objects = bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`);
  const mapping: Record<string, Record<string, string>> = {};
  for (const region of RegionInfo.regions) mapping[region.name] = { account: region.elbv2Account ?? 'none' };
  const accounts = new CfnMapping(scope, 'AccessLogsElbAccounts', { mapping });
  const elbAccount = accounts.findInMap(Aws.REGION, 'account');
  const legacy = new CfnCondition(scope, 'AccessLogsLegacyRegion', { expression: Fn.conditionNot(Fn.conditionEquals(elbAccount, 'none')) });
  const legacyPrincipal = Fn.conditionIf(legacy.logicalId, `arn:${Aws.PARTITION}:iam::${elbAccount}:root`, `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`).toString();
  bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], principals: [new iam.ArnPrincipal(legacyPrincipal)], resources: [objects] }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')], resources: [objects] }));
  const delivery = new iam.ServicePrincipal('delivery.logs.amazonaws.com');
  bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], principals: [delivery], resources: [objects], conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketAcl'], principals: [delivery], resources: [bucket.bucketArn] }));

  const lb = loadBalancer.node.defaultChild;
  const policy = bucket.policy?.node.defaultChild;
  if (lb && policy && CfnResource.isCfnResource(lb) && CfnResource.isCfnResource(policy)) lb.addResourceDependency(policy);
}
