import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { FunctionService, TrafficShift } from '../../../constructs/serverless';
import { ServerlessSampleStack } from '../../../apps/serverless-stack';
import { ENVIRONMENT_SIZES } from '../../../lib/environments';
import { onlyResource, SAMPLE_APP_DIR, testApp, testStack } from '../../helpers';
import { normalizeSnapshotText } from '../../normalize';
import { AppSecret, AppSource } from '../../../lib/app';

const app = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };

describe('FunctionService defaults (a construct with only an app)', () => {
  let t: Template;
  let service: FunctionService;
  beforeAll(() => {
    const stack = testStack();
    service = new FunctionService(stack, 'Service', { app });
    t = Template.fromStack(stack);
  });

  it('runs nodejs24.x on arm64 with the book\'s 128 MB and 5 s', () => {
    t.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 128, Timeout: 5, Handler: 'lambda.handler' });
  });

  it('logs to an explicit log group kept one month and retained on removal', () => {
    const lg = onlyResource(t, 'AWS::Logs::LogGroup');
    expect(lg.Properties.RetentionInDays).toBe(30);
    expect(lg.DeletionPolicy).toBe('Retain');
    const fn = onlyResource(t, 'AWS::Lambda::Function');
    expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/^ServiceLogGroup/) });
  });

  it('writes only to its own log group (no AWSLambdaBasicExecutionRole, no logs:* on *)', () => {
    const roles = t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] } } });
    expect(Object.values(roles)).toHaveLength(1);
    expect((Object.values(roles)[0] as any).Properties.ManagedPolicyArns).toBeUndefined();
    const policy = onlyResource(t, 'AWS::IAM::Policy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ServiceLogGroup/), 'Arn'] } },
    ]);
  });

  it('sets APP_VERSION from the source fingerprint and the handler from the app description', () => {
    const fn = onlyResource(t, 'AWS::Lambda::Function');
    expect(fn.Properties.Environment.Variables.APP_VERSION).toMatch(/^[0-9a-f]{12}$/);
    expect(fn.Properties.Environment.Variables.APP_VERSION).toBe(service.appVersion);
  });

  it('publishes a version and points the alias "live" at it', () => {
    const alias = onlyResource(t, 'AWS::Lambda::Alias');
    expect(alias.Properties.Name).toBe('live');
    expect(alias.Properties.FunctionVersion['Fn::GetAtt'][1]).toBe('Version');
    t.resourceCountIs('AWS::Lambda::Version', 1);
  });

  it('puts the Function URL on the alias, with AWS_IAM auth by default', () => {
    const url = onlyResource(t, 'AWS::Lambda::Url');
    expect(url.Properties.AuthType).toBe('AWS_IAM');
    expect(url.Properties.Qualifier).toBe('live');
    expect(url.Properties.InvokeMode).toBe('BUFFERED');
    t.resourceCountIs('AWS::Lambda::Permission', 0); // nothing public unless asked
  });

  it('shifts traffic with CodeDeploy: canary 10 % for 5 minutes, auto rollback on failure, stop and alarm', () => {
    const dg = onlyResource(t, 'AWS::CodeDeploy::DeploymentGroup');
    expect(dg.Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes');
    expect(dg.Properties.AutoRollbackConfiguration).toEqual({ Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] });
    expect(dg.Properties.AlarmConfiguration.Enabled).toBe(true);
    expect(dg.Properties.AlarmConfiguration.Alarms).toHaveLength(1);
    expect(dg.Properties.DeploymentStyle).toEqual({ DeploymentOption: 'WITH_TRAFFIC_CONTROL', DeploymentType: 'BLUE_GREEN' });
  });

  it('updates the alias through CodeDeploy (the alias carries the CodeDeployLambdaAliasUpdate policy)', () => {
    const alias = onlyResource(t, 'AWS::Lambda::Alias');
    expect(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate).toEqual({
      ApplicationName: { Ref: expect.stringMatching(/Application/) },
      DeploymentGroupName: { Ref: expect.stringMatching(/DeploymentGroup/) },
    });
  });

  it('alarms on errors plus URL 5xx answers of the live alias, one per minute', () => {
    const alarm = onlyResource(t, 'AWS::CloudWatch::Alarm');
    expect(alarm.Properties.Threshold).toBe(1);
    expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    const metrics = alarm.Properties.Metrics as any[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(errors, 0) + FILL(url5xx, 0)');
    const names = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric.MetricName).sort();
    expect(names).toEqual(['Errors', 'Url5xxCount']);
    for (const m of metrics.filter((x) => x.MetricStat)) {
      expect(m.MetricStat.Period).toBe(60);
      expect(m.MetricStat.Metric.Dimensions).toContainEqual({ Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: expect.any(String) }, ':live']] } });
    }
  });

  it('sets no reserved or provisioned concurrency and no tracing by default', () => {
    const fn = onlyResource(t, 'AWS::Lambda::Function');
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.Properties.TracingConfig).toBeUndefined();
    expect(onlyResource(t, 'AWS::Lambda::Alias').Properties.ProvisionedConcurrencyConfig).toBeUndefined();
  });

  it('exposes the underlying resources', () => {
    expect(service.function).toBeInstanceOf(lambda.Function);
    expect(service.alias.aliasName).toBe('live');
    expect(service.functionUrl).toBeDefined();
    expect(service.deploymentGroup).toBeDefined();
    expect(service.alarms).toHaveLength(1);
    expect(service.grantPrincipal).toBe(service.role);
  });
});

describe('FunctionService options', () => {
  it('authType NONE adds both permissions a public URL needs since October 2025', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app, authType: lambda.FunctionUrlAuthType.NONE });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', Qualifier: 'live' });
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE', FunctionName: { Ref: Match.stringLikeRegexp('ServiceAlias') } });
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true, FunctionName: { Ref: Match.stringLikeRegexp('ServiceAlias') } });
    t.resourceCountIs('AWS::Lambda::Permission', 2);
  });

  it('grants invokers lambda:InvokeFunctionUrl on the alias with AWS_IAM', () => {
    const stack = testStack();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    new FunctionService(stack, 'Service', { app, invokers: [caller] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Caller') }],
      PolicyDocument: {
        Statement: [
          { Action: 'lambda:InvokeFunctionUrl', Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }, Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('ServiceAlias') } },
          { Action: 'lambda:InvokeFunction', Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } }, Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('ServiceAlias') } },
        ],
      },
    });
  });

  it('maps the shared app description: environment, replicas, autoRollback, handler, version', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', {
      app: { ...app, version: '1.2.3', handler: 'lambda.handler', environment: { NODE_ENV: 'production' }, replicas: { min: 2, max: 20 }, rollout: { autoRollback: false } },
      memorySize: 1024,
      timeout: Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
    });
    const t = Template.fromStack(stack);
    const fn = onlyResource(t, 'AWS::Lambda::Function');
    expect(fn.Properties.Environment.Variables).toEqual({ NODE_ENV: 'production', APP_VERSION: '1.2.3' });
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(20);
    expect(fn.Properties.MemorySize).toBe(1024);
    expect(fn.Properties.Timeout).toBe(30);
    expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect(onlyResource(t, 'AWS::Lambda::Alias').Properties.ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: 2 });
    expect(onlyResource(t, 'AWS::CodeDeploy::DeploymentGroup').Properties.AutoRollbackConfiguration).toEqual({ Enabled: false });
  });

  it('passes secrets by reference only and grants read on exactly those secrets', () => {
    const stack = testStack();
    const owned = new secretsmanager.Secret(stack, 'Owned');
    new FunctionService(stack, 'Service', {
      app: {
        ...app,
        secrets: {
          DB_PASSWORD: AppSecret.fromSecretName('prod/db', { jsonField: 'password' }),
          API_KEY: AppSecret.fromParameterName('/sample/api-key'),
          TOKEN: AppSecret.fromSecret(owned),
          OTHER: AppSecret.fromSecretArn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf'),
        },
      },
    });
    const t = Template.fromStack(stack);
    const env = onlyResource(t, 'AWS::Lambda::Function').Properties.Environment.Variables;
    expect(env.DB_PASSWORD_SECRET_REF).toBe('secretsmanager:prod/db#password');
    expect(env.API_KEY_SECRET_REF).toBe('ssm:/sample/api-key');
    expect(env.TOKEN_SECRET_REF).toEqual({ 'Fn::Join': ['', ['secretsmanager:', { Ref: expect.stringMatching(/^Owned/) }]] });
    expect(env.OTHER_SECRET_REF).toBe('secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf');
    expect(env.DB_PASSWORD).toBeUndefined();
    const statements = t.findResources('AWS::IAM::Policy');
    const all = JSON.stringify(statements);
    expect(all).toContain('secretsmanager:GetSecretValue');
    expect(all).toContain(':secret:prod/db-??????');
    expect(all).toContain(':parameter/sample/api-key');
    expect(all).toContain('arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf');
    expect(all).not.toMatch(/"Resource":"\*"/);
  });

  it('uses a predefined CodeDeploy config when one matches, a custom one otherwise', () => {
    const linear = testStack();
    new FunctionService(linear, 'Service', { app, trafficShift: TrafficShift.linear(10, Duration.minutes(1)) });
    expect(onlyResource(Template.fromStack(linear), 'AWS::CodeDeploy::DeploymentGroup').Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaLinear10PercentEvery1Minute');

    const custom = testStack();
    new FunctionService(custom, 'Service', { app, trafficShift: TrafficShift.canary(25, Duration.minutes(7)) });
    const t = Template.fromStack(custom);
    expect(onlyResource(t, 'AWS::CodeDeploy::DeploymentConfig').Properties.TrafficRoutingConfig).toEqual({
      Type: 'TimeBasedCanary',
      TimeBasedCanary: { CanaryInterval: 7, CanaryPercentage: 25 },
    });

    const once = testStack();
    new FunctionService(once, 'Service', { app, trafficShift: TrafficShift.allAtOnce() });
    expect(onlyResource(Template.fromStack(once), 'AWS::CodeDeploy::DeploymentGroup').Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaAllAtOnce');
  });

  it('adds a p99 latency alarm to the deployment group when asked', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app, p99DurationThreshold: Duration.millis(800) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', ExtendedStatistic: 'p99', Threshold: 800, EvaluationPeriods: 2 });
    expect(onlyResource(t, 'AWS::CodeDeploy::DeploymentGroup').Properties.AlarmConfiguration.Alarms).toHaveLength(2);
  });

  it('takes user-bundled code instead of the source directory', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), version: 'custom' }, code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'), });
    const fn = onlyResource(Template.fromStack(stack), 'AWS::Lambda::Function');
    expect(fn.Properties.Code.ZipFile).toMatch(/statusCode: 200/);
  });

  it('removes its log group with the stack when told to', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app, logRemovalPolicy: RemovalPolicy.DESTROY, logRetention: logs.RetentionDays.ONE_WEEK });
    const lg = onlyResource(Template.fromStack(stack), 'AWS::Logs::LogGroup');
    expect(lg.DeletionPolicy).toBe('Delete');
    expect(lg.Properties.RetentionInDays).toBe(7);
  });

  it('renders the same template whatever feature flags the user sets (no cdk.json context)', () => {
    const withFlags = testStack();
    new FunctionService(withFlags, 'Service', { app });
    const bare = new Stack(undefined, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    new FunctionService(bare, 'Service', { app });
    // aws-cdk-lib's own version hash depends on flags; normalise it as the snapshots do.
    const strip = (t: any) => { delete t.Resources.CDKMetadata; delete t.Parameters; delete t.Rules; return JSON.parse(normalizeSnapshotText(JSON.stringify(t, null, 2))); };
    expect(strip(Template.fromStack(bare).toJSON())).toEqual(strip(Template.fromStack(withFlags).toJSON()));
  });
});

describe('serverless sample stack', () => {
  let t: Template;
  beforeAll(() => {
    const stack = new ServerlessSampleStack(testApp(), 'SampleServerless-dev', { sizes: ENVIRONMENT_SIZES.dev });
    t = Template.fromStack(stack);
  });

  it('serves a public URL on the live alias, arm64, nodejs24.x, with a log group removed by cdk destroy', () => {
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', Qualifier: 'live' });
    t.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 128, Environment: { Variables: Match.objectLike({ NODE_ENV: 'production' }) } });
    expect(onlyResource(t, 'AWS::Logs::LogGroup').DeletionPolicy).toBe('Delete');
  });

  it('outputs everything a user or the CLI needs', () => {
    const outputs = Object.keys(t.toJSON().Outputs).sort();
    expect(outputs).toEqual(['AliasArn', 'AliasName', 'CodeDeployApplication', 'DeploymentGroup', 'FunctionName', 'Region', 'Style', 'Url'].sort());
    expect(t.toJSON().Outputs.Style.Value).toBe('serverless');
  });

  it('keeps its rollout fragments stable (small snapshots)', () => {
    const json = t.toJSON();
    const pick = (type: string) => Object.values(json.Resources).filter((r: any) => r.Type === type);
    expect({ deploymentGroup: pick('AWS::CodeDeploy::DeploymentGroup'), aliasUpdatePolicy: (pick('AWS::Lambda::Alias')[0] as any).UpdatePolicy }).toMatchSnapshot();
    expect(pick('AWS::Lambda::Permission')).toMatchSnapshot();
  });
});
