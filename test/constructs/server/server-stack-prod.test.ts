// The server sample in prod and in dev (apps/server-stack.ts): what prod changes, what dev keeps,
// and that a teardown synth differs from prod only in deletion protection.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SERVER_PROD_INSTANCE_TYPE, ServerSampleStack } from '../../../apps/server-stack';
import { ENVIRONMENT_SIZES, type ProductionSettings } from '../../../lib/environments';
import { CDK_CONTEXT } from '../../helpers';

const PRODUCTION: ProductionSettings = { domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', alarmEmail: 'ops@example.com', monthlyBudgetUsd: 500 };

function synth(env: 'dev' | 'prod', production?: ProductionSettings & { teardown?: boolean }) {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new ServerSampleStack(app, `SampleServer-${env}`, { sizes: ENVIRONMENT_SIZES[env], production });
  return { stack, template: Template.fromStack(stack) };
}

const dev = synth('dev');
const prod = synth('prod', PRODUCTION);
const count = (t: Template, type: string) => Object.keys(t.findResources(type)).length;

describe('dev: the book\'s sample, unchanged', () => {
  it('one public nginx with an Elastic IP, one NAT instance, burstable instances, no TLS, alarms to nobody, no dashboard', () => {
    const t = dev.template;
    expect(count(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toBe(0);
    expect(count(t, 'AWS::EC2::EIP')).toBe(1);
    expect(count(t, 'AWS::EC2::NatGateway')).toBe(0);
    expect(Object.keys(t.findResources('AWS::EC2::Instance')).filter((k) => k.includes('NatInstance'))).toHaveLength(1);
    for (const type of ['AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet', 'AWS::CloudWatch::Dashboard', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::Budgets::Budget']) expect(count(t, type)).toBe(0);
    for (const [k, i] of Object.entries(t.findResources('AWS::EC2::Instance'))) {
      if (!k.includes('NatInstance')) expect(i.Properties.InstanceType).toBe('t3.micro');
    }
    for (const g of Object.values(t.findResources('AWS::Logs::LogGroup'))) expect(g.Properties.KmsKeyId).toBeUndefined();
    expect(dev.stack.service.url).toMatch(/^http:\/\//);
  });
});

describe('prod: no single point of failure, TLS, private, observable, compliant', () => {
  const t = prod.template;
  const lb = prod.stack.service.loadBalancer;

  it('two nginx in two AZs behind a network load balancer serving https://server.example.com', () => {
    expect(lb.instances).toHaveLength(2);
    expect(new Set(lb.instances.map((i) => prod.stack.resolve(i.instanceAvailabilityZone)).map((x) => JSON.stringify(x))).size).toBe(2);
    expect(prod.stack.service.url).toBe('https://server.example.com');
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'server.example.com.', HostedZoneId: 'Z0EXAMPLE', Type: 'A' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'TLS' });
    expect(count(t, 'AWS::EC2::EIP')).toBe(2); // the two NAT gateways' addresses; nginx has none
  });

  it('a NAT gateway per AZ instead of the NAT instance', () => {
    expect(count(t, 'AWS::EC2::NatGateway')).toBe(2);
    expect(Object.keys(t.findResources('AWS::EC2::Instance')).filter((k) => k.includes('NatInstance'))).toHaveLength(0);
  });

  it(`${SERVER_PROD_INSTANCE_TYPE} (Nitro, encryption in transit, on CT.EC2.PR.19's list) with detailed monitoring everywhere; nothing but the NLB is public`, () => {
    const instances = Object.values(t.findResources('AWS::EC2::Instance'));
    expect(instances).toHaveLength(4 + 2);
    for (const i of instances) {
      expect(i.Properties.InstanceType).toBe(SERVER_PROD_INSTANCE_TYPE);
      expect(i.Properties.Monitoring).toBe(true);
      expect(JSON.stringify(i.Properties.NetworkInterfaces ?? i.Properties.SubnetId)).toMatch(/private/);
      expect(i.Properties.ImageId).toContain('arm64'); // the AL2023 image for Graviton
    }
    const publicIngress = Object.values(t.findResources('AWS::EC2::SecurityGroup')).flatMap((g) => (g.Properties.SecurityGroupIngress ?? []).filter((r: { CidrIp?: string }) => r.CidrIp === '0.0.0.0/0'));
    expect(publicIngress.map((r: { FromPort: number }) => r.FromPort).sort()).toEqual([443, 80]);
  });

  it('alarms notify the encrypted alarm topic; log groups are KMS-encrypted and kept a year; a dashboard and a budget', () => {
    const topics = Object.keys(t.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    for (const a of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect(a.Properties.AlarmActions).toContainEqual({ Ref: topics[0] });
      expect(a.Properties.OKActions).toContainEqual({ Ref: topics[0] });
    }
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(5); // app, nginx, two waiters, flow logs
    for (const g of groups) {
      expect(g.Properties.KmsKeyId).toBeDefined();
      expect(g.Properties.RetentionInDays).toBe(365);
    }
    expect(count(t, 'AWS::CloudWatch::Dashboard')).toBe(1);
    expect(count(t, 'AWS::Budgets::Budget')).toBe(1);
  });

  it('protects the network load balancer from deletion; teardown turns that off and changes nothing else', () => {
    const attr = (tt: Template) => Object.values(tt.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0]!.Properties.LoadBalancerAttributes.find((a: { Key: string }) => a.Key === 'deletion_protection.enabled').Value;
    expect(attr(t)).toBe('true');
    const teardown = synth('prod', { ...PRODUCTION, teardown: true }).template;
    expect(attr(teardown)).toBe('false');
    const normalize = (tt: Template) => JSON.stringify(tt.toJSON()).replace(/"deletion_protection\.enabled","Value":"(true|false)"/g, '"deletion_protection.enabled","Value":"X"');
    expect(normalize(teardown)).toBe(normalize(t));
  });
});
