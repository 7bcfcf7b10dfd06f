import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { describe, expect, it } from 'vitest';
import { addAliasRecords, checkDomain, domainCertificate, type ServiceDomain, TLS_POLICY } from '../../../constructs/shared/domain';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom } from '../../helpers';

function setup() {
  const stack = new Stack(new App({ context: CDK_CONTEXT }), 'TestStack');
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  return { stack, hostedZone };
}

describe('TLS_POLICY', () => {
  it('is the restricted TLS 1.3/1.2 policy with post-quantum key exchange AWS recommends', () => {
    expect(TLS_POLICY).toBe('ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09');
  });

  it('differs from what CloudFormation (ELBSecurityPolicy-2016-08, TLS 1.0) and the cdk.json flag would pick', () => {
    // cdk.json sets @aws-cdk/aws-elasticloadbalancingv2:usePostQuantumTlsPolicy: without an explicit
    // policy a TLS listener gets TLS13_12_PQ, which still offers TLS 1.2 CBC ciphers.
    const { stack } = setup();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2 });
    const lb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc });
    const cert = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111122223333:certificate/abc');
    lb.addListener('Tls', { port: 443, certificates: [cert], defaultTargetGroups: [new elbv2.NetworkTargetGroup(stack, 'Tg', { vpc, port: 80 })] });
    const listener = onlyResource(Template.fromStack(stack), 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties.SslPolicy).toBe(elbv2.SslPolicy.TLS13_12_PQ);
    expect(TLS_POLICY).not.toBe(listener.Properties.SslPolicy);
    expect(TLS_POLICY).not.toBe('ELBSecurityPolicy-2016-08');
  });
});

describe('checkDomain', () => {
  it('accepts a name in the zone, the zone apex, and a deploy-time name', () => {
    const { stack, hostedZone } = setup();
    for (const domainName of ['vm.example.com', 'example.com', 'a.b.EXAMPLE.com', Token.asString({ Ref: 'Name' })]) {
      expect(() => checkDomain(stack, 'domain', { domainName, hostedZone })).not.toThrow();
    }
  });

  it('accepts a zone imported by id alone (its name is unknown: no inside-the-zone check)', () => {
    const { stack } = setup();
    const hostedZone = route53.HostedZone.fromHostedZoneId(stack, 'ById', 'Z0OTHER');
    expect(() => checkDomain(stack, 'domain', { domainName: 'vm.elsewhere.org', hostedZone })).not.toThrow();
  });

  it('rejects a name outside the zone, naming the prop, the value and the zone', () => {
    const { stack, hostedZone } = setup();
    for (const domainName of ['vm.example.org', 'notexample.com', 'com']) {
      const e = orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName, hostedZone }));
      expect(e.prop).toBe('domain.domainName');
      expect(e.value).toBe(domainName);
      expect(e.path).toBe('TestStack');
    }
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName: 'vm.example.org', hostedZone })).message).toContain("must be the hosted zone's name (example.com) or a name inside it");
  });

  it('rejects malformed names', () => {
    const { stack, hostedZone } = setup();
    for (const domainName of ['', 'vm.example.com.', '*.example.com', '-vm.example.com', 'vm-.example.com', 'v m.example.com', 'vm..example.com', 'https://vm.example.com', `${'a'.repeat(64)}.example.com`, 'localhost', '10.0.0.1']) {
      const e = orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName, hostedZone }));
      expect(e.message, domainName).toContain('must be a fully qualified domain name');
    }
  });

  it('rejects a missing or wrong zone, certificate, unknown keys and non-objects', () => {
    const { stack, hostedZone } = setup();
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', 'vm.example.com')).message).toContain('domain ("vm.example.com") must be an object');
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', null)).message).toContain('must be an object');
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName: 'vm.example.com' })).message).toContain('domain.hostedZone (undefined) must be a Route 53 hosted zone');
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName: 'vm.example.com', hostedZone: 'Z0EXAMPLE' })).message).toContain('domain.hostedZone ("Z0EXAMPLE")');
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName: 'vm.example.com', hostedZone, certificate: 'arn:aws:acm:x' })).message).toContain('domain.certificate ("arn:aws:acm:x") must be an ACM certificate');
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName: 'vm.example.com', hostedZone, zone: hostedZone })).message).toContain('domain.zone');
    expect(orchestrationErrorFrom(() => checkDomain(stack, 'domain', { domainName: 42, hostedZone })).message).toContain('domain.domainName (42) must be a domain name string');
  });
});

describe('domainCertificate', () => {
  it('makes an ACM certificate for the name, validated through DNS in the zone', () => {
    const { stack, hostedZone } = setup();
    const domain: ServiceDomain = { domainName: 'vm.example.com', hostedZone };
    const cert = domainCertificate(stack, 'Cert', domain);
    expect(cert).toBeInstanceOf(acm.Certificate);
    const c = onlyResource(Template.fromStack(stack), 'AWS::CertificateManager::Certificate').Properties;
    expect(c.DomainName).toBe('vm.example.com');
    expect(c.ValidationMethod).toBe('DNS');
    expect(c.DomainValidationOptions).toEqual([{ DomainName: 'vm.example.com', HostedZoneId: 'Z0EXAMPLE' }]);
  });

  it('returns the given certificate and makes none', () => {
    const { stack, hostedZone } = setup();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Given', 'arn:aws:acm:eu-west-1:111122223333:certificate/abc');
    expect(domainCertificate(stack, 'Cert', { domainName: 'vm.example.com', hostedZone, certificate })).toBe(certificate);
    Template.fromStack(stack).resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });
});

describe('addAliasRecords', () => {
  const target = route53.RecordTarget.fromAlias({ bind: () => ({ dnsName: 'lb-123.eu-west-1.elb.amazonaws.com', hostedZoneId: 'Z32O12XQLNTSW2' }) });

  it('adds an A alias record for the name in the zone', () => {
    const { stack, hostedZone } = setup();
    const a = addAliasRecords(stack, 'Alias', { domainName: 'vm.example.com', hostedZone }, target);
    expect(a).toBeInstanceOf(route53.ARecord);
    const t = Template.fromStack(stack);
    const r = onlyResource(t, 'AWS::Route53::RecordSet').Properties;
    expect(r).toMatchObject({ Name: 'vm.example.com.', Type: 'A', HostedZoneId: 'Z0EXAMPLE', AliasTarget: { DNSName: 'lb-123.eu-west-1.elb.amazonaws.com', HostedZoneId: 'Z32O12XQLNTSW2' } });
  });

  it('adds an AAAA record too for a dual-stack target', () => {
    const { stack, hostedZone } = setup();
    addAliasRecords(stack, 'Alias', { domainName: 'example.com', hostedZone }, target, true);
    const records = Object.values(Template.fromStack(stack).findResources('AWS::Route53::RecordSet')).map((r: any) => [r.Properties.Type, r.Properties.Name]);
    expect(records.sort()).toEqual([['A', 'example.com.'], ['AAAA', 'example.com.']]);
  });
});
