// The serverless sample in prod vs dev: what `production` adds (CloudFront + OAC at serverless.<domain>, the
// URL AWS_IAM, reserved concurrency, alarms to an encrypted topic, a dashboard, logs a year under a KMS key,
// the stack pinned to us-east-1 unless a CloudFront certificate ARN is given) and what dev keeps (the book's
// public URL, no reservation: a new account's limit of 10 leaves nothing to reserve). Both gates over prod: test/gate.test.ts.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROD_RESERVED_CONCURRENCY, ServerlessSampleStack } from '../../../apps/serverless-stack';
import { ENVIRONMENT_SIZES, type ProductionSettings } from '../../../lib/environments';
import { onlyResource, orchestrationErrorFrom, testApp } from '../../helpers';

const PRODUCTION: ProductionSettings = { domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', alarmEmail: 'ops@example.com', monthlyBudgetUsd: 500 };
const CF_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function sample(production?: ProductionSettings, env?: { region?: string }) {
  return new ServerlessSampleStack(testApp(), production ? 'SampleServerless-prod' : 'SampleServerless-dev', { sizes: production ? ENVIRONMENT_SIZES.prod : ENVIRONMENT_SIZES.dev, production, env });
}

describe('serverless sample, prod', () => {
  let stack: ServerlessSampleStack;
  let t: Template;
  beforeAll(() => {
    stack = sample(PRODUCTION);
    t = Template.fromStack(stack);
  });

  it('is pinned to us-east-1, where the CloudFront certificate it creates must live', () => {
    expect(stack.region).toBe('us-east-1');
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'serverless.example.com', ValidationMethod: 'DNS' });
  });

  it('serves serverless.<domainName> through CloudFront, the Function URL AWS_IAM', () => {
    expect(onlyResource(t, 'AWS::Lambda::Url').Properties.AuthType).toBe('AWS_IAM');
    expect(onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.Aliases).toEqual(['serverless.example.com']);
    expect(stack.service.url).toBe('https://serverless.example.com');
    expect(t.toJSON().Outputs.Url.Value).toBe('https://serverless.example.com');
    for (const p of Object.values(t.findResources('AWS::Lambda::Permission')) as any[]) expect(p.Properties.Principal).toBe('cloudfront.amazonaws.com');
  });

  it('reserves concurrency for the function (a ceiling and a guarantee)', () => {
    expect(onlyResource(t, 'AWS::Lambda::Function').Properties.ReservedConcurrentExecutions).toBe(PROD_RESERVED_CONCURRENCY);
  });

  it('keeps logs a year, encrypted with its LogsKey', () => {
    const lg = onlyResource(t, 'AWS::Logs::LogGroup').Properties;
    expect(lg.RetentionInDays).toBe(365);
    expect(lg.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
  });

  it('sends every alarm to the encrypted alarm topic, which e-mails alarmEmail', () => {
    for (const a of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[]) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
    expect(onlyResource(t, 'AWS::SNS::Topic').Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AlarmsKey/), 'Arn'] });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has a dashboard', () => {
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('with a CloudFront certificate ARN: stays region-agnostic and creates no certificate', () => {
    const withCert = sample({ ...PRODUCTION, cloudFrontCertificateArn: CF_CERT });
    expect(withCert.resolve(withCert.region)).toEqual({ Ref: 'AWS::Region' });
    const ct = Template.fromStack(withCert);
    ct.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(onlyResource(ct, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.ViewerCertificate.AcmCertificateArn).toBe(CF_CERT);
  });

  it('keeps an explicit env.region, and fails there without a certificate ARN, naming both ways out', () => {
    const e = orchestrationErrorFrom(() => sample(PRODUCTION, { region: 'eu-west-1' }));
    expect(e.message).toMatch(/domain.certificate \(undefined\) is required in a stack in eu-west-1: .*pass domain.certificate .* or deploy this stack with env: \{ region: 'us-east-1' \}/);
    expect(ServerlessSampleStack.stackProps({ sizes: ENVIRONMENT_SIZES.prod, production: PRODUCTION }).env).toEqual({ region: 'us-east-1' });
    expect(ServerlessSampleStack.stackProps({ sizes: ENVIRONMENT_SIZES.prod, production: PRODUCTION, env: { region: 'eu-west-1' } }).env).toEqual({ region: 'eu-west-1' });
  });
});

describe('serverless sample, dev (what production must not change)', () => {
  let stack: ServerlessSampleStack;
  let t: Template;
  beforeAll(() => {
    stack = sample();
    t = Template.fromStack(stack);
  });

  it('stays region-agnostic with the book\'s public Function URL and no CloudFront, name, bucket or certificate', () => {
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(onlyResource(t, 'AWS::Lambda::Url').Properties.AuthType).toBe('NONE');
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet', 'AWS::S3::Bucket', 'AWS::SNS::Topic', 'AWS::KMS::Key', 'AWS::CloudWatch::Dashboard']) {
      t.resourceCountIs(type, 0);
    }
  });

  it('reserves no concurrency: Lambda keeps 100 unreserved (all of a new account\'s 10), so any reservation fails a first deploy', () => {
    expect(onlyResource(t, 'AWS::Lambda::Function').Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('keeps logs a month under CloudWatch Logs\' own encryption, alarms notifying nobody', () => {
    const lg = onlyResource(t, 'AWS::Logs::LogGroup').Properties;
    expect(lg.RetentionInDays).toBe(30);
    expect(lg.KmsKeyId).toBeUndefined();
    expect(onlyResource(t, 'AWS::CloudWatch::Alarm').Properties.AlarmActions).toBeUndefined();
  });
});
