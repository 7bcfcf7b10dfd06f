import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppNetwork } from '../../../constructs/shared/network';
import { onlyResource, testStack } from '../../helpers';

describe('AppNetwork defaults', () => {
  let t: Template;
  beforeAll(() => {
    const stack = testStack();
    new AppNetwork(stack, 'Network');
    t = Template.fromStack(stack);
  });

  it('spans two AZs with public and private subnets, and no automatic public IPs', () => {
    const subnets = Object.values(t.findResources('AWS::EC2::Subnet')) as any[];
    expect(subnets).toHaveLength(4);
    for (const s of subnets) expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it('gives private subnets egress through one NAT instance, not NAT gateways', () => {
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    const nat = onlyResource(t, 'AWS::EC2::Instance');
    expect(nat.Properties.InstanceType).toBe('t4g.nano');
    expect(nat.Properties.SourceDestCheck).toBe(false);
  });

  it('hardens the NAT instance: encrypted gp3 root volume, IMDSv2 only, no SSH key', () => {
    const nat = onlyResource(t, 'AWS::EC2::Instance');
    expect(nat.Properties.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true } }]);
    expect(nat.Properties.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(nat.Properties.KeyName).toBeUndefined();
  });

  it('adds the free S3 gateway endpoint and flow logs with one month of retention', () => {
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    expect(onlyResource(t, 'AWS::Logs::LogGroup').Properties.RetentionInDays).toBe(30);
  });
});

describe('AppNetwork options and bad input', () => {
  it('uses one NAT gateway per AZ with egress nat-gateway', () => {
    const stack = testStack();
    new AppNetwork(stack, 'Network', { egress: 'nat-gateway', maxAzs: 3 });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 3);
    t.resourceCountIs('AWS::EC2::Instance', 0);
  });

  it('has isolated private subnets and no NAT with egress none', () => {
    const stack = testStack();
    const net = new AppNetwork(stack, 'Network', { egress: 'none' });
    expect(net.vpc.isolatedSubnets).toHaveLength(2);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('rejects a single AZ', () => {
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { maxAzs: 1 })).toThrow('Bad/Network: maxAzs (1) must be an integer from 2 to 6');
  });

  it('rejects an unknown egress mode', () => {
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { egress: 'vpn' as never })).toThrow('Bad/Network: egress ("vpn") must be one of "nat-instance", "nat-gateway", "none"');
  });

  it('rejects a NAT instance type without a NAT instance', () => {
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { egress: 'nat-gateway', natInstanceType: new ec2.InstanceType('t4g.micro') })).toThrow(
      "Bad/Network: natInstanceType (\"t4g.micro\") only applies with egress 'nat-instance' (egress is 'nat-gateway')",
    );
  });
});
