// VmService: every setting of the issue asserted on the template, the rollout fragment
// snapshotted on its own, and the options that change them.
import { type App, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acknowledgeNag } from '../../../constructs/shared/nag';
import { VmImage, VmScaling, VmService } from '../../../constructs/vm';
import { SAMPLE_APP_DIR, onlyResource, testApp, testStack } from '../../helpers';
import { AppSecret, AppSource } from '../../../lib/app';

const app = { name: 'sample-app', source: AppSource.fromDirectory(SAMPLE_APP_DIR), environment: { NODE_ENV: 'production' } };

const stack = testStack('Vm');
const service = new VmService(stack, 'Service', { app });
const t = Template.fromStack(stack);

/** The user data of the only launch template, joined to one string (tokens as JSON). */
function userDataOf(template: Template): string {
  const lt = onlyResource(template, 'AWS::EC2::LaunchTemplate');
  const parts = lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[];
  return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

describe('VmService defaults: the launch template', () => {
  const lt = onlyResource(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

  it('requires IMDSv2 with a hop limit of 1', () => {
    expect(lt.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });
  it('has no SSH key and no public IP', () => {
    expect(lt.KeyName).toBeUndefined();
    expect(lt.NetworkInterfaces).toEqual([{ AssociatePublicIpAddress: false, DeviceIndex: 0, Groups: [{ 'Fn::GetAtt': [expect.stringMatching(/^ServiceSecurityGroup/), 'GroupId'] }] }]);
  });
  it('has an encrypted gp3 root volume', () => {
    expect(lt.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' } }]);
  });
  it('boots the image Image Builder baked in the stack', () => {
    const imageId = Object.keys(t.findResources('AWS::ImageBuilder::Image'))[0];
    expect(lt.ImageId).toEqual({ 'Fn::GetAtt': [imageId, 'ImageId'] });
  });
  it('runs t4g.micro with detailed monitoring and an instance profile', () => {
    expect(lt.InstanceType).toBe('t4g.micro');
    expect(lt.Monitoring).toEqual({ Enabled: true });
    expect(lt.IamInstanceProfile).toBeDefined();
  });
  it('never renders a launch configuration', () => {
    t.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
  });
  it('user data carries configuration and the unit, not secrets', () => {
    const ud = userDataOf(t);
    expect(ud).toContain('NODE_ENV="production"');
    expect(ud).toContain('PORT="8080"');
    expect(ud).toContain(`APP_VERSION="${service.appVersion}"`);
    expect(ud).toContain('Restart=always');
    expect(ud).toContain('User=app-user');
    expect(ud).toContain('systemctl enable --now app.service');
    expect(ud).not.toContain('fetch-secrets'); // no secrets in this app
  });
});

describe('VmService defaults: the group', () => {
  const asg = onlyResource(t, 'AWS::AutoScaling::AutoScalingGroup');

  it('runs 3 to 10 instances with no pinned desired capacity', () => {
    expect(asg.Properties.MinSize).toBe('3');
    expect(asg.Properties.MaxSize).toBe('10');
    expect(asg.Properties.DesiredCapacity).toBeUndefined();
  });
  it('uses ELB health checks with a grace period sized to boot + health checks', () => {
    expect(asg.Properties.HealthCheckType).toBe('ELB');
    expect(asg.Properties.HealthCheckGracePeriod).toBe(90 + 10 * 2);
  });
  it('spreads over the private subnets of two AZs', () => {
    expect(asg.Properties.VPCZoneIdentifier).toHaveLength(2);
    for (const ref of asg.Properties.VPCZoneIdentifier) expect(ref.Ref).toMatch(/privateSubnet/);
  });
  it('pins the launch template\'s latest version number (so a change starts a refresh and can be rolled back)', () => {
    expect(asg.Properties.LaunchTemplate.Version).toEqual({ 'Fn::GetAtt': [expect.any(String), 'LatestVersionNumber'] });
  });
  it('warms new instances up for 30 s', () => {
    expect(asg.Properties.DefaultInstanceWarmup).toBe(30);
  });
  it('rolls out with instance refresh 100/200, warmup and the two alarms (snapshot of the fragment)', () => {
    const refresh = asg.UpdatePolicy.AutoScalingInstanceRefresh;
    expect(refresh.Strategy).toBe('Rolling');
    expect(refresh.Preferences).toMatchObject({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 30 });
    expect(refresh.Preferences.AlarmSpecification.Alarms).toHaveLength(2);
    expect(asg.UpdatePolicy).toMatchSnapshot();
  });
  it('scales on average CPU at the app\'s target (50 %)', () => {
    t.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 50 },
    });
  });
});

describe('VmService defaults: alarms that fail a refresh', () => {
  const alarms = t.findResources('AWS::CloudWatch::Alarm');
  it('alarms on the 5xx rate (targets and load balancer) at 5 %', () => {
    const rate = Object.values(alarms).find((a: any) => a.Properties.Metrics)! as any;
    expect(rate.Properties.Threshold).toBe(5);
    expect(rate.Properties.EvaluationPeriods).toBe(1);
    const names = rate.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName).sort();
    expect(names).toEqual(['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'RequestCount']);
  });
  it('alarms on unhealthy hosts only for longer than an instance needs to start', () => {
    const unhealthy = Object.values(alarms).find((a: any) => a.Properties.MetricName === 'UnHealthyHostCount')! as any;
    expect(unhealthy.Properties.Threshold).toBe(1);
    expect(unhealthy.Properties.EvaluationPeriods).toBe(Math.ceil(110 / 60) + 1);
    expect(unhealthy.Properties.TreatMissingData).toBe('notBreaching');
  });
  it('exposes the alarms and the rollout estimate', () => {
    expect(service.refreshAlarms).toHaveLength(2);
    expect(service.rolloutEstimate!.summary).toBe('1 batch × 2 min 50 s = 2 min 50 s');
  });
});

describe('VmService defaults: the load balancer', () => {
  it('is internet-facing, drops invalid header fields and logs access to S3', () => {
    const lb = onlyResource(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties;
    expect(lb.Scheme).toBe('internet-facing');
    expect(lb.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.prefix', Value: 'alb' },
      ]),
    );
    for (const ref of lb.Subnets) expect(ref.Ref).toMatch(/publicSubnet/);
  });
  it('keeps access logs in an SSE-S3, TLS-only, private bucket', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });
  it('checks /healthz every 10 s, 2 to become healthy, 2 to become unhealthy, and drains for 30 s', () => {
    const tg = onlyResource(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties;
    expect(tg).toMatchObject({ HealthCheckPath: '/healthz', HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Port: 8080, Matcher: { HttpCode: '200' } });
    expect(tg.HealthCheckTimeoutSeconds).toBeLessThan(tg.HealthCheckIntervalSeconds);
    expect(tg.TargetGroupAttributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '30' });
  });
  it('listens on HTTP 80 and forwards to the group', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward' }] });
  });
});

describe('VmService defaults: network access', () => {
  it('opens only 80 to the internet', () => {
    const open: number[] = [];
    for (const sg of Object.values(t.findResources('AWS::EC2::SecurityGroup')) as any[]) {
      for (const r of sg.Properties.SecurityGroupIngress ?? []) if (r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0') open.push(r.FromPort);
    }
    for (const r of Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')) as any[]) {
      if (r.Properties.CidrIp === '0.0.0.0/0' || r.Properties.CidrIpv6 === '::/0') open.push(r.Properties.FromPort);
    }
    expect(open).toEqual([80]);
  });
  it('lets only the load balancer reach the app port', () => {
    const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')) as any[];
    const toInstances = rules.filter((r) => JSON.stringify(r.Properties.GroupId).includes('ServiceSecurityGroup'));
    expect(toInstances).toHaveLength(1);
    expect(toInstances[0].Properties).toMatchObject({ FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/LoadBalancerSecurityGroup/), 'GroupId'] } });
    const instanceSg = (Object.entries(t.findResources('AWS::EC2::SecurityGroup')) as [string, any][]).find(([id]) => id.startsWith('ServiceSecurityGroup'))![1];
    expect(instanceSg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(instanceSg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })]);
  });
  it('creates the shared network: one NAT instance, no NAT gateway', () => {
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::Instance', 1);
    expect(service.network).toBeDefined();
  });
});

describe('VmService defaults: the instance role and logs', () => {
  it('may write to its own log group and use Session Manager, nothing else', () => {
    const role = (Object.entries(t.findResources('AWS::IAM::Role')) as [string, any][]).find(([id]) => id.startsWith('ServiceInstanceRole'))![1];
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
    expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
    const policy = (Object.entries(t.findResources('AWS::IAM::Policy')) as [string, any][]).find(([id]) => id.startsWith('ServiceInstanceRole'))![1];
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect([...statements[0].Action].sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(statements[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ServiceLogGroup/), 'Arn'] });
  });
  it('keeps app logs for a month', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('VmService defaults: the image', () => {
  const component = onlyResource(t, 'AWS::ImageBuilder::Component').Properties;
  const recipe = onlyResource(t, 'AWS::ImageBuilder::ImageRecipe').Properties;
  const infra = onlyResource(t, 'AWS::ImageBuilder::InfrastructureConfiguration').Properties;
  const image = onlyResource(t, 'AWS::ImageBuilder::Image').Properties;

  it('names component, recipe and infrastructure from the construct path, versions them from the content', () => {
    expect(component.Name).toMatch(/^Vm-Service-Image-[A-F0-9]{8}-app$/);
    expect(recipe.Name).toMatch(/^Vm-Service-Image-[A-F0-9]{8}-recipe$/);
    expect(infra.Name).toMatch(/^Vm-Service-Image-[A-F0-9]{8}-infrastructure$/);
    expect(component.Version).toBe(service.image!.version);
    expect(recipe.Version).toBe(service.image!.version);
  });
  it('starts from Amazon Linux 2023 for the fleet\'s architecture, with an encrypted volume', () => {
    expect(JSON.stringify(recipe.ParentImage)).toContain('image/amazon-linux-2023-arm64/x.x.x');
    expect(recipe.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
  });
  it('installs the app from its S3 asset and tests that it answers its health path', () => {
    const data = JSON.stringify(component.Data);
    expect(data).toContain('S3Download');
    expect(data).toContain('install-app');
    expect(data).toContain('export NODEJS_PACKAGE=nodejs22 APP_LOG_DIR=/var/log/app APP_HOME=/opt/app');
    expect(data).toContain('amazon-cloudwatch-agent unzip logrotate');
    expect(data).toContain('useradd --system');
    expect(data).toContain('http://127.0.0.1:18080/healthz');
    expect(image.ImageTestsConfiguration).toEqual({ ImageTestsEnabled: true, TimeoutMinutes: 60 });
  });
  it('starts the build only once the private subnets have their NAT route', () => {
    const img = onlyResource(t, 'AWS::ImageBuilder::Image');
    expect(img.DependsOn.some((d: string) => /privateSubnet1DefaultRoute/.test(d))).toBe(true);
  });
  it('builds in a private subnet with IMDSv2 and terminates failed builds', () => {
    expect(infra.SubnetId.Ref).toMatch(/privateSubnet1/);
    expect(infra.InstanceMetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(infra.TerminateInstanceOnFailure).toBe(true);
    expect(infra.InstanceTypes).toEqual(['t4g.small']);
  });
  it('deletes a replaced image\'s AMI and snapshots through a role for Image Builder', () => {
    const roleId = Object.keys(t.findResources('AWS::IAM::Role')).find((id) => id.startsWith('ServiceImageDeletionRole'))!;
    expect(image.DeletionSettings).toEqual({ ExecutionRole: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    const role = t.findResources('AWS::IAM::Role')[roleId] as any;
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('imagebuilder.amazonaws.com');
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/EC2ImageBuilderLifecycleExecutionPolicy');
  });
  it('lets the build role read the code asset object only', () => {
    const policy = (Object.entries(t.findResources('AWS::IAM::Policy')) as [string, any][]).find(([id]) => id.startsWith('ServiceImageBuildRole'))![1];
    expect(policy.Properties.PolicyDocument.Statement).toHaveLength(1);
    expect(policy.Properties.PolicyDocument.Statement[0].Action).toBe('s3:GetObject');
  });
});

describe('a new app version is a new image (and so a refresh)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-app-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it('changes the component and recipe version, not their names', () => {
    fs.cpSync(SAMPLE_APP_DIR, dir, { recursive: true });
    const build = () => {
      const s = testStack('Vm');
      const svc = new VmService(s, 'Service', { app: { ...app, source: AppSource.fromDirectory(dir) } });
      return { v: svc.image!.version, c: onlyResource(Template.fromStack(s), 'AWS::ImageBuilder::Component').Properties };
    };
    const before = build();
    fs.appendFileSync(path.join(dir, 'server.js'), '\n// v2\n');
    const after = build();
    expect(after.v).not.toBe(before.v);
    expect(after.c.Version).toBe(after.v);
    expect(after.c.Name).toBe(before.c.Name);
  });
});

describe('the same launch template whatever the feature flags', () => {
  it('renders a launch template with generateLaunchTemplateInsteadOfLaunchConfig false', () => {
    const s = testStack('NoFlag', { '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': false });
    new VmService(s, 'Service', { app });
    const nt = Template.fromStack(s);
    nt.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    nt.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    // identical but for the Name tags, which carry the stack name
    const data = (tt: Template) => JSON.stringify(onlyResource(tt, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData).replace(/(NoFlag|Vm)\/Service/g, 'STACK/Service');
    expect(data(nt)).toBe(data(t));
  });
});

describe('VmService options', () => {
  const s = testStack('Options');
  const secret = new secretsmanager.Secret(s, 'Db');
  const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 3 });
  const svc = new VmService(s, 'Service', {
    app: {
      ...app,
      port: 3000,
      healthCheckPath: '/ready',
      secrets: { DB_PASSWORD: AppSecret.fromSecret(secret, { jsonField: 'password' }), API_KEY: AppSecret.fromParameterName('/app/api-key') },
      replicas: { min: 4, max: 12, targetCpuPercent: 60 },
      rollout: { maxUnavailablePercent: 10, maxSurgePercent: 50, bakeTime: Duration.seconds(60) },
    },
    vpc,
    instanceTypes: [new ec2.InstanceType('t4g.small'), new ec2.InstanceType('t4g.medium')],
    certificate: acm.Certificate.fromCertificateArn(s, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc'),
    scaling: VmScaling.requestsPerTarget(600),
    checkpointPercentages: [25, 100],
    checkpointDelay: Duration.minutes(10),
    refreshBakeTime: Duration.minutes(5),
    deregistrationDelay: Duration.seconds(15),
    healthCheckInterval: Duration.seconds(5),
    healthyThresholdCount: 3,
    image: VmImage.bake({ nodeMajorVersion: 20, runTests: false, deleteReplacedImages: false }),
  });
  const o = Template.fromStack(s);
  const asg = onlyResource(o, 'AWS::AutoScaling::AutoScalingGroup');

  it('maps the shared rollout limits onto instance refresh (min 90, max 150, warmup 60)', () => {
    expect(asg.UpdatePolicy.AutoScalingInstanceRefresh.Preferences).toMatchObject({
      MinHealthyPercentage: 90,
      MaxHealthyPercentage: 150,
      InstanceWarmup: 60,
      CheckpointPercentages: [25, 100],
      CheckpointDelay: 600,
      BakeTime: 300,
    });
  });
  it('maps the shared replicas onto the group', () => {
    expect(asg.Properties.MinSize).toBe('4');
    expect(asg.Properties.MaxSize).toBe('12');
    expect(asg.Properties.VPCZoneIdentifier).toHaveLength(3);
  });
  it('uses a mixed instances policy for several instance types', () => {
    expect(asg.Properties.LaunchTemplate).toBeUndefined();
    expect(asg.Properties.MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual([{ InstanceType: 't4g.small' }, { InstanceType: 't4g.medium' }]);
  });
  it('scales on requests per target', () => {
    o.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' }, TargetValue: 600 },
    });
  });
  it('serves HTTPS on 443 and redirects HTTP, opening only 80 and 443', () => {
    o.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }] });
    o.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] });
    const lbSg = (Object.entries(o.findResources('AWS::EC2::SecurityGroup')) as [string, any][]).find(([id]) => id.includes('LoadBalancerSecurityGroup'))![1];
    expect(lbSg.Properties.SecurityGroupIngress.map((r: any) => r.FromPort).sort()).toEqual([443, 80]);
    expect(svc.url).toMatch(/^https:\/\//);
  });
  it('health checks the app\'s path and port with the given timing', () => {
    const tg = onlyResource(o, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties;
    expect(tg).toMatchObject({ HealthCheckPath: '/ready', Port: 3000, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, HealthyThresholdCount: 3 });
    expect(tg.TargetGroupAttributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '15' });
    expect(asg.Properties.HealthCheckGracePeriod).toBe(90 + 5 * 3);
  });
  it('grants the instance role read access to exactly its secrets, and user data only references them', () => {
    const policy = (Object.entries(o.findResources('AWS::IAM::Policy')) as [string, any][]).find(([id]) => id.startsWith('ServiceInstanceRole'))![1];
    const doc = JSON.stringify(policy.Properties.PolicyDocument);
    expect(doc).toContain('secretsmanager:GetSecretValue');
    expect(doc).toContain('ssm:GetParameter');
    expect(doc).toContain('parameter/app/api-key');
    const ud = userDataOf(o);
    expect(ud).toContain('DB_PASSWORD=secretsmanager:');
    expect(ud).toContain('#password');
    expect(ud).toContain('API_KEY=ssm:/app/api-key');
    expect(ud).toContain('ExecStartPre=+/usr/local/libexec/app/fetch-secrets');
  });
  it('bakes the requested Node.js major version, without tests or image deletion when asked', () => {
    expect(JSON.stringify(onlyResource(o, 'AWS::ImageBuilder::Component').Properties.Data)).toContain('NODEJS_PACKAGE=nodejs20');
    const img = onlyResource(o, 'AWS::ImageBuilder::Image').Properties;
    expect(img.ImageTestsConfiguration.ImageTestsEnabled).toBe(false);
    expect(img.DeletionSettings).toBeUndefined();
  });
  it('keeps user data under EC2\'s 16 KB limit with secrets', () => {
    expect(Buffer.byteLength(userDataOf(o))).toBeLessThan(16 * 1024);
  });
  it('estimates the rollout from the same settings', () => {
    // 4 instances, 10 % of 4 rounds to 0 unavailable, 50 % of 4 = 2 surge: 2 batches
    expect(svc.rolloutEstimate!.batches).toBe(2);
    expect(svc.rolloutEstimate!.perBatchSeconds).toBe(90 + 5 * 3 + 60 + 15);
    expect(svc.rolloutEstimate!.totalSeconds).toBe(2 * 180 + 600 + 300);
  });
  it('passes the AwsSolutions checks with its own acknowledgements (synthesized with the gate)', () => {
    // the test's own fixtures (a VPC without flow logs, a secret without rotation) are acknowledged here
    acknowledgeNag(vpc, 'AwsSolutions-VPC7', 'Test fixture: a plain VPC standing in for the user\'s own network.');
    acknowledgeNag(secret, 'AwsSolutions-SMG4', 'Test fixture: a secret standing in for the user\'s database password.');
    Validations.of(s.node.root).addPlugins(new AwsSolutionsChecks(s.node.root as App));
    expect(() => (s.node.root as App).synth()).not.toThrow();
  });
});

describe('VmService with an existing AMI', () => {
  it('boots an AMI id and bakes nothing', () => {
    const s = testStack('Ami');
    const svc = new VmService(s, 'Service', { app, image: VmImage.fromAmiId('ami-0123456789abcdef0') });
    const a = Template.fromStack(s);
    expect(svc.appVersion).toBe('ami-0123456789abcdef0');
    expect(svc.image).toBeUndefined();
    expect(onlyResource(a, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.ImageId).toBe('ami-0123456789abcdef0');
    a.resourceCountIs('AWS::ImageBuilder::Image', 0);
    a.resourceCountIs('AWS::ImageBuilder::Component', 0);
  });
  it('reads an SSM parameter at deploy time, not at synth', () => {
    const s = new Stack(testApp(), 'Ssm'); // region-agnostic, offline
    new VmService(s, 'Service', { app, image: VmImage.fromSsmParameter('/golden/app-ami') });
    const a = Template.fromStack(s);
    const params = a.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const p = Object.values(params).find((x) => x.Default === '/golden/app-ami')!;
    expect(p.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    a.resourceCountIs('AWS::ImageBuilder::Image', 0);
  });
});

describe('VmService scaling modes and the root volume', () => {
  const policyOf = (s: Stack) => onlyResource(Template.fromStack(s), 'AWS::AutoScaling::ScalingPolicy').Properties.TargetTrackingConfiguration;
  it('by default tracks average CPU at app.replicas.targetCpuPercent', () => {
    const s = testStack('CpuShared');
    new VmService(s, 'Service', { app: { ...app, replicas: { targetCpuPercent: 65 } } });
    expect(policyOf(s)).toMatchObject({ PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 65 });
  });
  it('VmScaling.cpuUtilization() without a value: app.replicas.targetCpuPercent, else 50', () => {
    const s = testStack('CpuDefault');
    new VmService(s, 'Service', { app, scaling: VmScaling.cpuUtilization() });
    expect(policyOf(s).TargetValue).toBe(50);
  });
  it('VmScaling.cpuUtilization(70) agreeing with app.replicas.targetCpuPercent 70 is accepted', () => {
    const s = testStack('CpuAgree');
    new VmService(s, 'Service', { app: { ...app, replicas: { targetCpuPercent: 70 } }, scaling: VmScaling.cpuUtilization(70) });
    expect(policyOf(s).TargetValue).toBe(70);
  });
  it('VmScaling.requestsPerTarget(600): one ALBRequestCountPerTarget policy on the target group, and a warning when app.replicas.targetCpuPercent is set', () => {
    const s = testStack('Requests');
    new VmService(s, 'Service', { app: { ...app, replicas: { targetCpuPercent: 60 } }, scaling: VmScaling.requestsPerTarget(600) });
    const policy = policyOf(s);
    expect(policy.PredefinedMetricSpecification.PredefinedMetricType).toBe('ALBRequestCountPerTarget');
    expect(policy.TargetValue).toBe(600);
    const warnings = s.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    expect(warnings.some((w) => w.includes('app.replicas.targetCpuPercent does not apply'))).toBe(true);
  });
  it('rootVolumeSize: Size.gibibytes(20) is the launch template\'s and the recipe\'s VolumeSize in GiB', () => {
    const s = testStack('Volume');
    new VmService(s, 'Service', { app, rootVolumeSize: Size.gibibytes(20) });
    const t = Template.fromStack(s);
    expect(onlyResource(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs.VolumeSize).toBe(20);
    expect(onlyResource(t, 'AWS::ImageBuilder::ImageRecipe').Properties.BlockDeviceMappings[0].Ebs.VolumeSize).toBe(20);
  });
});

describe('VmService switches', () => {
  it('without auto rollback, no alarm stops the refresh', () => {
    const s = testStack('NoRollback');
    const svc = new VmService(s, 'Service', { app: { ...app, rollout: { autoRollback: false } } });
    const asg = onlyResource(Template.fromStack(s), 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.UpdatePolicy.AutoScalingInstanceRefresh.Preferences.AlarmSpecification).toBeUndefined();
    expect(svc.refreshAlarms).toEqual([]);
  });
  it('access logs off, IMDSv1 allowed and a key pair: each hardening default has a way out', () => {
    const s = testStack('Off');
    const keyPair = ec2.KeyPair.fromKeyPairName(s, 'Key', 'ops');
    new VmService(s, 'Service', { app, accessLogs: false, requireImdsv2: false, keyPair, detailedMonitoring: false });
    const a = Template.fromStack(s);
    a.resourceCountIs('AWS::S3::Bucket', 0);
    const lt = onlyResource(a, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt.MetadataOptions.HttpTokens).toBe('optional');
    expect(lt.KeyName).toBe('ops');
    expect(lt.Monitoring).toEqual({ Enabled: false });
  });
  it('warns that maxFailurePercent does not apply', () => {
    const s = testStack('Warn');
    new VmService(s, 'Service', { app: { ...app, rollout: { maxFailurePercent: 30 } } });
    const warnings = s.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    expect(warnings.some((w) => w.includes('maxFailurePercent does not apply to the vm style'))).toBe(true);
  });
});
