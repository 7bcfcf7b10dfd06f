// The serverless style's `domain`: CloudFront in front of the Function URL (a Function URL cannot carry
// a custom domain). Facts held here, each verified in AWS's docs (constructs/serverless/private/front-door.ts):
// OAC needs the URL's AuthType AWS_IAM and CloudFront granted lambda:InvokeFunctionUrl AND lambda:InvokeFunction
// ("Restrict access to an AWS Lambda function URL origin"), AllViewerExceptHostHeader is the managed origin
// request policy for Lambda URL origins, TLSv1.2_2025 keeps TLS 1.2 + 1.3 with AEAD ciphers only, and
// CloudFront takes certificates from us-east-1 only.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { FunctionService, type FunctionServiceProps } from '../../../constructs/serverless';
import { AppSource } from '../../../lib/app';
import { onlyResource, SAMPLE_APP_DIR, testApp } from '../../helpers';

const app = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };
const US_EAST_1_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

/** Managed CloudFront policy ids (CloudFront Developer Guide, "Use managed cache/origin request policies"). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3'; // forwards Host: the Function URL would answer 403

function stackIn(region: string | undefined, id = 'Front'): Stack {
  return new Stack(testApp(), id, region ? { env: { account: '123456789012', region } } : undefined);
}

function domainIn(stack: Stack, certificate?: acm.ICertificate) {
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  return { domainName: 'app.example.com', hostedZone, certificate };
}

function build(stack: Stack, extra: Partial<FunctionServiceProps> = {}): { service: FunctionService; t: Template } {
  const service = new FunctionService(stack, 'Service', { app, domain: domainIn(stack), ...extra } as FunctionServiceProps);
  return { service, t: Template.fromStack(stack) };
}

describe('FunctionService with a domain, in a us-east-1 stack (certificate created here)', () => {
  let t: Template;
  let service: FunctionService;
  beforeAll(() => ({ service, t } = build(stackIn('us-east-1'))));

  it('keeps the Function URL AWS_IAM: only CloudFront, signing with OAC, reaches it', () => {
    expect(onlyResource(t, 'AWS::Lambda::Url').Properties.AuthType).toBe('AWS_IAM');
    const oac = onlyResource(t, 'AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 'lambda', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    const origin = onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.Origins[0];
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] });
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
  });

  it('grants CloudFront both lambda:InvokeFunctionUrl and lambda:InvokeFunction, each for this distribution only, and nothing to anyone else', () => {
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission')).map((p: any) => p.Properties);
    expect(permissions.map((p) => p.Action).sort()).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    const distributionArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: expect.stringMatching(/^ServiceDistribution/) }]],
    };
    for (const p of permissions) {
      expect(p.Principal).toBe('cloudfront.amazonaws.com');
      expect(p.SourceArn).toEqual(distributionArn);
      // The URL's function ARN: the alias the URL sits on (aws-cdk-lib's integ test of an alias URL behind OAC answers 200).
      expect(p.FunctionName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ServiceAliasFunctionUrl/), 'FunctionArn'] });
    }
    expect(permissions.find((p) => p.Action === 'lambda:InvokeFunction').InvokedViaFunctionUrl).toBe(true);
  });

  it('redirects HTTP to HTTPS with TLSv1.2_2025 and SNI, on the name, with the certificate created in this stack', () => {
    const config = onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(config.Aliases).toEqual(['app.example.com']);
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.ViewerCertificate).toEqual({ AcmCertificateArn: { Ref: expect.stringMatching(/^ServiceCertificate/) }, MinimumProtocolVersion: 'TLSv1.2_2025', SslSupportMethod: 'sni-only' });
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'app.example.com', ValidationMethod: 'DNS', DomainValidationOptions: [{ DomainName: 'app.example.com', HostedZoneId: 'Z0EXAMPLE' }] });
    expect(service.certificate).toBeDefined();
  });

  it('caches nothing and forwards everything but Host (the Function URL expects its own domain there)', () => {
    const behavior = onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.DefaultCacheBehavior;
    expect(behavior.CachePolicyId).toBe(CACHING_DISABLED);
    expect(behavior.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(behavior.OriginRequestPolicyId).not.toBe(ALL_VIEWER);
    expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
  });

  it('points A and AAAA alias records at the distribution (IPv6 on)', () => {
    const records = Object.values(t.findResources('AWS::Route53::RecordSet')).map((r: any) => r.Properties);
    expect(records.map((r) => r.Type).sort()).toEqual(['A', 'AAAA']);
    for (const r of records) {
      expect(r.Name).toBe('app.example.com.');
      expect(r.HostedZoneId).toBe('Z0EXAMPLE');
      expect(r.AliasTarget.DNSName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ServiceDistribution/), 'DomainName'] });
    }
    expect(onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.IPV6Enabled).toBe(true);
    expect(service.aliasRecord).toBeDefined();
  });

  it('serves at https://<domainName>', () => {
    expect(service.url).toBe('https://app.example.com');
    expect(service.distribution).toBeDefined();
  });

  it('logs CloudFront\'s requests to a new bucket with ACLs on (standard logs are delivered through an ACL grant), TLS only, private, 90 days', () => {
    const config = onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(config.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [expect.stringMatching(/^ServiceAccessLogs/), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
    const bucket = onlyResource(t, 'AWS::S3::Bucket');
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] });
    expect(bucket.Properties.AccessControl).toBeUndefined(); // CT.S3.PR.5: no canned ACL
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(90);
    expect(bucket.DeletionPolicy).toBe('Retain');
    t.hasResourceProperties('AWS::S3::BucketPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
    expect(service.accessLogsBucket).toBeDefined();
  });

  it('attaches no web ACL unless given one', () => {
    expect(onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.WebACLId).toBeUndefined();
  });
});

describe('FunctionService domain options', () => {
  it('uses a given us-east-1 certificate, in a region-agnostic stack, and creates none', () => {
    const stack = stackIn(undefined);
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', US_EAST_1_CERT);
    const service = new FunctionService(stack, 'Service', { app, domain: domainIn(stack, certificate) });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.ViewerCertificate.AcmCertificateArn).toBe(US_EAST_1_CERT);
    expect(service.certificate).toBe(certificate);
  });

  it('accepts a certificate whose ARN is only known at deploy time (nothing to check at synth)', () => {
    const stack = stackIn('eu-west-1');
    const certificate = new acm.Certificate(stack, 'Cert', { domainName: 'app.example.com' });
    expect(() => new FunctionService(stack, 'Service', { app, domain: domainIn(stack, certificate) })).not.toThrow();
  });

  it('uses a given access logs bucket, and none with accessLogs: false', () => {
    const given = stackIn('us-east-1');
    const bucket = s3.Bucket.fromBucketName(given, 'Logs', 'my-logs');
    build(given, { accessLogsBucket: bucket });
    const t = Template.fromStack(given);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    expect(onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.Logging.Bucket).toBe('my-logs.s3.us-east-1.amazonaws.com');

    const off = build(stackIn('us-east-1'), { accessLogs: false });
    off.t.resourceCountIs('AWS::S3::Bucket', 0);
    expect(onlyResource(off.t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.Logging).toBeUndefined();
    expect(off.service.accessLogsBucket).toBeUndefined();
  });

  it('attaches a CloudFront-scope WAF web ACL', () => {
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/app/0123abcd-4567-89ef-0123-456789abcdef';
    const { t } = build(stackIn('us-east-1'), { webAclArn: arn });
    expect(onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.WebACLId).toBe(arn);
  });

  it('without a domain: no CloudFront, no certificate, no record, no bucket; url is the Function URL', () => {
    const stack = stackIn('us-east-1');
    const service = new FunctionService(stack, 'Service', { app });
    const t = Template.fromStack(stack);
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet', 'AWS::S3::Bucket']) t.resourceCountIs(type, 0);
    expect(stack.resolve(service.url)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ServiceAliasFunctionUrl/), 'FunctionUrl'] });
    expect(service.distribution).toBeUndefined();
  });
});
