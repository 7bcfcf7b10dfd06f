import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';
import { checkType } from '../../../lib/validate';
import { acknowledgeControl } from '../../shared/compliance';
import { addAliasRecords, checkDomain, domainCertificate, type ServiceDomain } from '../../shared/domain';
import { acknowledgeNag } from '../../shared/nag';
import { checkHasMember } from './validate';

/**
 * CloudFront in front of a Function URL, for a custom domain (a Function URL cannot carry one).
 * Not API: the serverless style's `domain` prop builds it. Verified facts it relies on:
 *
 * - Origin access control for a Lambda Function URL origin needs the URL's AuthType `AWS_IAM`, and
 *   CloudFront (`cloudfront.amazonaws.com`) must be allowed both `lambda:InvokeFunctionUrl` and
 *   `lambda:InvokeFunction` with the distribution as `SourceArn` (CloudFront Developer Guide,
 *   "Restrict access to an AWS Lambda function URL origin"). aws-cdk-lib's
 *   `FunctionUrlOrigin.withOriginAccessControl` (2.276) adds both permissions, each with
 *   `SourceArn` = the distribution; the tests hold it to that.
 * - POST and PUT through OAC need the body's SHA-256 in `x-amz-content-sha256` (same page).
 * - `AllViewerExceptHostHeader` is the managed origin request policy meant for Lambda Function URL
 *   (and API Gateway) origins: they expect their own domain in `Host` ("Use managed origin request
 *   policies", CloudFront Developer Guide).
 * - `TLSv1.2_2025` accepts TLS 1.2 and 1.3 with forward-secret AEAD ciphers only ("Supported
 *   protocols and ciphers between viewers and CloudFront").
 * - CloudFront takes ACM certificates from us-east-1 only.
 */
export interface FrontDoorOptions {
  readonly functionUrl: lambda.FunctionUrl;
  readonly domain: ServiceDomain;
  readonly accessLogs: boolean;
  readonly accessLogsBucket?: s3.IBucket;
  readonly webAclArn?: string;
}

export interface FrontDoor {
  readonly distribution: cloudfront.Distribution;
  readonly certificate: acm.ICertificate;
  readonly aliasRecord: route53.ARecord;
  readonly accessLogsBucket?: s3.IBucket;
}

/** The viewer security policy: TLS 1.2 and 1.3, AEAD ciphers only. */
export const VIEWER_TLS_POLICY = cloudfront.SecurityPolicyProtocol.TLS_V1_2_2025;

/** The region CloudFront takes its ACM certificates from. */
const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

/** A WAFv2 web ACL for CloudFront: scope CLOUDFRONT lives in us-east-1 under `global/webacl/`. */
const CLOUDFRONT_WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/]+\/[^/]+$/;

export function createFrontDoor(scope: Construct, options: FrontDoorOptions): FrontDoor {
  const { domain } = options;
  const certificate = domainCertificate(scope, 'Certificate', domain);
  const accessLogsBucket = options.accessLogs ? (options.accessLogsBucket ?? createAccessLogsBucket(scope)) : undefined;

  const distribution = new cloudfront.Distribution(scope, 'Distribution', {
    comment: Token.isUnresolved(domain.domainName) ? 'A custom domain in front of a Lambda Function URL' : `${domain.domainName} in front of a Lambda Function URL`.slice(0, 128),
    defaultBehavior: {
      origin: origins.FunctionUrlOrigin.withOriginAccessControl(options.functionUrl),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // An app, not static files: every request reaches the function, with everything the viewer
      // sent but Host (the Function URL expects its own domain there).
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    },
    domainNames: [domain.domainName],
    certificate,
    minimumProtocolVersion: VIEWER_TLS_POLICY,
    sslSupportMethod: cloudfront.SSLMethod.SNI,
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    enableIpv6: true,
    enableLogging: accessLogsBucket !== undefined,
    logBucket: accessLogsBucket,
    logFilePrefix: accessLogsBucket ? 'cloudfront/' : undefined,
    webAclId: options.webAclArn,
  });

  acknowledgeNag(distribution, 'AwsSolutions-CFR1', 'The app is public and answers every country alike; a geo restriction is a business decision, added on the distribution (service.distribution) by whoever needs one.');
  if (!options.webAclArn) {
    acknowledgeNag(distribution, 'AwsSolutions-CFR2', 'No web ACL was given (webAclArn): a WAF web ACL costs per rule and per request and its rules depend on the app; CloudFront\'s own DDoS protection (Shield Standard) applies, and reserved concurrency (app.replicas.max) can cap what a flood costs.');
  }
  if (!accessLogsBucket) {
    acknowledgeNag(distribution, 'AwsSolutions-CFR3', 'Access logs were switched off with accessLogs: false.');
  }
  // aws-cdk-lib's OAC origin adds both permissions CloudFront needs, each with SourceArn = this
  // distribution's ARN. CloudFront has no Arn attribute, so the ARN is an Fn::Join of the distribution's
  // Id, and the control's cfn-guard rule, run on the synthesized template, accepts only a literal string
  // or a Ref/GetAtt there. Control Tower's hook evaluates the deployed (resolved) properties instead.
  for (const permission of distribution.node.findAll().filter((c): c is lambda.CfnPermission => c instanceof lambda.CfnPermission)) {
    acknowledgeControl(permission, 'CT.LAMBDA.PR.2', 'CloudFront may invoke the function only for this distribution: SourceArn is the distribution\'s ARN, built with Fn::Join from its Id (AWS::CloudFront::Distribution has no Arn attribute), which the synth-time rule cannot read as a string; the resolved value at deploy time is a literal ARN.');
  }
  acknowledgeControl(distribution, 'CT.CLOUDFRONT.PR.1', 'The origin is an application, not a bucket of files: a default root object would rewrite "/" to an object key and the app would never see its own "/" route.');
  acknowledgeControl(distribution, 'CT.CLOUDFRONT.PR.4', 'The only origin is one Lambda Function URL, which Lambda already serves from several Availability Zones of the region; an origin group would need a second deployment of the function in another region (and fails over GET, HEAD and OPTIONS only).');

  const aliasRecord = addAliasRecords(scope, 'AliasRecord', domain, route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution)), true);
  return { distribution, certificate, aliasRecord, accessLogsBucket };
}

/**
 * CloudFront's standard logs are delivered with an ACL grant to the log-delivery account, so the
 * bucket keeps ACLs enabled (object ownership BUCKET_OWNER_PREFERRED: the bucket owner still owns
 * every object). SSE-S3, TLS only, no public access, 90 days.
 */
function createAccessLogsBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(90) }],
  });
  const why = 'This bucket only receives CloudFront\'s access logs';
  acknowledgeNag(bucket, 'AwsSolutions-S1', `${why}; logging access to it into another bucket would add a bucket per bucket with no new information.`);
  acknowledgeControl(bucket, 'CT.S3.PR.2', `${why}; server access logs of it would go to yet another bucket and record only CloudFront's log deliveries and rare reads.`);
  acknowledgeControl(bucket, 'CT.S3.PR.4', `${why}; nothing consumes events of it: CloudFront delivers log files several times an hour and people query them on demand (Athena, downloads).`);
  acknowledgeControl(bucket, 'CT.S3.PR.9', `${why}, which expire by its 90-day lifecycle rule; Object Lock would keep them past it, and they are diagnostics, not records kept for compliance.`);
  acknowledgeControl(bucket, 'CT.S3.PR.10', `${why}, delivered by CloudFront's log-delivery account through an ACL grant; SSE-S3 needs no key policy for that writer, while an SSE-KMS key would have to admit it. A KMS-encrypted bucket can be passed as accessLogsBucket.`);
  acknowledgeControl(bucket, 'CT.S3.PR.11', `${why}: each log file is written once under a unique name and never overwritten, so versioning would keep nothing but noncurrent copies of expired logs.`);
  return bucket;
}

export interface FrontDoorProps {
  readonly domain?: ServiceDomain;
  readonly accessLogs?: boolean;
  readonly accessLogsBucket?: s3.IBucket;
  readonly webAclArn?: string;
  readonly authType?: lambda.FunctionUrlAuthType;
}

/** domain, accessLogs, accessLogsBucket, webAclArn, and authType with a domain. */
export function validateFrontDoorProps(where: Construct, props: FrontDoorProps): void {
  checkType(where, 'accessLogs', props.accessLogs, 'boolean');
  checkHasMember(where, 'accessLogsBucket', props.accessLogsBucket, 'bucketArn', 'string', 'must be an s3.IBucket, for example s3.Bucket.fromBucketName(this, \'Logs\', name)');
  checkType(where, 'webAclArn', props.webAclArn, 'string');
  if (props.domain === undefined) {
    for (const prop of ['accessLogs', 'accessLogsBucket', 'webAclArn'] as const) {
      if (props[prop] !== undefined) throw new OrchestrationError(where, prop, props[prop], 'only applies with domain (it configures the CloudFront distribution a domain puts in front of the Function URL)');
    }
    return;
  }
  checkDomain(where, 'domain', props.domain);
  if (props.authType === lambda.FunctionUrlAuthType.NONE) {
    throw new OrchestrationError(where, 'authType', props.authType, 'must be AWS_IAM (the default) with domain: CloudFront signs its requests to the Function URL with origin access control, and a URL with authType NONE would stay public beside it');
  }
  if (props.accessLogs === false && props.accessLogsBucket !== undefined) {
    throw new OrchestrationError(where, 'accessLogsBucket', '(a bucket)', 'only applies with accessLogs true (the default with a domain)');
  }
  if (props.webAclArn !== undefined && !Token.isUnresolved(props.webAclArn) && !CLOUDFRONT_WEB_ACL_ARN.test(props.webAclArn)) {
    throw new OrchestrationError(where, 'webAclArn', props.webAclArn, 'must be the ARN of a WAFv2 web ACL of scope CLOUDFRONT, which lives in us-east-1: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>');
  }
  checkCertificateRegion(where, props.domain);
}

/**
 * CloudFront takes its certificate from us-east-1 only: a given certificate whose ARN is known at
 * synth must be there; without one, the certificate is created in this stack, whose region must
 * then be us-east-1 at synth (a region-agnostic stack could deploy anywhere).
 */
function checkCertificateRegion(where: Construct, domain: ServiceDomain): void {
  const wayOut = `pass domain.certificate (an ACM certificate in ${CLOUDFRONT_CERTIFICATE_REGION} covering ${domain.domainName}), or deploy this stack with env: { region: '${CLOUDFRONT_CERTIFICATE_REGION}' } so that the certificate is created there`;
  if (domain.certificate) {
    const arn = domain.certificate.certificateArn;
    if (Token.isUnresolved(arn)) return;
    const region = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region;
    if (region !== CLOUDFRONT_CERTIFICATE_REGION) {
      throw new OrchestrationError(where, 'domain.certificate', arn, `must be an ACM certificate in ${CLOUDFRONT_CERTIFICATE_REGION}, the only region CloudFront takes certificates from (this one is in ${region || 'no region'})`);
    }
    return;
  }
  const region = Stack.of(where).region;
  if (Token.isUnresolved(region) || region !== CLOUDFRONT_CERTIFICATE_REGION) {
    const given = Token.isUnresolved(region) ? 'a stack whose region is only known at deploy time' : `a stack in ${region}`;
    throw new OrchestrationError(where, 'domain.certificate', undefined, `is required in ${given}: CloudFront takes its certificate from ${CLOUDFRONT_CERTIFICATE_REGION} only; ${wayOut}`);
  }
}
