import { Aws, CfnCondition, CfnMapping, CfnResource, Fn, Stack, Token } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';

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
