// VmService's production props: domain (TLS, redirect, alias record), alarmTopic, dashboard,
// logEncryptionKey, deletionProtection, and the group's Availability Zones, each asserted on the
// template, with and without the prop.
import { CfnParameter, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../../constructs/shared/alarm-topic';
import { TLS_POLICY } from '../../../constructs/shared/domain';
import { LogsKey } from '../../../constructs/shared/log-encryption';
import { VmImage, VmService, type VmServiceProps } from '../../../constructs/vm';
import { AppSource } from '../../../lib/app';
import { SAMPLE_APP_DIR, onlyResource, testStack } from '../../helpers';

const app = { name: 'sample-app', source: AppSource.fromDirectory(SAMPLE_APP_DIR) };
const image = VmImage.fromAmiId('ami-0123456789abcdef0');
const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/abc';

/** A service in a new stack with a hosted zone `example.com` (Z0EXAMPLE), and its template. */
function build(extra: (s: ReturnType<typeof testStack>, zone: route53.IHostedZone) => Partial<VmServiceProps> = () => ({})) {
  const stack = testStack('Prod');
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  const service = new VmService(stack, 'Service', { app, image, ...extra(stack, zone) });
  return { stack, zone, service, t: Template.fromStack(stack) };
}

const listeners = (t: Template) => Object.values<any>(t.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l) => l.Properties);
const albIngressPorts = (t: Template) => {
  const sg = (Object.entries(t.findResources('AWS::EC2::SecurityGroup')) as [string, any][]).find(([id]) => id.includes('LoadBalancerSecurityGroup'))![1];
  return sg.Properties.SecurityGroupIngress.map((r: any) => [r.FromPort, r.ToPort, r.CidrIp]).sort();
};

describe('domain: HTTPS on the name, HTTP redirected, an alias record', () => {
  const { t, service } = build((_s, zone) => ({ domain: { domainName: 'vm.example.com', hostedZone: zone } }));

  it('creates an ACM certificate for the name, validated through DNS in the zone', () => {
    t.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'vm.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'vm.example.com', HostedZoneId: 'Z0EXAMPLE' }],
    });
    expect(service.certificate).toBeDefined();
  });
  it('serves HTTPS on 443 with the library\'s TLS policy (TLS 1.3 + restricted 1.2), forwarding to the group', () => {
    const https = listeners(t).find((l) => l.Protocol === 'HTTPS');
    expect(https.Port).toBe(443);
    expect(https.SslPolicy).toBe(TLS_POLICY);
    expect(https.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09');
    expect(https.DefaultActions).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: expect.stringMatching(/^ServiceTargetGroup/) } }]);
  });
  it('redirects HTTP on 80 to HTTPS as the HTTP listener\'s only default action (CT.ELASTICLOADBALANCING.PR.1)', () => {
    const http = listeners(t).find((l) => l.Protocol === 'HTTP');
    expect(http.Port).toBe(80);
    expect(http.DefaultActions).toEqual([{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }]);
  });
  it('opens the load balancer to 80 and 443 only', () => {
    expect(albIngressPorts(t)).toEqual([[443, 443, '0.0.0.0/0'], [80, 80, '0.0.0.0/0']]);
  });
  it('points an alias A record for the name at the load balancer', () => {
    t.resourceCountIs('AWS::Route53::RecordSet', 1);
    const record = onlyResource(t, 'AWS::Route53::RecordSet').Properties;
    expect(record).toMatchObject({ Name: 'vm.example.com.', Type: 'A', HostedZoneId: 'Z0EXAMPLE' });
    expect(JSON.stringify(record.AliasTarget.DNSName)).toContain('ServiceLoadBalancer');
    expect(service.aliasRecord).toBeDefined();
  });
  it('answers at https://<domainName>', () => {
    expect(service.url).toBe('https://vm.example.com');
  });
});

describe('domain: a deploy-time name', () => {
  it('passes through to the certificate, the record and the URL', () => {
    const { t, service, stack } = build((s, zone) => ({ domain: { domainName: new CfnParameter(s, 'Name').valueAsString, hostedZone: zone } }));
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: { Ref: 'Name' } });
    // the name as given, fully qualified: not with the zone's name appended (vm.example.com.example.com.)
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: { 'Fn::Join': ['', [{ Ref: 'Name' }, '.']] } });
    expect(stack.resolve(service.url)).toEqual({ 'Fn::Join': ['', ['https://', { Ref: 'Name' }]] });
  });
});

describe('domain and certificate: which certificate the listener presents', () => {
  it('domain.certificate: no new certificate', () => {
    const { t } = build((s, zone) => ({ domain: { domainName: 'vm.example.com', hostedZone: zone, certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN) } }));
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(listeners(t).find((l) => l.Protocol === 'HTTPS').Certificates).toEqual([{ CertificateArn: CERT_ARN }]);
  });
  it('certificate with a domain: the domain\'s certificate, no new one', () => {
    const { t, service } = build((s, zone) => ({ domain: { domainName: 'vm.example.com', hostedZone: zone }, certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN) }));
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(listeners(t).find((l) => l.Protocol === 'HTTPS').Certificates).toEqual([{ CertificateArn: CERT_ARN }]);
    expect(service.url).toBe('https://vm.example.com');
  });
  it('the same certificate as both: accepted', () => {
    const { t } = build((s, zone) => {
      const cert = acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN);
      return { domain: { domainName: 'vm.example.com', hostedZone: zone, certificate: cert }, certificate: cert };
    });
    expect(listeners(t).find((l) => l.Protocol === 'HTTPS').Certificates).toEqual([{ CertificateArn: CERT_ARN }]);
  });
  it('certificate alone (as before): HTTPS on the load balancer\'s name with the same TLS policy, no record', () => {
    const { t, service } = build((s) => ({ certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN) }));
    expect(listeners(t).find((l) => l.Protocol === 'HTTPS').SslPolicy).toBe(TLS_POLICY);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(service.url).toMatch(/^https:\/\/\$\{Token/);
  });
  it('neither: HTTP on 80 forwarding, nothing on 443, no certificate (unchanged)', () => {
    const { t, service } = build();
    expect(listeners(t)).toHaveLength(1);
    expect(listeners(t)[0]).toMatchObject({ Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward' }] });
    expect(albIngressPorts(t)).toEqual([[80, 80, '0.0.0.0/0']]);
    expect(service.url).toMatch(/^http:\/\//);
    expect(service.certificate).toBeUndefined();
  });
});

describe('alarmTopic: every alarm the construct creates notifies it', () => {
  it('both alarms get the topic as alarm and OK action', () => {
    const { t, service } = build((s) => ({ alarmTopic: new sns.Topic(s, 'Topic') }));
    expect(service.alarms).toHaveLength(2);
    const alarms = Object.values<any>(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
    }
  });
  it('an AlarmTopic (customer-managed key CloudWatch may use) works as the topic', () => {
    const { t } = build((s) => ({ alarmTopic: new AlarmTopic(s, 'Alarms').topic }));
    for (const a of Object.values<any>(t.findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    const topic = onlyResource(t, 'AWS::SNS::Topic').Properties;
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AlarmsKey/), 'Arn'] });
  });
  it('without it, the alarms have no actions (unchanged)', () => {
    const { t, service } = build();
    expect(service.alarms).toHaveLength(2);
    for (const a of Object.values<any>(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect(a.Properties.AlarmActions).toBeUndefined();
      expect(a.Properties.OKActions).toBeUndefined();
    }
  });
  it('with auto rollback off, the alarms still exist to notify, but do not fail the refresh', () => {
    const { t, service } = build((s) => ({ app: { ...app, rollout: { autoRollback: false } }, alarmTopic: new sns.Topic(s, 'Topic') }));
    expect(service.alarms).toHaveLength(2);
    expect(service.refreshAlarms).toEqual([]);
    expect(service.rolloutAlarms).toEqual([]);
    const asg = onlyResource(t, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.UpdatePolicy.AutoScalingInstanceRefresh.Preferences.AlarmSpecification).toBeUndefined();
    for (const a of Object.values<any>(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect(a.Properties.AlarmActions).toHaveLength(1);
      expect(a.Properties.AlarmDescription).toMatch(/^Notifies about Prod\/Service \(it does not stop a refresh/);
    }
  });
  it('with auto rollback off and no topic, no alarm (unchanged)', () => {
    const { t, service } = build(() => ({ app: { ...app, rollout: { autoRollback: false } } }));
    expect(service.alarms).toEqual([]);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
  it('your refreshAlarms are yours: not given the topic', () => {
    const { t } = build((s) => ({
      alarmTopic: new sns.Topic(s, 'Topic'),
      refreshAlarms: [new cloudwatch.Alarm(s, 'Mine', { metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' }), threshold: 1, evaluationPeriods: 1 })],
    }));
    const mine = (Object.entries(t.findResources('AWS::CloudWatch::Alarm')) as [string, any][]).find(([id]) => id.startsWith('Mine'))![1];
    expect(mine.Properties.AlarmActions).toBeUndefined();
  });
});

describe('dashboard', () => {
  const { t, service } = build(() => ({ dashboard: true }));
  const body = JSON.stringify(onlyResource(t, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);

  it('shows requests, errors, p50 and p99 latency from the contract metrics', () => {
    expect(service.dashboard).toBeDefined();
    for (const m of ['RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'TargetResponseTime']) expect(body).toContain(m);
    expect(body).toContain('p50');
    expect(body).toContain('p99');
  });
  it('healthy replicas: the target group\'s HealthyHostCount', () => {
    expect(body).toContain('HealthyHostCount');
    expect(body).toContain('TargetGroup');
  });
  it('scaling activity: the group\'s GroupDesiredCapacity and GroupInServiceInstances, which the group publishes (group metrics on)', () => {
    expect(body).toContain('AWS/AutoScaling');
    expect(body).toContain('GroupDesiredCapacity');
    expect(body).toContain('GroupInServiceInstances');
    const asg = onlyResource(t, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    expect(asg.MetricsCollection).toEqual([{ Granularity: '1Minute' }]); // every group metric, GroupDesiredCapacity and GroupInServiceInstances among them
  });
  it('shows the rollout alarms', () => {
    expect(body).toContain('Rollout alarms');
  });
  it('none by default', () => {
    const { t: plain, service: s } = build();
    plain.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(s.dashboard).toBeUndefined();
  });
});

describe('logEncryptionKey: every log group the construct creates', () => {
  it('encrypts the app\'s log group and the flow logs of the network it creates, with a key policy CloudWatch Logs may use', () => {
    const { t } = build((s) => ({ logEncryptionKey: new kms.Key(s, 'Key') }));
    const groups = Object.values<any>(t.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(2); // the app's and the flow logs'
    for (const g of groups) expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    const key = onlyResource(t, 'AWS::KMS::Key').Properties;
    const logs = key.KeyPolicy.Statement.find((st: any) => JSON.stringify(st.Principal).includes('logs.eu-west-1.amazonaws.com'));
    expect(logs.Action).toEqual(expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']));
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:*');
  });
  it('network.flowLogEncryptionKey, when given, is the flow logs\' key', () => {
    const { t } = build((s) => ({ logEncryptionKey: new kms.Key(s, 'Key'), network: { flowLogEncryptionKey: new kms.Key(s, 'FlowKey') } }));
    const keys = Object.values<any>(t.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.KmsKeyId['Fn::GetAtt'][0]).sort();
    expect(keys).toEqual([expect.stringMatching(/^FlowKey/), expect.stringMatching(/^Key/)]);
  });
  it('a LogsKey works as the key', () => {
    const { t } = build((s) => ({ logEncryptionKey: new LogsKey(s, 'Logs').key }));
    for (const g of Object.values<any>(t.findResources('AWS::Logs::LogGroup'))) expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
  });
  it('with your VPC: the app\'s log group only (the construct creates no flow logs)', () => {
    const { t } = build((s) => ({ vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2 }), logEncryptionKey: new kms.Key(s, 'Key') }));
    expect(onlyResource(t, 'AWS::Logs::LogGroup').Properties.KmsKeyId).toBeDefined();
  });
  it('none by default (CloudWatch Logs\' own encryption, unchanged)', () => {
    const { t } = build();
    for (const g of Object.values<any>(t.findResources('AWS::Logs::LogGroup'))) expect(g.Properties.KmsKeyId).toBeUndefined();
  });
});

describe('deletionProtection', () => {
  const attr = (t: Template) => onlyResource(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes.find((a: any) => a.Key === 'deletion_protection.enabled');
  it('true: the load balancer\'s deletion_protection.enabled attribute (CT.ELASTICLOADBALANCING.PR.5)', () => {
    expect(attr(build(() => ({ deletionProtection: true })).t)).toEqual({ Key: 'deletion_protection.enabled', Value: 'true' });
  });
  it('false or absent: the attribute false, as aws-cdk-lib always wrote it (unchanged template)', () => {
    expect(attr(build(() => ({ deletionProtection: false })).t)).toEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
    expect(attr(build().t)).toEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
  });
});

describe('the group lists its Availability Zones (CT.AUTOSCALING.PR.1)', () => {
  it('the zones of its subnets, each once', () => {
    const { t } = build();
    const asg = onlyResource(t, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    expect(asg.AvailabilityZones).toHaveLength(2);
    expect(new Set(asg.AvailabilityZones.map((z: unknown) => JSON.stringify(z))).size).toBe(2);
    expect(asg.VPCZoneIdentifier).toHaveLength(2);
  });
  it('in a VPC of three zones, the three (the subnets must lie in the zones listed)', () => {
    const { t } = build((s) => ({ vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 3 }) }));
    const asg = onlyResource(t, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    const subnetZones = Object.values<any>(t.findResources('AWS::EC2::Subnet')).filter((sn) => JSON.stringify(sn).includes('Private')).map((sn) => sn.Properties.AvailabilityZone);
    expect(asg.AvailabilityZones).toHaveLength(3);
    expect([...asg.AvailabilityZones].sort()).toEqual([...new Set(subnetZones)].sort());
  });
});

describe('every production prop together', () => {
  it('synthesizes (the dashboard reads p50 and p99 of the same latency metric in one graph)', () => {
    const { t } = build((s, zone) => ({
      domain: { domainName: 'vm.example.com', hostedZone: zone },
      alarmTopic: new AlarmTopic(s, 'Alarms').topic,
      dashboard: true,
      logEncryptionKey: new LogsKey(s, 'Logs').key,
      deletionProtection: true,
      healthCheckInterval: Duration.seconds(10),
    }));
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', Match.objectLike({ Port: 443 }));
  });
});
