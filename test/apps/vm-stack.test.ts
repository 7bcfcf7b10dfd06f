// The vm sample stack: region-agnostic and offline, with the outputs the CLI reads; and its prod
// profile (production settings): what differs from dev, and what must not (both gates over prod: test/gate.test.ts).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createSampleApp } from '../../apps/sample-app-stacks';
import { VM_PROD_INSTANCE_TYPES, VmSampleStack } from '../../apps/vm-stack';
import { ENVIRONMENT_SIZES, type ProductionSettings } from '../../lib/environments';
import { CDK_CONTEXT } from '../helpers';

const { stacks } = createSampleApp({ context: CDK_CONTEXT, gate: false });
const stack = stacks.vm;
const t = Template.fromStack(stack);
const json = t.toJSON();

describe('vm sample stack', () => {
  it('is named by sampleStackName and environment-agnostic', () => {
    expect(stack.stackName).toBe('SampleVm-dev');
    expect(stack.region).toMatch(/^\$\{Token/);
  });

  it('outputs what the CLI needs', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual(
      ['AlbUrl', 'AppVersion', 'AutoScalingGroupName', 'ImageId', 'LaunchTemplateId', 'LoadBalancerArn', 'LogGroupName', 'Region', 'RolloutEstimateSeconds', 'Style', 'TargetGroupArn'].sort(),
    );
    expect(json.Outputs.Style.Value).toBe('vm');
    expect(json.Outputs.Region.Value).toEqual({ Ref: 'AWS::Region' });
    expect(json.Outputs.RolloutEstimateSeconds.Value).toBe('170');
  });

  it('keeps the book\'s dev sizes (3 to 10)', () => {
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '3', MaxSize: '10' });
  });

  it('logs ALB access in any region: the ELB account from a mapping, else the log delivery service', () => {
    const policy = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy');
    const doc = JSON.stringify(policy.Properties.PolicyDocument);
    expect(doc).toContain('logdelivery.elasticloadbalancing.amazonaws.com');
    expect(doc).toContain('delivery.logs.amazonaws.com');
    expect(doc).toContain('Fn::If');
    expect(Object.keys(json.Conditions ?? {}).some((c) => c.includes('AccessLogsLegacyRegion'))).toBe(true);
    const mapping = Object.values<any>(json.Mappings ?? {}).find((m) => m['eu-west-1']?.account);
    expect(mapping['eu-west-1'].account).toBe('156460612806');
    expect(mapping['mx-central-1'].account).toBe('none'); // a newer region: the service principal applies
    expect(Object.keys(mapping).length).toBeGreaterThan(40);
  });

  it('empties and deletes its access log bucket and log groups on cdk destroy', () => {
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    const groups = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    for (const g of groups) expect(g.DeletionPolicy).toBe('Delete');
  });
});

// ---------------------------------------------------------------------------------------------
// prod: the stack built with production settings, as apps/sample-app-stacks.ts builds it in
// `-c env=prod` (and `-c teardown=true`), next to the dev one built the same way.

const PRODUCTION: ProductionSettings = { domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', alarmEmail: 'ops@example.com', monthlyBudgetUsd: 300 };

function sampleStack(env: 'dev' | 'prod', production?: ProductionSettings & { teardown?: boolean }, extraContext: Record<string, unknown> = {}, outdir?: string): VmSampleStack {
  const a = new App({ context: { ...CDK_CONTEXT, ...extraContext }, outdir });
  return new VmSampleStack(a, `SampleVm-${env}`, { sizes: ENVIRONMENT_SIZES[env], production });
}

const dev = Template.fromStack(sampleStack('dev')).toJSON();
const prodStack = sampleStack('prod', PRODUCTION);
const prod = Template.fromStack(prodStack).toJSON();
const teardown = Template.fromStack(sampleStack('prod', { ...PRODUCTION, teardown: true })).toJSON();

const ofType = (tpl: any, type: string) => Object.entries<any>(tpl.Resources).filter(([, r]) => r.Type === type);
const one = (tpl: any, type: string) => {
  const found = ofType(tpl, type);
  expect(found).toHaveLength(1);
  return found[0]![1];
};
const listenersOf = (tpl: any) => ofType(tpl, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties);
const lbAttribute = (tpl: any, key: string) => one(tpl, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes.find((a: any) => a.Key === key)?.Value;
const lbIngress = (tpl: any) => {
  const [, sg] = ofType(tpl, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('LoadBalancerSecurityGroup'))!;
  return sg.Properties.SecurityGroupIngress.map((r: any) => `${r.IpProtocol}/${r.FromPort}-${r.ToPort} from ${r.CidrIp ?? r.CidrIpv6}`).sort();
};

describe('vm sample, prod vs dev: TLS and the name', () => {
  it('prod serves https://vm.<domainName> (the AlbUrl output) on 443 with the modern TLS policy; dev stays HTTP on the ALB name', () => {
    expect(prodStack.service.url).toBe('https://vm.example.com');
    expect(prod.Outputs.AlbUrl.Value).toBe('https://vm.example.com');
    expect(JSON.stringify(dev.Outputs.AlbUrl.Value)).toMatch(/^\{"Fn::Join":\["",\["http:\/\//);
    const https = listenersOf(prod).find((l) => l.Protocol === 'HTTPS');
    expect(https).toMatchObject({ Port: 443, SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09' });
    expect(listenersOf(dev).map((l) => `${l.Protocol}:${l.Port}`)).toEqual(['HTTP:80']);
  });
  it('prod redirects HTTP to HTTPS as the listener\'s default action; dev forwards', () => {
    expect(listenersOf(prod).find((l) => l.Protocol === 'HTTP').DefaultActions).toEqual([{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }]);
    expect(listenersOf(dev)[0].DefaultActions[0].Type).toBe('forward');
  });
  it('prod: a DNS-validated certificate and an alias A record in the imported zone (no lookup); dev: neither', () => {
    expect(one(prod, 'AWS::CertificateManager::Certificate').Properties).toMatchObject({
      DomainName: 'vm.example.com', ValidationMethod: 'DNS', DomainValidationOptions: [{ DomainName: 'vm.example.com', HostedZoneId: 'Z0EXAMPLE' }],
    });
    expect(one(prod, 'AWS::Route53::RecordSet').Properties).toMatchObject({ Name: 'vm.example.com.', Type: 'A', HostedZoneId: 'Z0EXAMPLE' });
    expect(ofType(dev, 'AWS::CertificateManager::Certificate')).toHaveLength(0);
    expect(ofType(dev, 'AWS::Route53::RecordSet')).toHaveLength(0);
  });
  it('nothing but the load balancer\'s 443 and 80 (redirect) is open to the internet in prod; dev opens 80 only', () => {
    expect(lbIngress(prod)).toEqual(['tcp/443-443 from 0.0.0.0/0', 'tcp/80-80 from 0.0.0.0/0']);
    expect(lbIngress(dev)).toEqual(['tcp/80-80 from 0.0.0.0/0']);
    const [, instances] = ofType(prod, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('ServiceSecurityGroup'))!;
    expect(instances.Properties.SecurityGroupIngress).toBeUndefined(); // only the ALB's group, as a separate ingress resource
    const publicIngress = ofType(prod, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties.CidrIp === '0.0.0.0/0' || r.Properties.CidrIpv6 === '::/0');
    expect(publicIngress).toEqual([]);
  });
});

describe('vm sample, prod vs dev: no single point of failure', () => {
  it('prod: a NAT gateway per AZ and no NAT instance; dev: one NAT instance', () => {
    expect(ofType(prod, 'AWS::EC2::NatGateway')).toHaveLength(2);
    expect(ofType(prod, 'AWS::EC2::Instance')).toHaveLength(0);
    expect(ofType(dev, 'AWS::EC2::NatGateway')).toHaveLength(0);
    expect(ofType(dev, 'AWS::EC2::Instance')).toHaveLength(1);
  });
  it('prod: two Graviton Nitro types that encrypt traffic in transit, prioritized; dev: t4g.micro alone', () => {
    const asg = one(prod, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    expect(asg.MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual(VM_PROD_INSTANCE_TYPES.map((InstanceType) => ({ InstanceType })));
    expect(asg.MixedInstancesPolicy.InstancesDistribution).toEqual({ OnDemandAllocationStrategy: 'prioritized', OnDemandPercentageAboveBaseCapacity: 100 });
    const devAsg = one(dev, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    expect(devAsg.MixedInstancesPolicy).toBeUndefined();
    expect(one(dev, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.InstanceType).toBe('t4g.micro');
  });
  it('both: the group lists two distinct Availability Zones and runs prod\'s 4 to 20', () => {
    for (const tpl of [prod, dev]) {
      const zones = one(tpl, 'AWS::AutoScaling::AutoScalingGroup').Properties.AvailabilityZones;
      expect(new Set(zones.map((z: unknown) => JSON.stringify(z))).size).toBe(2);
    }
    expect(one(prod, 'AWS::AutoScaling::AutoScalingGroup').Properties).toMatchObject({ MinSize: '4', MaxSize: '20' });
  });
});

describe('vm sample, prod vs dev: observability and notifications', () => {
  it('prod: both alarms notify the alarm topic on ALARM and OK; dev: no actions', () => {
    const [topicId] = ofType(prod, 'AWS::SNS::Topic')[0]!;
    const alarms = ofType(prod, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    expect(alarms).toHaveLength(2);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
      expect(a.ActionsEnabled ?? true).toBe(true);
    }
    for (const [, a] of ofType(dev, 'AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmActions).toBeUndefined();
  });
  it('prod: the topic is encrypted with a customer-managed key CloudWatch may use, and e-mails alarmEmail', () => {
    const [, topic] = ofType(prod, 'AWS::SNS::Topic')[0]!;
    const [keyId, key] = ofType(prod, 'AWS::KMS::Key').find(([id]) => id.startsWith('Alarms'))!;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const cw = key.Properties.KeyPolicy.Statement.find((st: any) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cw.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    expect(ofType(prod, 'AWS::SNS::Subscription').map(([, r]) => r.Properties)).toContainEqual(expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' }));
  });
  it('prod: a dashboard with healthy instances and scaling activity; dev: none', () => {
    const body = JSON.stringify(one(prod, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const m of ['RequestCount', 'TargetResponseTime', 'HealthyHostCount', 'GroupDesiredCapacity', 'GroupInServiceInstances']) expect(body).toContain(m);
    expect(ofType(dev, 'AWS::CloudWatch::Dashboard')).toHaveLength(0);
  });
  it('prod: every log group kept a year and encrypted with the LogsKey; dev: a month, no key', () => {
    const [keyId] = ofType(prod, 'AWS::KMS::Key').find(([id]) => id.startsWith('LogsKey'))!;
    const groups = ofType(prod, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(2); // the app's and the VPC flow logs'
    for (const [, g] of groups) expect(g.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    for (const [, g] of ofType(dev, 'AWS::Logs::LogGroup')) {
      expect(g.Properties.RetentionInDays).toBe(30);
      expect(g.Properties.KmsKeyId).toBeUndefined();
    }
  });
  it('both: one-minute EC2 metrics (detailed monitoring)', () => {
    for (const tpl of [prod, dev]) expect(one(tpl, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.Monitoring).toEqual({ Enabled: true });
  });
  it('prod: a monthly budget alerting the alarm topic; dev: none', () => {
    const budget = one(prod, 'AWS::Budgets::Budget').Properties;
    expect(budget.Budget).toMatchObject({ BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 300, Unit: 'USD' } });
    expect(ofType(dev, 'AWS::Budgets::Budget')).toHaveLength(0);
  });
});

describe('vm sample: deletion protection, and the way to tear prod down', () => {
  it('prod protects the load balancer from deletion; dev does not', () => {
    expect(lbAttribute(prod, 'deletion_protection.enabled')).toBe('true');
    expect(lbAttribute(dev, 'deletion_protection.enabled')).toBe('false');
  });
  it('teardown (-c teardown=true) turns the protection off, and changes nothing else', () => {
    expect(lbAttribute(teardown, 'deletion_protection.enabled')).toBe('false');
    const strip = (tpl: any) => {
      const copy = JSON.parse(JSON.stringify(tpl));
      for (const r of Object.values<any>(copy.Resources)) {
        if (r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') r.Properties.LoadBalancerAttributes = r.Properties.LoadBalancerAttributes.filter((a: any) => a.Key !== 'deletion_protection.enabled');
      }
      return copy;
    };
    expect(strip(teardown)).toEqual(strip(prod));
  });
  it('the sample app passes -c env=prod and -c teardown=true through to this stack', () => {
    const context = { ...CDK_CONTEXT, env: 'prod', domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', teardown: 'true' };
    const vm = createSampleApp({ context, gate: false }).stacks.vm;
    const tpl = Template.fromStack(vm).toJSON();
    expect(vm.stackName).toBe('SampleVm-prod');
    expect(tpl.Outputs.AlbUrl.Value).toBe('https://vm.example.com');
    expect(lbAttribute(tpl, 'deletion_protection.enabled')).toBe('false');
  });
  it('the sample deletes what it can on cdk destroy in prod too (log groups, the access log bucket emptied)', () => {
    for (const [, g] of ofType(teardown, 'AWS::Logs::LogGroup')) expect(g.DeletionPolicy).toBe('Delete');
    expect(ofType(teardown, 'Custom::S3AutoDeleteObjects')).toHaveLength(1);
  });
});

describe('vm sample, dev: unchanged apart from what the issue requires', () => {
  it('has none of prod\'s resources', () => {
    for (const type of ['AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet', 'AWS::SNS::Topic', 'AWS::KMS::Key', 'AWS::CloudWatch::Dashboard', 'AWS::Budgets::Budget', 'AWS::EC2::NatGateway']) {
      expect(ofType(dev, type)).toHaveLength(0);
    }
  });
  it('only prod adds resources: every dev resource type is in prod, with the same logical ids for the service\'s core', () => {
    const devIds = Object.keys(dev.Resources).filter((id) => /^Service(ASG|LaunchTemplate|LoadBalancer[0-9A-F]|TargetGroup|LogGroup|AccessLogs)/.test(id));
    for (const id of devIds) expect(Object.keys(prod.Resources)).toContain(id);
  });
});
