// Deploy-time values (tokens) in the vm style: for every numeric, duration and string prop of
// VmService (the shared app fields as the vm style reads them included) and AppImage, either the
// parameter's Ref at the exact template property, or our error saying why the value must be known
// at synth. "Does not throw" is not a token test.
import { CfnParameter, Duration, type RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AppImage, type AppImageProps, VmImage, VmScaling, VmService, type VmServiceProps } from '../../../constructs/vm';
import { NetworkEgress } from '../../../constructs/shared/network';
import { type AppDescription, AppSecret, AppSource } from '../../../lib/app';
import { SAMPLE_APP_DIR, onlyResource, orchestrationErrorFrom, templateOf, testApp, testStack } from '../../helpers';

const app: AppDescription = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };
const AMI = 'ami-0123456789abcdef0';
const REF = { Ref: 'P' };

const numberParam = (stack: Stack) => new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
const stringParam = (stack: Stack) => new CfnParameter(stack, 'P', { type: 'String' }).valueAsString;
const listParam = (stack: Stack) => new CfnParameter(stack, 'P', { type: 'CommaDelimitedList' }).valueAsList;

/** A VmService whose props come from `build` (which may create the parameter P), and its template. */
function synth(build: (stack: Stack) => Partial<VmServiceProps>): { t: Template; service: VmService; stack: Stack } {
  const stack = testStack('Tokens');
  const service = new VmService(stack, 'Vm', { app, ...build(stack) } as VmServiceProps);
  return { t: templateOf(stack), service, stack };
}

/** The OrchestrationError a VmService with these props throws. */
function errorFor(build: (stack: Stack) => Partial<VmServiceProps>) {
  const stack = testStack('Tokens');
  return orchestrationErrorFrom(() => new VmService(stack, 'Vm', { app, ...build(stack) } as VmServiceProps));
}

function expectConcreteError(e: ReturnType<typeof errorFor>, prop: string, why: RegExp, path = 'Tokens/Vm') {
  expect(e.path).toBe(path);
  expect(e.prop).toBe(prop);
  expect(e.message).toContain(`${path}: ${prop} (`);
  expect(e.message).toMatch(/[#$]\{Token\[|\(<token> seconds\)/); // the token, not the number that encodes it
  expect(e.allowed).toMatch(/^must be a concrete value, not a deploy-time value \(token\): /);
  expect(e.allowed).toMatch(why);
}

const lt = (t: Template) => onlyResource(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
const tg = (t: Template) => onlyResource(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties;
const asg = (t: Template) => onlyResource(t, 'AWS::AutoScaling::AutoScalingGroup');
const refresh = (t: Template) => asg(t).UpdatePolicy.AutoScalingInstanceRefresh.Preferences;
const scalingPolicy = (t: Template) => onlyResource(t, 'AWS::AutoScaling::ScalingPolicy').Properties.TargetTrackingConfiguration;
const resourceById = (t: Template, type: string, prefix: RegExp) => (Object.entries(t.findResources(type)) as [string, any][]).find(([id]) => prefix.test(id))![1];

/** The user data of the launch template as one string, tokens as JSON. */
function userDataOf(t: Template): string {
  const parts = lt(t).UserData['Fn::Base64']['Fn::Join'][1] as unknown[];
  return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

function warningsOf(stack: Stack): string[] {
  return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
}

describe('VmService: the shared app fields as deploy-time values', () => {
  it('app.name: passes through to the descriptions of the instances\' security group and role', () => {
    const { t } = synth((s) => ({ app: { ...app, name: stringParam(s) } }));
    const join = { 'Fn::Join': ['', ['Instances of ', REF, ': inbound from the load balancer only']] };
    expect(resourceById(t, 'AWS::EC2::SecurityGroup', /^VmSecurityGroup[0-9A-F]{8}$/).Properties.GroupDescription).toEqual(join);
    expect(resourceById(t, 'AWS::IAM::Role', /^VmInstanceRole/).Properties.Description).toEqual({ 'Fn::Join': ['', ['Instances of ', REF, ': SSM Session Manager, its log group, its secrets']] });
  });

  it('app.source.directory: our error (read and fingerprinted at synth)', () => {
    expectConcreteError(errorFor((s) => ({ app: { source: AppSource.fromDirectory(stringParam(s)) } })), 'app.source.directory', /read at synth/);
  });

  it('app.source.exclude: our error (filters the directory at synth)', () => {
    expectConcreteError(errorFor((s) => ({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR, { exclude: listParam(s) }) } })), 'app.source.exclude', /at synth/);
  });

  it('app.source.image: our error (the vm style bakes a directory; an image is for the container style)', () => {
    const e = errorFor((s) => ({ app: { source: AppSource.fromImage(stringParam(s)) } }));
    expect(e.prop).toBe('app.source.image');
    expect(e.message).toMatch(/^Tokens\/Vm: app\.source\.image \(".+"\) is for the container style; the vm style bakes app\.source\.directory into an AMI/);
  });

  it('app.handler: not used by the vm style, nothing renders it', () => {
    const { t } = synth((s) => ({ app: { ...app, handler: stringParam(s) } }));
    expect(JSON.stringify(t.toJSON().Resources)).not.toContain('"Ref":"P"');
  });

  it('app.version with a baked image: our error (part of the image version hash)', () => {
    expectConcreteError(errorFor((s) => ({ app: { ...app, version: stringParam(s) } })), 'app.version', /hash of its content/);
  });

  it('app.version with amiId: passes through to APP_VERSION in the user data', () => {
    const { t, service } = synth((s) => ({ app: { ...app, version: stringParam(s) }, image: VmImage.fromAmiId(AMI) }));
    expect(userDataOf(t)).toContain('APP_VERSION="{"Ref":"P"}"');
    expect(Stack.of(service).resolve(service.appVersion)).toEqual(REF);
  });

  it('app.command: our error (written into the systemd unit at synth)', () => {
    expectConcreteError(errorFor((s) => ({ app: { ...app, command: ['node', stringParam(s)] }, image: VmImage.fromAmiId(AMI) })), 'app.command', /systemd unit/);
  });

  it('app.port: passes through to the target group\'s Port, the ingress rule and PORT in the user data', () => {
    const { t } = synth((s) => ({ app: { ...app, port: numberParam(s) } }));
    expect(tg(t).Port).toEqual(REF);
    const ingress = (Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')) as any[]).filter((r) => JSON.stringify(r.Properties.GroupId).includes('VmSecurityGroup'));
    expect(ingress.map((r) => [r.Properties.FromPort, r.Properties.ToPort])).toEqual([[REF, REF]]);
    expect(userDataOf(t)).toContain('PORT="{"Ref":"P"}"');
  });

  it('app.healthCheckPath with a baked image: our error (the image\'s test calls it)', () => {
    expectConcreteError(errorFor((s) => ({ app: { ...app, healthCheckPath: stringParam(s) } })), 'app.healthCheckPath', /test phase/);
  });

  it('app.healthCheckPath with amiId: passes through to the target group\'s HealthCheckPath', () => {
    const { t } = synth((s) => ({ app: { ...app, healthCheckPath: stringParam(s) }, image: VmImage.fromAmiId(AMI) }));
    expect(tg(t).HealthCheckPath).toEqual(REF);
  });

  it('app.environment values: pass through to the EnvironmentFile in the user data', () => {
    const { t } = synth((s) => ({ app: { ...app, environment: { GREETING: stringParam(s) } } }));
    expect(userDataOf(t)).toContain('GREETING="{"Ref":"P"}"');
  });

  it('app.secrets.*.parameterName: passes through to the reference in the user data and the role\'s parameter ARN', () => {
    const { t } = synth((s) => ({ app: { ...app, secrets: { API_KEY: AppSecret.fromParameterName(stringParam(s)) } } }));
    expect(userDataOf(t)).toContain('API_KEY=ssm:{"Ref":"P"}');
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('"arn:aws:ssm:eu-west-1:123456789012:parameter",{"Ref":"P"}]]');
  });

  it('app.secrets.*.secretName: passes through to the reference in the user data', () => {
    const { t } = synth((s) => ({ app: { ...app, secrets: { DB: AppSecret.fromSecretName(stringParam(s)) } } }));
    expect(userDataOf(t)).toContain('DB=secretsmanager:{"Ref":"P"}');
  });

  it('app.secrets.*.secretArn: passes through to the reference in the user data and the grant', () => {
    const { t } = synth((s) => ({ app: { ...app, secrets: { DB: AppSecret.fromSecretArn(stringParam(s)) } } }));
    expect(userDataOf(t)).toContain('DB=secretsmanager:{"Ref":"P"}');
    const policy = resourceById(t, 'AWS::IAM::Policy', /^VmInstanceRole/);
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('{"Ref":"P"}');
  });

  it('app.secrets.*.jsonField: passes through to the reference in the user data', () => {
    const { t } = synth((s) => ({ app: { ...app, secrets: { DB: AppSecret.fromSecretName('db', { jsonField: stringParam(s) }) } } }));
    expect(userDataOf(t)).toContain('DB=secretsmanager:db#{"Ref":"P"}');
  });

  it('app.replicas.min: passes through to MinSize', () => {
    const { t } = synth((s) => ({ app: { ...app, replicas: { min: numberParam(s), max: 10 } } }));
    expect(asg(t).Properties.MinSize).toEqual(REF);
    expect(asg(t).Properties.MaxSize).toBe('10');
  });

  it('app.replicas.min without a maximum: our error (the default maximum is computed from it)', () => {
    expectConcreteError(errorFor((s) => ({ app: { ...app, replicas: { min: numberParam(s) } } })), 'app.replicas.min', /set maxCapacity \(or app.replicas.max\)/);
  });

  it('app.replicas.max: passes through to MaxSize (no false min/max error)', () => {
    const { t } = synth((s) => ({ app: { ...app, replicas: { min: 2, max: numberParam(s) } } }));
    expect(asg(t).Properties.MaxSize).toEqual(REF);
    expect(asg(t).Properties.MinSize).toBe('2');
  });

  it('app.replicas.targetCpuPercent: passes through to the CPU scaling policy\'s TargetValue', () => {
    const { t } = synth((s) => ({ app: { ...app, replicas: { targetCpuPercent: numberParam(s) } } }));
    expect(scalingPolicy(t)).toEqual({ PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: REF });
  });

  it('app.rollout.maxUnavailablePercent: our error (MinHealthyPercentage = 100 - it needs arithmetic)', () => {
    expectConcreteError(errorFor((s) => ({ app: { ...app, rollout: { maxUnavailablePercent: numberParam(s) } } })), 'app.rollout.maxUnavailablePercent', /set minHealthyPercentage instead/);
  });

  it('app.rollout.maxSurgePercent: our error (MaxHealthyPercentage = 100 + it needs arithmetic)', () => {
    expectConcreteError(errorFor((s) => ({ app: { ...app, rollout: { maxSurgePercent: numberParam(s) } } })), 'app.rollout.maxSurgePercent', /set maxHealthyPercentage instead/);
  });

  it('app.rollout.maxFailurePercent: not used by the vm style, which warns and renders nothing from it', () => {
    const { t, stack } = synth((s) => ({ app: { ...app, rollout: { maxFailurePercent: numberParam(s) } } }));
    expect(warningsOf(stack).some((w) => w.includes('maxFailurePercent does not apply to the vm style'))).toBe(true);
    expect(JSON.stringify(t.toJSON().Resources)).not.toContain('"Ref":"P"');
  });

  it('app.rollout.bakeTime: passes through to InstanceWarmup and DefaultInstanceWarmup', () => {
    const { t } = synth((s) => ({ app: { ...app, rollout: { bakeTime: Duration.seconds(numberParam(s)) } } }));
    expect(refresh(t).InstanceWarmup).toEqual(REF);
    expect(asg(t).Properties.DefaultInstanceWarmup).toEqual(REF);
  });

  it('app.rollout.bakeTime in minutes: our error (CloudFormation takes seconds and cannot convert)', () => {
    const e = errorFor((s) => ({ app: { ...app, rollout: { bakeTime: Duration.minutes(numberParam(s)) } } }));
    expect(e.path).toBe('Tokens/Vm');
    expect(e.prop).toBe('app.rollout.bakeTime');
    expect(e.allowed).toMatch(/^must be written as Duration.seconds\(...\) when its amount is a deploy-time value: its template property counts seconds, and CloudFormation cannot convert units/);
  });
});

describe('VmService: its own props as deploy-time values', () => {
  it('VmImage.fromAmiId(amiId): passes through to the launch template\'s ImageId (and is the app version)', () => {
    const { t } = synth((s) => ({ image: VmImage.fromAmiId(stringParam(s)) }));
    expect(lt(t).ImageId).toEqual(REF);
    expect(userDataOf(t)).toContain('APP_VERSION="{"Ref":"P"}"');
  });

  it('VmImage.fromSsmParameter(parameterName): our error from the factory (it becomes a template parameter\'s default)', () => {
    const stack = testStack('Tokens');
    const e = orchestrationErrorFrom(() => VmImage.fromSsmParameter(stringParam(stack)));
    expect(e.path).toBe('');
    expect(e.prop).toBe('VmImage.fromSsmParameter(parameterName)');
    expect(e.message).toMatch(/^VmImage.fromSsmParameter\(parameterName\) \("\$\{Token\[/);
    expect(e.allowed).toMatch(/^must be a concrete value, not a deploy-time value \(token\): .*pass the AMI id itself with VmImage.fromAmiId\(\)/);
  });

  it('VmImage.fromSsmParameter with a concrete name: the launch template\'s ImageId is a template parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id> defaulting to the name', () => {
    const { t } = synth(() => ({ image: VmImage.fromSsmParameter('/golden/app-ami') }));
    const ref = lt(t).ImageId.Ref as string;
    expect(t.toJSON().Parameters[ref]).toEqual({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/golden/app-ami' });
  });

  it('VmImage.bake({ nodeMajorVersion }): our error from the factory (names the package the image installs)', () => {
    const stack = testStack('Tokens');
    const e = orchestrationErrorFrom(() => VmImage.bake({ nodeMajorVersion: numberParam(stack) }));
    expect(e.prop).toBe('VmImage.bake(options).nodeMajorVersion');
    expect(e.message).toMatch(/\("\$\{Token\[/);
    expect(e.allowed).toMatch(/^must be a concrete value, not a deploy-time value \(token\): it names the Node.js package/);
  });

  it('VmImage.bake({ buildInstanceType }): passes through to the infrastructure configuration\'s InstanceTypes', () => {
    const { t } = synth((s) => ({ image: VmImage.bake({ buildInstanceType: new ec2.InstanceType(stringParam(s)) }) }));
    expect(onlyResource(t, 'AWS::ImageBuilder::InfrastructureConfiguration').Properties.InstanceTypes).toEqual([REF]);
  });

  it('instanceTypes with a baked image: our error (the image\'s architecture comes from it)', () => {
    expectConcreteError(errorFor((s) => ({ instanceTypes: [new ec2.InstanceType(stringParam(s))] })), 'instanceTypes[0]', /architecture/);
  });

  it('instanceTypes with VmImage.fromAmiId: passes through to the launch template\'s InstanceType', () => {
    const { t } = synth((s) => ({ instanceTypes: [new ec2.InstanceType(stringParam(s))], image: VmImage.fromAmiId(AMI) }));
    expect(lt(t).InstanceType).toEqual(REF);
  });

  it('rootVolumeSize with a baked image: our error (the recipe\'s volume, part of the image version)', () => {
    expectConcreteError(errorFor((s) => ({ rootVolumeSize: Size.gibibytes(numberParam(s)) })), 'rootVolumeSize', /recipe's volume size/);
  });

  it('rootVolumeSize with VmImage.fromAmiId: Size.gibibytes(param) passes through to the launch template\'s VolumeSize', () => {
    const { t } = synth((s) => ({ rootVolumeSize: Size.gibibytes(numberParam(s)), image: VmImage.fromAmiId(AMI) }));
    expect(lt(t).BlockDeviceMappings[0].Ebs.VolumeSize).toEqual(REF);
  });

  it('rootVolumeSize as Size.mebibytes(param): our error (CloudFormation cannot convert units), not aws-cdk-lib\'s unscoped one', () => {
    const e = errorFor((s) => ({ rootVolumeSize: Size.mebibytes(numberParam(s)), image: VmImage.fromAmiId(AMI) }));
    expect(e.path).toBe('Tokens/Vm');
    expect(e.prop).toBe('rootVolumeSize');
    expect(e.allowed).toMatch(/^must be written as Size.gibibytes\(...\) when its amount is a deploy-time value/);
  });

  it('minCapacity: passes through to MinSize', () => {
    const { t } = synth((s) => ({ minCapacity: numberParam(s), maxCapacity: 10 }));
    expect(asg(t).Properties.MinSize).toEqual(REF);
  });

  it('minCapacity without a maximum: our error (the default maximum is computed from it)', () => {
    expectConcreteError(errorFor((s) => ({ minCapacity: numberParam(s) })), 'minCapacity', /default maximum is the larger of 10 and the minimum/);
  });

  it('maxCapacity: passes through to MaxSize (no false min/max error)', () => {
    const { t } = synth((s) => ({ minCapacity: 3, maxCapacity: numberParam(s) }));
    expect(asg(t).Properties.MaxSize).toEqual(REF);
  });

  it('minHealthyPercentage: passes through to the instance refresh\'s MinHealthyPercentage', () => {
    const { t } = synth((s) => ({ minHealthyPercentage: numberParam(s) }));
    expect(refresh(t).MinHealthyPercentage).toEqual(REF);
    expect(refresh(t).MaxHealthyPercentage).toBe(200);
  });

  it('maxHealthyPercentage: passes through to the instance refresh\'s MaxHealthyPercentage', () => {
    const { t } = synth((s) => ({ maxHealthyPercentage: numberParam(s) }));
    expect(refresh(t).MaxHealthyPercentage).toEqual(REF);
  });

  it('instanceWarmup: passes through to InstanceWarmup and DefaultInstanceWarmup', () => {
    const { t } = synth((s) => ({ instanceWarmup: Duration.seconds(numberParam(s)) }));
    expect(refresh(t).InstanceWarmup).toEqual(REF);
    expect(asg(t).Properties.DefaultInstanceWarmup).toEqual(REF);
  });

  it('instanceWarmup in minutes: our error, not aws-cdk-lib\'s unscoped one', () => {
    const e = errorFor((s) => ({ instanceWarmup: Duration.minutes(numberParam(s)) }));
    expect(e.prop).toBe('instanceWarmup');
    expect(e.message).toMatch(/^Tokens\/Vm: instanceWarmup \(<token> minutes\) must be written as Duration.seconds\(...\) when its amount is a deploy-time value/);
  });

  it('bootAndStartTime: our error (no template property takes it; the grace period is computed from it)', () => {
    expectConcreteError(errorFor((s) => ({ bootAndStartTime: Duration.seconds(numberParam(s)) })), 'bootAndStartTime', /grace period/);
  });

  it('checkpointPercentages: a deploy-time element passes through to CheckpointPercentages', () => {
    const { t } = synth((s) => ({ checkpointPercentages: [numberParam(s), 100] }));
    expect(refresh(t).CheckpointPercentages).toEqual([REF, 100]);
  });

  it('checkpointDelay: passes through to CheckpointDelay', () => {
    const { t } = synth((s) => ({ checkpointPercentages: [50, 100], checkpointDelay: Duration.seconds(numberParam(s)) }));
    expect(refresh(t).CheckpointDelay).toEqual(REF);
  });

  it('refreshBakeTime: passes through to BakeTime', () => {
    const { t } = synth((s) => ({ refreshBakeTime: Duration.seconds(numberParam(s)) }));
    expect(refresh(t).BakeTime).toEqual(REF);
  });

  it('max5xxPercent: passes through to the 5xx alarm\'s Threshold and description', () => {
    const { t } = synth((s) => ({ max5xxPercent: numberParam(s) }));
    const alarm = resourceById(t, 'AWS::CloudWatch::Alarm', /^VmHttp5xxAlarm/).Properties;
    expect(alarm.Threshold).toEqual(REF);
    expect(JSON.stringify(alarm.AlarmDescription)).toContain('{"Ref":"P"}');
  });

  // The scaling mode is a class (VmScaling), so it cannot be a deploy-time value; its targets can.

  it('VmScaling.requestsPerTarget(perMinute): passes through to the request scaling policy\'s TargetValue', () => {
    const { t } = synth((s) => ({ scaling: VmScaling.requestsPerTarget(numberParam(s)) }));
    expect(scalingPolicy(t).PredefinedMetricSpecification.PredefinedMetricType).toBe('ALBRequestCountPerTarget');
    expect(scalingPolicy(t).TargetValue).toEqual(REF);
  });

  it('VmScaling.cpuUtilization(targetPercent): passes through to the CPU scaling policy\'s TargetValue', () => {
    const { t } = synth((s) => ({ scaling: VmScaling.cpuUtilization(numberParam(s)) }));
    expect(scalingPolicy(t).PredefinedMetricSpecification.PredefinedMetricType).toBe('ASGAverageCPUUtilization');
    expect(scalingPolicy(t).TargetValue).toEqual(REF);
  });

  it('VmScaling.cpuUtilization(param) beside a concrete app.replicas.targetCpuPercent: not compared (a deploy-time value), the style prop wins', () => {
    const { t } = synth((s) => ({ scaling: VmScaling.cpuUtilization(numberParam(s)), app: { ...app, replicas: { targetCpuPercent: 60 } } }));
    expect(scalingPolicy(t).TargetValue).toEqual(REF);
  });

  it('healthCheckInterval: passes through to HealthCheckIntervalSeconds; the grace period takes its largest value', () => {
    const { t, stack } = synth((s) => ({ healthCheckInterval: Duration.seconds(numberParam(s)) }));
    expect(tg(t).HealthCheckIntervalSeconds).toEqual(REF);
    expect(tg(t).HealthCheckTimeoutSeconds).toBe(4); // below every allowed interval
    expect(asg(t).Properties.HealthCheckGracePeriod).toBe(90 + 300 * 2);
    expect(warningsOf(stack).some((w) => w.includes('healthCheckInterval as 300 s'))).toBe(true);
  });

  it('healthyThresholdCount: passes through to HealthyThresholdCount', () => {
    const { t } = synth((s) => ({ healthyThresholdCount: numberParam(s) }));
    expect(tg(t).HealthyThresholdCount).toEqual(REF);
  });

  it('unhealthyThresholdCount: passes through to UnhealthyThresholdCount', () => {
    const { t } = synth((s) => ({ unhealthyThresholdCount: numberParam(s) }));
    expect(tg(t).UnhealthyThresholdCount).toEqual(REF);
  });

  it('deregistrationDelay: passes through to the target group\'s deregistration_delay.timeout_seconds', () => {
    const { t } = synth((s) => ({ deregistrationDelay: Duration.seconds(numberParam(s)) }));
    expect(tg(t).TargetGroupAttributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: REF });
    expect(userDataOf(t)).toContain('TimeoutStopSec=3605'); // the app's stop budget takes the largest drain
  });

  it('logRetention: passes through to the log group\'s RetentionInDays', () => {
    const { t } = synth((s) => ({ logRetention: numberParam(s) as logs.RetentionDays }));
    expect(resourceById(t, 'AWS::Logs::LogGroup', /^VmLogGroup/).Properties.RetentionInDays).toEqual(REF);
  });

  it('network.flowLogRetention: passes through to the flow log group\'s RetentionInDays', () => {
    const { t } = synth((s) => ({ network: { flowLogRetention: numberParam(s) as logs.RetentionDays }, image: VmImage.fromAmiId(AMI) }));
    expect(resourceById(t, 'AWS::Logs::LogGroup', /^VmNetworkFlowLogs/).Properties.RetentionInDays).toEqual(REF);
  });

  it('network.maxAzs: our error (it decides how many subnets exist), named as the caller wrote it', () => {
    expectConcreteError(errorFor((s) => ({ network: { maxAzs: numberParam(s) }, image: VmImage.fromAmiId(AMI) })), 'network.maxAzs', /how many subnets/);
  });

  it('network.egress: a deploy-time string is not a NetworkEgress (it decides which NAT resources exist): our error, named as the caller wrote it', () => {
    const e = errorFor((s) => ({ network: { egress: stringParam(s) as never }, image: VmImage.fromAmiId(AMI) }));
    expect([e.path, e.prop]).toEqual(['Tokens/Vm', 'network.egress']);
    expect(e.message).toMatch(/[#$]\{Token\[/);
    expect(e.allowed).toBe('must be made with NetworkEgress.natInstance(), NetworkEgress.natGateway() or NetworkEgress.none()');
  });

  it('network.egress NAT instance type without a machine image: our error (the NAT image is chosen for its architecture)', () => {
    expectConcreteError(errorFor((s) => ({ network: { egress: NetworkEgress.natInstance({ instanceType: new ec2.InstanceType(stringParam(s)) }) }, image: VmImage.fromAmiId(AMI) })), 'network.egress.instanceType', /architecture/);
  });

  it('network.egress NAT instance type with a machine image: passes through to the NAT instance\'s InstanceType', () => {
    const { t } = synth((s) => ({ network: { egress: NetworkEgress.natInstance({ instanceType: new ec2.InstanceType(stringParam(s)), machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }) }) }, image: VmImage.fromAmiId(AMI) }));
    expect(onlyResource(t, 'AWS::EC2::Instance').Properties.InstanceType).toEqual(REF);
  });

  it('accessLogsBucket named by a deploy-time value: passes through to the load balancer\'s access_logs.s3.bucket', () => {
    const { t } = synth((s) => ({ accessLogsBucket: s3.Bucket.fromBucketName(s, 'Logs', stringParam(s)) }));
    const attributes = onlyResource(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes;
    expect(attributes).toContainEqual({ Key: 'access_logs.s3.bucket', Value: REF });
  });

  it('accessLogsBucket named by a deploy-time value in a region-agnostic stack (the access-logs.ts path): passes through to access_logs.s3.bucket', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    new VmService(stack, 'Vm', { app, accessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', stringParam(stack)) });
    const t = templateOf(stack);
    expect(onlyResource(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes).toContainEqual({ Key: 'access_logs.s3.bucket', Value: REF });
  });

  it('logRemovalPolicy: our error (DeletionPolicy takes no deploy-time value)', () => {
    expectConcreteError(errorFor((s) => ({ logRemovalPolicy: stringParam(s) as RemovalPolicy })), 'logRemovalPolicy', /DeletionPolicy/);
  });

  it('accessLogsRemovalPolicy: our error (DeletionPolicy takes no deploy-time value)', () => {
    expectConcreteError(errorFor((s) => ({ accessLogsRemovalPolicy: stringParam(s) as RemovalPolicy })), 'accessLogsRemovalPolicy', /DeletionPolicy/);
  });

  it('network.flowLogRemovalPolicy: our error (DeletionPolicy takes no deploy-time value)', () => {
    expectConcreteError(errorFor((s) => ({ network: { flowLogRemovalPolicy: stringParam(s) as RemovalPolicy } })), 'network.flowLogRemovalPolicy', /DeletionPolicy/);
  });

  it('the rollout estimate takes the worst case of a deploy-time setting, and says so', () => {
    const { service, stack } = synth((s) => ({ deregistrationDelay: Duration.seconds(numberParam(s)) }));
    // one batch: boot 90 + checks 10 × 2 + warmup 30 + drain 3600 (its largest value)
    expect(service.rolloutEstimate!.totalSeconds).toBe(90 + 20 + 30 + 3600);
    expect(warningsOf(stack).some((w) => w.includes('deregistrationDelay as 3600 s'))).toBe(true);
  });
});

describe('AppImage: deploy-time values', () => {
  function imageProps(stack: Stack, extra: Partial<AppImageProps>): AppImageProps {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    return {
      sourceDirectory: SAMPLE_APP_DIR,
      exclude: [],
      command: ['node', 'server.js'],
      port: 8080,
      healthCheckPath: '/healthz',
      appVersion: '1.0.0',
      architecture: ec2.InstanceArchitecture.ARM_64,
      rootVolumeSize: Size.gibibytes(8),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ...extra,
    };
  }
  const imageError = (extra: (s: Stack) => Partial<AppImageProps>) => {
    const stack = testStack('Tokens');
    return orchestrationErrorFrom(() => new AppImage(stack, 'Image', imageProps(stack, extra(stack))));
  };
  const cases: [keyof AppImageProps, (s: Stack) => Partial<AppImageProps>, RegExp][] = [
    ['sourceDirectory', (s) => ({ sourceDirectory: stringParam(s) }), /packaged as an asset at synth/],
    ['exclude', (s) => ({ exclude: listParam(s) }), /filter the directory at synth/],
    ['command', (s) => ({ command: ['node', stringParam(s)] }), /test script/],
    ['healthCheckPath', (s) => ({ healthCheckPath: stringParam(s) }), /test script/],
    ['appVersion', (s) => ({ appVersion: stringParam(s) }), /hash of its content/],
    ['rootVolumeSize', (s) => ({ rootVolumeSize: Size.gibibytes(numberParam(s)) }), /recipe's volume size/],
    ['nodeMajorVersion', (s) => ({ nodeMajorVersion: numberParam(s) }), /Node.js package/],
    ['architecture', (s) => ({ architecture: stringParam(s) as ec2.InstanceArchitecture }), /parent image/],
  ];
  for (const [prop, extra, why] of cases) {
    it(`${prop}: our error`, () => expectConcreteError(imageError(extra), prop, why, 'Tokens/Image'));
  }

  it('buildInstanceType: passes through to the infrastructure configuration\'s InstanceTypes', () => {
    const stack = testStack('Tokens');
    new AppImage(stack, 'Image', imageProps(stack, { buildInstanceType: new ec2.InstanceType(stringParam(stack)) }));
    expect(onlyResource(templateOf(stack), 'AWS::ImageBuilder::InfrastructureConfiguration').Properties.InstanceTypes).toEqual([REF]);
  });

  it('port: accepted, and not rendered (the image\'s test runs the app on its own port)', () => {
    const stack = testStack('Tokens');
    new AppImage(stack, 'Image', imageProps(stack, { port: numberParam(stack) }));
    const data = JSON.stringify(onlyResource(templateOf(stack), 'AWS::ImageBuilder::Component').Properties.Data);
    expect(data).toContain('http://127.0.0.1:18080/healthz');
    expect(data).not.toContain('"Ref":"P"');
  });
});
