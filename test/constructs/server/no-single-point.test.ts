// The server style without a single point of failure: N nginx behind a network load balancer that
// terminates TLS for a domain, alarms that notify a topic, encrypted logs, a dashboard. Template
// tests of each setting, of what stays as it was without them, and bad input for every new prop.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { NginxLoadBalancer, renderNginxConfig, ServerService, type ServerServiceProps } from '../../../constructs/server';
import { NGINX_NLB_DEFAULTS } from '../../../constructs/server/nginx-load-balancer';
import { TLS_POLICY } from '../../../constructs/shared/domain';
import { AppSource } from '../../../lib/app';
import { orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';

const source = AppSource.fromDirectory(SAMPLE_APP_DIR);

function zoneIn(stack: Stack) {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
}

function make(props: (stack: Stack) => Partial<ServerServiceProps> = () => ({})) {
  const stack = testStack();
  const service = new ServerService(stack, 'Svc', { app: { source }, ...props(stack) } as ServerServiceProps);
  return { stack, service, template: Template.fromStack(stack) };
}

const ha = (stack: Stack): Partial<ServerServiceProps> => ({
  domain: { domainName: 'app.example.com', hostedZone: zoneIn(stack) },
  loadBalancer: { instanceCount: 2 },
});

describe('without the new props: one public nginx, as before', () => {
  const { service, template } = make();
  it('has no network load balancer, certificate, record or dashboard; one nginx with an Elastic IP, over HTTP', () => {
    for (const type of ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet', 'AWS::CloudWatch::Dashboard', 'AWS::S3::Bucket']) {
      template.resourceCountIs(type, 0);
    }
    template.resourceCountIs('AWS::EC2::EIP', 1);
    expect(service.loadBalancer.instances).toHaveLength(1);
    expect(service.loadBalancer.networkLoadBalancer).toBeUndefined();
    expect(service.loadBalancer.failureDetectionWindow).toBeUndefined();
    expect(service.url).toMatch(/^http:\/\//);
    expect(service.loadBalancer.config).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(service.loadBalancer.config).not.toContain('return 301');
  });
  it('log groups keep their retention and CloudWatch Logs encryption; alarms notify nobody', () => {
    for (const lg of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(lg.Properties.KmsKeyId).toBeUndefined();
      expect(lg.Properties.RetentionInDays).toBe(30);
    }
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.OKActions).toBeUndefined();
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('ec2:recover');
    }
  });
});

describe('two nginx behind a network load balancer that terminates TLS for a domain', () => {
  const { stack, service, template } = make(ha);
  const lb = service.loadBalancer;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.resolve(stack.getLogicalId(c.node.defaultChild as never));

  it('spreads the nginx servers over two AZs in private subnets, without public addresses', () => {
    expect(lb.instances).toHaveLength(2);
    const instances = Object.values(template.findResources('AWS::EC2::Instance')).filter((i) => /Svc\/LoadBalancer/.test(JSON.stringify(i.Properties.Tags)));
    expect(instances).toHaveLength(2);
    const subnets = instances.map((i) => JSON.stringify(i.Properties.NetworkInterfaces[0].SubnetId));
    expect(new Set(subnets).size).toBe(2);
    for (const i of instances) {
      expect(i.Properties.NetworkInterfaces[0].AssociatePublicIpAddress).toBe(false);
      expect(i.Properties.SubnetId).toBeUndefined();
      expect(JSON.stringify(i.Properties.NetworkInterfaces[0].SubnetId)).toMatch(/private/);
    }
    template.resourceCountIs('AWS::EC2::EIP', 0);
    // One association installs the same nginx.conf on both, one at a time.
    template.hasResourceProperties('AWS::SSM::Association', {
      Targets: [{ Key: 'InstanceIds', Values: lb.instances.map((i) => ({ Ref: id(i) })) }],
      MaxConcurrency: '1',
    });
  });

  it('puts an internet-facing NLB with a security group, cross-zone on, in the public subnets', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      SecurityGroups: [{ 'Fn::GetAtt': [id(lb.networkLoadBalancerSecurityGroup!), 'GroupId'] }],
      Subnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('public') })]),
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'load_balancing.cross_zone.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
  });

  it('terminates TLS on 443 with the ACM certificate and the shared TLS policy; port 80 goes to the redirect port', () => {
    expect(TLS_POLICY).toBe('ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      SslPolicy: TLS_POLICY,
      Certificates: [{ CertificateArn: { Ref: id(lb.certificate as never) } }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id(lb.targetGroup!) } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id(lb.redirectTargetGroup!) } }],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'app.example.com', ValidationMethod: 'DNS', DomainValidationOptions: [{ DomainName: 'app.example.com', HostedZoneId: 'Z0EXAMPLE' }] });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.example.com.', Type: 'A', HostedZoneId: 'Z0EXAMPLE', AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }) });
    expect(service.url).toBe('https://app.example.com');
  });

  it('targets the nginx instances, health-checked over HTTP on nginx\'s own health path and port, client IP preserved', () => {
    for (const [tg, port] of [[lb.targetGroup!, 80], [lb.redirectTargetGroup!, NGINX_NLB_DEFAULTS.redirectPort]] as const) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: port,
        Protocol: 'TCP',
        TargetType: 'instance',
        Targets: lb.instances.map((i) => ({ Id: { Ref: id(i) }, Port: port })),
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '80',
        HealthCheckPath: '/nginx-health',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }, { Key: 'preserve_client_ip.enabled', Value: 'true' }]),
      });
      expect(id(tg)).toBeDefined();
    }
  });

  it('bounds the failure window by interval x (unhealthy threshold + 1): 30 s by default', () => {
    expect(lb.failureDetectionWindow?.toSeconds()).toBe(30);
    const custom = make((s) => ({ ...ha(s), loadBalancer: { instanceCount: 3, healthCheckInterval: Duration.seconds(5), unhealthyThresholdCount: 3 } }));
    expect(custom.service.loadBalancer.failureDetectionWindow?.toSeconds()).toBe(20);
    custom.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, UnhealthyThresholdCount: 3 });
  });

  it('lets only the NLB reach nginx (80 and the redirect port); clients reach the NLB on 443 and 80 only', () => {
    const nginxSg = id(lb.securityGroup);
    const nlbSg = id(lb.networkLoadBalancerSecurityGroup!);
    const nginxIngress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r) => JSON.stringify(r.Properties.GroupId).includes(nginxSg));
    expect(nginxIngress.map((r) => [r.Properties.FromPort, r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]]).sort()).toEqual([[80, nlbSg], [81, nlbSg]]);
    const nginxGroup = template.findResources('AWS::EC2::SecurityGroup')[nginxSg]!;
    expect(nginxGroup.Properties.SecurityGroupIngress).toBeUndefined();
    const nlbGroup = template.findResources('AWS::EC2::SecurityGroup')[nlbSg]!;
    expect(nlbGroup.Properties.SecurityGroupIngress.map((r: { FromPort: number; CidrIp: string }) => [r.FromPort, r.CidrIp]).sort()).toEqual([[443, '0.0.0.0/0'], [80, '0.0.0.0/0']]);
    // Egress of the NLB only to nginx.
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).filter((r) => JSON.stringify(r.Properties.GroupId).includes(nlbSg));
    expect(egress.map((r) => r.Properties.DestinationSecurityGroupId['Fn::GetAtt'][0])).toEqual([nginxSg, nginxSg]);
  });

  it('renders the same nginx.conf for every nginx: https to the app, port 81 redirects to the domain', () => {
    expect(lb.redirectPort).toBe(81);
    expect(lb.config).toContain('proxy_set_header X-Forwarded-Proto https;');
    expect(lb.config).toContain('listen 81;');
    expect(lb.config).toContain('return 301 https://app.example.com$request_uri;');
  });

  it('writes NLB access logs (TLS) to a private SSE-S3 bucket the log delivery service may write to', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:PutObject', Principal: { Service: 'delivery.logs.amazonaws.com' } })]) },
    });
  });
});

describe('a network load balancer without a domain', () => {
  const { service, template } = make(() => ({ loadBalancer: { networkLoadBalancer: true } }));
  it('forwards TCP 80 to nginx, with no TLS, certificate, access logs or redirect; url is the NLB over HTTP', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'TCP' });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(service.loadBalancer.instances).toHaveLength(1);
    expect(service.loadBalancer.redirectPort).toBeUndefined();
    expect(service.loadBalancer.config).not.toContain('return 301');
    expect(service.url).toMatch(/^http:\/\/\$\{Token/);
  });
});

describe('prod settings: notifications, encrypted year-long logs, dashboard, deletion protection', () => {
  const { stack, service, template } = make((s) => {
    const key = new kms.Key(s, 'Key');
    return {
      ...ha(s),
      alarmTopic: new sns.Topic(s, 'Topic'),
      logEncryptionKey: key,
      logRetention: logs.RetentionDays.ONE_YEAR,
      dashboard: true,
      detailedMonitoring: true,
      network: { flowLogEncryptionKey: key, flowLogRetention: logs.RetentionDays.ONE_YEAR },
      loadBalancer: { instanceCount: 2, deletionProtection: true, logRetention: logs.RetentionDays.ONE_YEAR, detailedMonitoring: true, accessLogsRemovalPolicy: RemovalPolicy.DESTROY },
    };
  });
  const topicId = stack.resolve(stack.getLogicalId(stack.node.findChild('Topic').node.defaultChild as never));

  it('every alarm the server style creates notifies the topic, on alarm and back to OK', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // 4 app servers' and 2 nginx's recover alarms, and the unhealthy-nginx alarm.
    expect(alarms).toHaveLength(3 + 2 + 1);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toContainEqual({ Ref: topicId });
      expect(a.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
    expect(service.loadBalancer.unhealthyNginxAlarm).toBeDefined();
  });

  it('encrypts every log group (app, nginx, both waiters, flow logs) with the key, kept a year', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const g of groups) {
      expect(g.Properties.KmsKeyId).toBeDefined();
      expect(g.Properties.RetentionInDays).toBe(365);
    }
  });

  it('turns on detailed monitoring and NLB deletion protection', () => {
    const instances = Object.entries(template.findResources('AWS::EC2::Instance')).filter(([k]) => !k.includes('NatInstance'));
    expect(instances).toHaveLength(3 + 2);
    for (const [, i] of instances) expect(i.Properties.Monitoring).toBe(true);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]) });
  });

  it('builds a dashboard: app servers up (status checks), healthy nginx (NLB HealthyHostCount), the alarms', () => {
    expect(service.dashboard).toBeDefined();
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const text of ['StatusCheckFailed', 'HealthyHostCount', 'Requests', 'ServerErrors', 'rt_p50 * 1000', 'App servers up', 'Healthy nginx servers']) expect(body).toContain(text);
  });
});

describe('bad input to the new props', () => {
  function expectError(makeIt: () => unknown, prop: string, message: RegExp, path = 'Test/Svc') {
    const e = orchestrationErrorFrom(makeIt);
    expect([e.path, e.prop]).toEqual([path, prop]);
    expect(e.message).toMatch(message);
  }
  const svc = (props: (s: Stack) => Partial<ServerServiceProps>) => () => make(props);
  const lbOpt = (o: Record<string, unknown>) => svc(() => ({ loadBalancer: o as never }));

  it('rejects an instance count below 1, above 10, fractional or not a number', () => {
    expectError(lbOpt({ instanceCount: 0 }), 'loadBalancer.instanceCount', /\(0\) must be an integer from 1 to 10$/);
    expectError(lbOpt({ instanceCount: 11 }), 'loadBalancer.instanceCount', /must be an integer from 1 to 10$/);
    expectError(lbOpt({ instanceCount: 1.5 }), 'loadBalancer.instanceCount', /must be an integer from 1 to 10$/);
    expectError(lbOpt({ instanceCount: '2' }), 'loadBalancer.instanceCount', /must be a number/);
  });
  it('rejects two nginx without the network load balancer', () => {
    expectError(lbOpt({ instanceCount: 2, networkLoadBalancer: false }), 'loadBalancer.networkLoadBalancer', /must not be false with instanceCount 2: more than one nginx needs the network load balancer/);
  });
  it('rejects a domain without the network load balancer (service and construct)', () => {
    expectError(svc((s) => ({ domain: { domainName: 'app.example.com', hostedZone: zoneIn(s) }, loadBalancer: { networkLoadBalancer: false } })), 'loadBalancer.networkLoadBalancer', /must not be false with a domain: TLS for the domain is terminated by the network load balancer/);
    const stack = testStack();
    expectError(() => new NginxLoadBalancer(stack, 'Lb', { upstreams: [{ address: '10.0.0.1', port: 8080 }], networkLoadBalancer: false, domain: { domainName: 'app.example.com', hostedZone: zoneIn(stack) } }), 'networkLoadBalancer', /must not be false with a domain/, 'Test/Lb');
  });
  it('rejects a domain that is not a ServiceDomain', () => {
    expectError(svc(() => ({ domain: 'app.example.com' as never })), 'domain', /must be an object/);
    expectError(svc((s) => ({ domain: { domainName: 'app.other.org', hostedZone: zoneIn(s) } })), 'domain.domainName', /must be the hosted zone's name \(example\.com\) or a name inside it/);
  });
  it('rejects an Elastic IP behind the network load balancer', () => {
    expectError(lbOpt({ networkLoadBalancer: true, elasticIp: true }), 'loadBalancer.elasticIp', /must not be true with a network load balancer/);
  });
  it('rejects health check settings outside what an NLB accepts (interval 5-300 whole seconds, thresholds 2-10)', () => {
    const nlb = { networkLoadBalancer: true };
    expectError(lbOpt({ ...nlb, healthCheckInterval: Duration.seconds(4) }), 'loadBalancer.healthCheckInterval', /must be from 5 seconds to 5 minutes|must be between|at least 5 seconds/);
    expectError(lbOpt({ ...nlb, healthCheckInterval: Duration.seconds(301) }), 'loadBalancer.healthCheckInterval', /5 minutes|300/);
    expectError(lbOpt({ ...nlb, healthCheckInterval: Duration.millis(5500) }), 'loadBalancer.healthCheckInterval', /must be whole seconds/);
    expectError(lbOpt({ ...nlb, healthCheckInterval: 10 }), 'loadBalancer.healthCheckInterval', /Duration/);
    expectError(lbOpt({ ...nlb, unhealthyThresholdCount: 1 }), 'loadBalancer.unhealthyThresholdCount', /must be an integer from 2 to 10$/);
    expectError(lbOpt({ ...nlb, healthyThresholdCount: 11 }), 'loadBalancer.healthyThresholdCount', /must be an integer from 2 to 10$/);
  });
  it('rejects NLB-only settings without a network load balancer, and access logs without a domain', () => {
    expectError(lbOpt({ deletionProtection: true }), 'loadBalancer.deletionProtection', /only applies with a network load balancer/);
    expectError(lbOpt({ healthCheckInterval: Duration.seconds(10) }), 'loadBalancer.healthCheckInterval', /only applies with a network load balancer/);
    expectError(lbOpt({ networkLoadBalancer: true, accessLogsRemovalPolicy: RemovalPolicy.DESTROY }), 'loadBalancer.accessLogsRemovalPolicy', /only applies with a domain: a network load balancer writes access logs for its TLS listener only/);
    expectError(lbOpt({ networkLoadBalancer: 'yes' }), 'loadBalancer.networkLoadBalancer', /must be a boolean/);
    expectError(lbOpt({ deletionProtection: 1 }), 'loadBalancer.deletionProtection', /must be a boolean/);
    expectError(lbOpt({ accessLogsBucket: 'my-bucket' }), 'loadBalancer.accessLogsBucket', /must be an S3 bucket \(s3\.IBucket\), not its name/);
  });
  it('rejects a key or topic given as an ARN, and a dashboard that is not a boolean', () => {
    expectError(svc(() => ({ logEncryptionKey: 'arn:aws:kms:us-east-1:123456789012:key/abc' as never })), 'logEncryptionKey', /must be a KMS key \(kms\.IKey\)/, 'Test/Svc/Fleet');
    expectError(svc(() => ({ alarmTopic: 'arn:aws:sns:us-east-1:123456789012:t' as never })), 'alarmTopic', /must be an SNS topic \(sns\.ITopic\)/, 'Test/Svc/Fleet');
    expectError(svc(() => ({ dashboard: 'yes' as never })), 'dashboard', /must be a boolean/);
  });
  it('rejects a redirect port that clashes with the listen port, and a redirect host without one (renderer)', () => {
    const upstreams = [{ address: '127.0.0.1', port: 8080 }];
    expect(() => renderNginxConfig({ upstreams, redirectPort: 80 })).toThrow(/redirectPort \(80\) must differ from listenPort \(80\)/);
    expect(() => renderNginxConfig({ upstreams, redirectHost: 'app.example.com' })).toThrow(/redirectHost \("app\.example\.com"\) only applies with redirectPort/);
    expect(() => renderNginxConfig({ upstreams, redirectPort: 81, redirectHost: 'bad host;' })).toThrow(/redirectHost .* must be a DNS name/);
    expect(() => renderNginxConfig({ upstreams, behindTls: 'yes' as never })).toThrow(/behindTls .* must be a boolean/);
  });
  it('moves the redirect port off 81 when nginx listens there', () => {
    const { service } = make((s) => ({ ...ha(s), loadBalancer: { instanceCount: 2, listenPort: 81 } }));
    expect(service.loadBalancer.redirectPort).toBe(82);
  });
});

describe('NLB facts the construct relies on', () => {
  it('aws-cdk-lib rejects the health check values an NLB rejects (interval 5-300 s, thresholds 2-10), which our validation stops first', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const make = (hc: Record<string, unknown>) => {
      const tg = new (require('aws-cdk-lib/aws-elasticloadbalancingv2').NetworkTargetGroup)(stack, `Tg${Math.random()}`.replace('.', ''), { vpc, port: 80, healthCheck: hc });
      return (tg as { node: { validate(): string[] } }).node.validate();
    };
    expect(make({ interval: Duration.seconds(4) }).join()).toMatch(/Must be between 5 and 300/);
    expect(make({ interval: Duration.seconds(300), unhealthyThresholdCount: 10, healthyThresholdCount: 2 })).toEqual([]);
    expect(make({ unhealthyThresholdCount: 1 }).join()).toMatch(/Must be a number between 2 and 10/);
  });
});
