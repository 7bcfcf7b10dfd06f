// Deploy-time values (tokens) for every numeric, Duration and string prop of FunctionService: each test
// asserts the parameter's Ref at the exact template property, or our error (path, prop, message) where
// the value must be known at synth. Fields of the shared app description this style does not read are
// asserted to reach no template property at all.
import { CfnParameter, Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { describe, expect, it } from 'vitest';
import { type AppDescription, AppSecret, AppSource } from '../../../lib/app';
import { FunctionService, type FunctionServiceProps, TrafficShift } from '../../../constructs/serverless';
import { onlyResource, orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';

const REF = { Ref: 'P' };
const source = AppSource.fromDirectory(SAMPLE_APP_DIR);

/** A deploy-time number or string: a CloudFormation parameter `P` of the test's stack. */
interface Param {
  num(): number;
  str(): string;
}

function withParam(build: (p: Param) => Partial<FunctionServiceProps> & { app?: AppDescription }): { stack: Stack; props: FunctionServiceProps } {
  const stack = testStack('Tok');
  const p: Param = {
    num: () => new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber,
    str: () => new CfnParameter(stack, 'P', { type: 'String' }).valueAsString,
  };
  const props = build(p);
  return { stack, props: { app: { source }, ...props } as FunctionServiceProps };
}

/** The template of a FunctionService built with a deploy-time value. */
function templateWith(build: (p: Param) => Partial<FunctionServiceProps> & { app?: AppDescription }): Template {
  const { stack, props } = withParam(build);
  new FunctionService(stack, 'Service', props);
  return Template.fromStack(stack);
}

/** Our error for a FunctionService built with a deploy-time value. */
function errorWith(build: (p: Param) => Partial<FunctionServiceProps> & { app?: AppDescription }) {
  const { stack, props } = withParam(build);
  return orchestrationErrorFrom(() => new FunctionService(stack, 'Service', props));
}

const fn = (t: Template) => onlyResource(t, 'AWS::Lambda::Function').Properties;
const url = (t: Template) => onlyResource(t, 'AWS::Lambda::Url').Properties;
const alias = (t: Template) => onlyResource(t, 'AWS::Lambda::Alias').Properties;
const alarmProps = (t: Template, idPrefix: string) => {
  const found = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(idPrefix));
  expect(found).toHaveLength(1);
  return (found[0]![1] as any).Properties;
};

/** For fields this style does not read: the parameter exists and nothing refers to it. */
function expectUnused(t: Template): void {
  expect(t.toJSON().Parameters.P).toBeDefined();
  expect(JSON.stringify(t.toJSON().Resources)).not.toContain('"Ref":"P"');
}

describe('FunctionService props: deploy-time values reach the template', () => {
  it('memorySize -> Function.MemorySize', () => {
    expect(fn(templateWith((p) => ({ memorySize: p.num() }))).MemorySize).toEqual(REF);
  });

  it('timeout as Duration.seconds(token) -> Function.Timeout', () => {
    expect(fn(templateWith((p) => ({ timeout: Duration.seconds(p.num()) }))).Timeout).toEqual(REF);
  });

  it('timeout in another unit: our error (Lambda counts seconds; CloudFormation cannot convert)', () => {
    const e = errorWith((p) => ({ timeout: Duration.minutes(p.num()) }));
    expect(e.path).toBe('Tok/Service');
    expect(e.prop).toBe('timeout');
    expect(e.message).toBe(
      "Tok/Service: timeout (<token> minutes) must be written as Duration.seconds(...) when its amount is a deploy-time value: Lambda's Timeout counts seconds, and CloudFormation cannot convert units",
    );
  });

  it('errorThreshold -> ErrorsAlarm.Threshold', () => {
    expect(alarmProps(templateWith((p) => ({ errorThreshold: p.num() })), 'ServiceErrorsAlarm').Threshold).toEqual(REF);
  });

  it('p99DurationThreshold as Duration.millis(token) -> LatencyAlarm.Threshold, compared with no timeout', () => {
    const t = templateWith((p) => ({ p99DurationThreshold: Duration.millis(p.num()), timeout: Duration.seconds(1) }));
    expect(alarmProps(t, 'ServiceLatencyAlarm').Threshold).toEqual(REF);
  });

  it('p99DurationThreshold in another unit: our error (the threshold counts milliseconds)', () => {
    const e = errorWith((p) => ({ p99DurationThreshold: Duration.seconds(p.num()), timeout: Duration.seconds(10) }));
    expect(e.prop).toBe('p99DurationThreshold');
    expect(e.message).toBe(
      'Tok/Service: p99DurationThreshold (<token> seconds) must be written as Duration.millis(...) when its amount is a deploy-time value: the alarm threshold counts milliseconds, and CloudFormation cannot convert units',
    );
  });

  it('a deploy-time timeout is not compared with a concrete p99DurationThreshold', () => {
    const t = templateWith((p) => ({ timeout: Duration.seconds(p.num()), p99DurationThreshold: Duration.seconds(30) }));
    expect(fn(t).Timeout).toEqual(REF);
    expect(alarmProps(t, 'ServiceLatencyAlarm').Threshold).toBe(30_000);
  });

  it('aliasName -> Alias.Name, Url.Qualifier and the alarm\'s Resource dimension', () => {
    const t = templateWith((p) => ({ aliasName: p.str() }));
    expect(alias(t).Name).toEqual(REF);
    expect(url(t).Qualifier).toEqual(REF);
    const dims = alarmProps(t, 'ServiceErrorsAlarm').Metrics.find((m: any) => m.MetricStat).MetricStat.Metric.Dimensions;
    expect(dims).toContainEqual({ Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: expect.any(String) }, ':', REF]] } });
  });

  it('logRetention -> LogGroup.RetentionInDays', () => {
    expect(onlyResource(templateWith((p) => ({ logRetention: p.num() })), 'AWS::Logs::LogGroup').Properties.RetentionInDays).toEqual(REF);
  });

  it('logRemovalPolicy: our error (it is the DeletionPolicy, which takes no parameter)', () => {
    const e = errorWith((p) => ({ logRemovalPolicy: p.str() as never }));
    expect(e.prop).toBe('logRemovalPolicy');
    expect(e.message).toMatch(/^Tok\/Service: logRemovalPolicy \("\$\{Token\[TOKEN\.\d+\]\}"\) must be a concrete value, not a deploy-time value \(token\): it becomes the log group's DeletionPolicy/);
  });

  it('authType: our error (it decides whether the public URL\'s permissions exist)', () => {
    const e = errorWith((p) => ({ authType: p.str() as never }));
    expect(e.prop).toBe('authType');
    expect(e.allowed).toBe('must be a concrete value, not a deploy-time value (token): it decides whether the public permissions a URL with authType NONE needs are created');
  });

  it('invokeMode -> Url.InvokeMode', () => {
    expect(url(templateWith((p) => ({ invokeMode: p.str() as never }))).InvokeMode).toEqual(REF);
  });

  it('tracing -> Function.TracingConfig.Mode (and the X-Ray grant is acknowledged)', () => {
    const t = templateWith((p) => ({ tracing: p.str() as never }));
    expect(fn(t).TracingConfig).toEqual({ Mode: REF });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('xray:PutTraceSegments');
  });

  it('cors.maxAge as Duration.seconds(token) -> Url.Cors.MaxAge', () => {
    expect(url(templateWith((p) => ({ cors: { maxAge: Duration.seconds(p.num()) } }))).Cors.MaxAge).toEqual(REF);
  });

  it('cors.maxAge in another unit: our error', () => {
    const e = errorWith((p) => ({ cors: { maxAge: Duration.minutes(p.num()) } }));
    expect(e.prop).toBe('cors.maxAge');
    expect(e.allowed).toBe("must be written as Duration.seconds(...) when its amount is a deploy-time value: the Function URL's MaxAge counts seconds, and CloudFormation cannot convert units");
  });

  it('cors.allowedOrigins -> Url.Cors.AllowOrigins', () => {
    expect(url(templateWith((p) => ({ cors: { allowedOrigins: [p.str()] } }))).Cors.AllowOrigins).toEqual([REF]);
  });

  it('cors.allowedOrigins with credentials: a deploy-time origin is not taken for "*"', () => {
    const cors = url(templateWith((p) => ({ cors: { allowCredentials: true, allowedOrigins: [p.str()] } }))).Cors;
    expect(cors).toMatchObject({ AllowCredentials: true, AllowOrigins: [REF] });
  });

  it('cors.allowedHeaders -> Url.Cors.AllowHeaders', () => {
    expect(url(templateWith((p) => ({ cors: { allowedHeaders: [p.str()] } }))).Cors.AllowHeaders).toEqual([REF]);
  });

  it('cors.exposedHeaders -> Url.Cors.ExposeHeaders', () => {
    expect(url(templateWith((p) => ({ cors: { exposedHeaders: [p.str()] } }))).Cors.ExposeHeaders).toEqual([REF]);
  });

  it('cors.allowedMethods -> Url.Cors.AllowMethods', () => {
    expect(url(templateWith((p) => ({ cors: { allowedMethods: [p.str() as never] } }))).Cors.AllowMethods).toEqual([REF]);
  });

  it('trafficShift.percentage (TrafficShift.canary) -> a custom DeploymentConfig\'s CanaryPercentage', () => {
    const t = templateWith((p) => ({ trafficShift: TrafficShift.canary(p.num()) }));
    const routing = onlyResource(t, 'AWS::CodeDeploy::DeploymentConfig').Properties.TrafficRoutingConfig;
    expect(routing).toEqual({ Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: REF, CanaryInterval: 5 } });
    expect(onlyResource(t, 'AWS::CodeDeploy::DeploymentGroup').Properties.DeploymentConfigName).toEqual({ Ref: expect.stringMatching(/^ServiceDeploymentConfig/) });
  });

  it('trafficShift.percentage (TrafficShift.linear) -> a custom DeploymentConfig\'s LinearPercentage', () => {
    const t = templateWith((p) => ({ trafficShift: TrafficShift.linear(p.num()) }));
    const routing = onlyResource(t, 'AWS::CodeDeploy::DeploymentConfig').Properties.TrafficRoutingConfig;
    expect(routing).toEqual({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: REF, LinearInterval: 1 } });
  });

  it('trafficShift.interval as Duration.minutes(token) -> a custom DeploymentConfig\'s CanaryInterval', () => {
    const t = templateWith((p) => ({ trafficShift: TrafficShift.canary(10, Duration.minutes(p.num())) }));
    const routing = onlyResource(t, 'AWS::CodeDeploy::DeploymentConfig').Properties.TrafficRoutingConfig;
    expect(routing).toEqual({ Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 10, CanaryInterval: REF } });
  });

  it('trafficShift.interval (TrafficShift.linear) as Duration.minutes(token) -> a custom DeploymentConfig\'s LinearInterval', () => {
    const t = templateWith((p) => ({ trafficShift: TrafficShift.linear(10, Duration.minutes(p.num())) }));
    const routing = onlyResource(t, 'AWS::CodeDeploy::DeploymentConfig').Properties.TrafficRoutingConfig;
    expect(routing).toEqual({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 10, LinearInterval: REF } });
  });

  it('trafficShift.interval in another unit: our error from the factory (CodeDeploy counts minutes)', () => {
    const e = orchestrationErrorFrom(() => withParam((p) => ({ trafficShift: TrafficShift.linear(10, Duration.seconds(p.num())) })));
    expect(e.prop).toBe('TrafficShift.linear(interval)');
    expect(e.allowed).toBe("must be written as Duration.minutes(...) when its amount is a deploy-time value: CodeDeploy's interval counts minutes, and CloudFormation cannot convert units");
  });

  it('architecture as Architecture.custom(token) -> Function.Architectures', () => {
    expect(fn(templateWith((p) => ({ architecture: lambda.Architecture.custom(p.str()) }))).Architectures).toEqual([REF]);
  });
});

describe('the shared app description, as this style reads it: deploy-time values', () => {
  const withApp = (app: (p: Param) => Partial<AppDescription>) => (p: Param) => ({ app: { source, ...app(p) } as AppDescription });

  it('app.name -> the role\'s and the function\'s Description', () => {
    const t = templateWith(withApp((p) => ({ name: p.str() })));
    expect(fn(t).Description).toEqual({ 'Fn::Join': ['', [REF, expect.stringMatching(/^ [0-9a-f]{12}$/)]] });
    const role = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('ServiceServiceRole'))![1] as any;
    expect(role.Properties.Description).toEqual({ 'Fn::Join': ['', ['Runs the ', REF, ' function']] });
  });

  it('app.version -> Function.Environment.Variables.APP_VERSION and Description', () => {
    const t = templateWith(withApp((p) => ({ version: p.str() })));
    expect(fn(t).Environment.Variables.APP_VERSION).toEqual(REF);
    expect(fn(t).Description).toEqual({ 'Fn::Join': ['', ['app ', REF]] });
  });

  it('app.handler -> Function.Handler', () => {
    expect(fn(templateWith(withApp((p) => ({ handler: p.str() })))).Handler).toEqual(REF);
  });

  it('app.environment value -> Function.Environment.Variables.<NAME>', () => {
    expect(fn(templateWith(withApp((p) => ({ environment: { GREETING: p.str() } })))).Environment.Variables.GREETING).toEqual(REF);
  });

  it('app.environment key: our error (CloudFormation takes no deploy-time map keys)', () => {
    const e = errorWith(withApp((p) => ({ environment: { [p.str()]: 'x' } })));
    expect(e.prop).toBe('app.environment key');
    expect(e.allowed).toBe('must be a concrete value, not a deploy-time value (token): it becomes an environment variable name, and CloudFormation takes no deploy-time values as map keys');
  });

  it('app.source.directory: our error (the code is packaged at synth)', () => {
    const e = errorWith((p) => ({ app: { source: AppSource.fromDirectory(p.str()) } }));
    expect(e.prop).toBe('app.source.directory');
    expect(e.allowed).toBe('must be a concrete value, not a deploy-time value (token): the code is packaged and hashed at synth');
  });

  it('app.source.exclude: our error (the exclusions shape the asset at synth)', () => {
    const e = errorWith((p) => ({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR, { exclude: ['*.md', p.str()] }) } }));
    expect(e.prop).toBe('app.source.exclude[1]');
    expect(e.allowed).toBe('must be a concrete value, not a deploy-time value (token): the code is packaged and hashed at synth');
  });

  it('app.secrets key: our error (it names an environment variable)', () => {
    const e = errorWith(withApp((p) => ({ secrets: { [p.str()]: AppSecret.fromSecretName('db') } })));
    expect(e.prop).toBe('app.secrets key');
  });

  it('app.secrets.<NAME>.secretName -> the *_SECRET_REF variable and the read grant\'s ARN', () => {
    const t = templateWith(withApp((p) => ({ secrets: { DB: AppSecret.fromSecretName(p.str()) } })));
    expect(fn(t).Environment.Variables.DB_SECRET_REF).toEqual({ 'Fn::Join': ['', ['secretsmanager:', REF]] });
    expect(JSON.stringify(onlyResource(t, 'AWS::IAM::Policy').Properties.PolicyDocument)).toContain(':secret:",{"Ref":"P"},"-??????"');
  });

  it('app.secrets.<NAME>.secretArn -> the *_SECRET_REF variable and the read grant\'s Resource', () => {
    const t = templateWith(withApp((p) => ({ secrets: { DB: AppSecret.fromSecretArn(p.str()) } })));
    expect(fn(t).Environment.Variables.DB_SECRET_REF).toEqual({ 'Fn::Join': ['', ['secretsmanager:', REF]] });
    const statements = onlyResource(t, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement as any[];
    expect(statements.find((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue')).Resource).toEqual(REF);
  });

  it('app.secrets.<NAME>.jsonField -> the *_SECRET_REF variable', () => {
    const t = templateWith(withApp((p) => ({ secrets: { DB: AppSecret.fromSecretName('db', { jsonField: p.str() }) } })));
    expect(fn(t).Environment.Variables.DB_SECRET_REF).toEqual({ 'Fn::Join': ['', ['secretsmanager:db#', REF]] });
  });

  it('app.secrets.<NAME>.parameterName -> the *_SECRET_REF variable and the read grant\'s parameter ARN', () => {
    const t = templateWith(withApp((p) => ({ secrets: { KEY: AppSecret.fromParameterName(p.str()) } })));
    expect(fn(t).Environment.Variables.KEY_SECRET_REF).toEqual({ 'Fn::Join': ['', ['ssm:', REF]] });
    const statements = onlyResource(t, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement as any[];
    const read = statements.find((s) => JSON.stringify(s.Action).includes('ssm:GetParameter'));
    expect(read.Resource).toEqual({ 'Fn::Join': ['', ['arn:aws:ssm:eu-west-1:123456789012:parameter', REF]] });
  });

  it('app.replicas.min -> Alias.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions', () => {
    expect(alias(templateWith(withApp((p) => ({ replicas: { min: p.num() } })))).ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: REF });
  });

  it('app.replicas.max -> Function.ReservedConcurrentExecutions, with no false min/max error', () => {
    const t = templateWith(withApp((p) => ({ replicas: { min: 5, max: p.num() } })));
    expect(fn(t).ReservedConcurrentExecutions).toEqual(REF);
    expect(alias(t).ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: 5 });
  });

  it('app.replicas.min with a concrete max: both rendered, not compared', () => {
    const t = templateWith(withApp((p) => ({ replicas: { min: p.num(), max: 2 } })));
    expect(alias(t).ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: REF });
    expect(fn(t).ReservedConcurrentExecutions).toBe(2);
  });

  it('app.environment size: deploy-time parts count 0 bytes (no false 4 KB error)', () => {
    const t = templateWith(withApp((p) => ({ environment: { BIG: 'x'.repeat(3900), LATER: p.str() } })));
    expect(fn(t).Environment.Variables.LATER).toEqual(REF);
  });

  it('app.environment size: what is known already over 4 KB is our error, "at least"', () => {
    const e = errorWith(withApp((p) => ({ environment: { BIG: 'x'.repeat(4100), LATER: p.str() } })));
    expect(e.prop).toBe('app.environment');
    expect(e.message).toMatch(/^Tok\/Service: app\.environment \("at least 41\d\d bytes"\) must stay within Lambda's 4 KB limit/);
  });

  describe('fields the serverless style does not read reach no template property', () => {
    it('app.port', () => expectUnused(templateWith(withApp((p) => ({ port: p.num() })))));
    it('app.healthCheckPath', () => expectUnused(templateWith(withApp((p) => ({ healthCheckPath: p.str() })))));
    it('app.command', () => expectUnused(templateWith(withApp((p) => ({ command: ['node', p.str()] })))));
    it('app.replicas.targetCpuPercent', () => expectUnused(templateWith(withApp((p) => ({ replicas: { targetCpuPercent: p.num() } })))));
    it('app.rollout.maxUnavailablePercent', () => expectUnused(templateWith(withApp((p) => ({ rollout: { maxUnavailablePercent: p.num() } })))));
    it('app.rollout.maxSurgePercent', () => expectUnused(templateWith(withApp((p) => ({ rollout: { maxSurgePercent: p.num() } })))));
    it('app.rollout.maxFailurePercent', () => expectUnused(templateWith(withApp((p) => ({ rollout: { maxFailurePercent: p.num() } })))));
    it('app.rollout.bakeTime', () => expectUnused(templateWith(withApp((p) => ({ rollout: { bakeTime: Duration.seconds(p.num()) } })))));
  });
});

describe('FunctionService domain props as deploy-time values', () => {
  const US_EAST_1_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
  const distribution = (t: Template) => onlyResource(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
  function domainWith(stack: Stack, domainName: string, certificateArn = US_EAST_1_CERT) {
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    return { domainName, hostedZone, certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', certificateArn) };
  }

  it('webAclArn goes to the distribution\'s WebACLId (the ARN shape is then CloudFront\'s to check)', () => {
    const { stack, props } = withParam((p) => ({ webAclArn: p.str() }));
    new FunctionService(stack, 'Service', { ...props, domain: domainWith(stack, 'app.example.com') });
    expect(distribution(Template.fromStack(stack)).WebACLId).toEqual(REF);
  });

  it('domain.domainName goes to the aliases, the records and the url', () => {
    const { stack, props } = withParam(() => ({}));
    const name = new CfnParameter(stack, 'P', { type: 'String' }).valueAsString;
    const service = new FunctionService(stack, 'Service', { ...props, domain: domainWith(stack, name) });
    const t = Template.fromStack(stack);
    expect(distribution(t).Aliases).toEqual([REF]);
    expect(stack.resolve(service.url)).toEqual({ 'Fn::Join': ['', ['https://', REF]] });
  });

  it('domain.certificate with a deploy-time ARN: its region cannot be checked at synth, so it is taken as it is', () => {
    const { stack, props } = withParam(() => ({}));
    const arn = new CfnParameter(stack, 'P', { type: 'String' }).valueAsString;
    new FunctionService(stack, 'Service', { ...props, domain: domainWith(stack, 'app.example.com', arn) });
    expect(distribution(Template.fromStack(stack)).ViewerCertificate.AcmCertificateArn).toEqual(REF);
  });
});
