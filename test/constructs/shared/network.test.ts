import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppNetwork, EgressMode, NAT_SETUP_TIMEOUT_MINUTES, NetworkEgress } from '../../../constructs/shared/network';
import { onlyResource, orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';
import { CfnParameter, type Stack } from 'aws-cdk-lib';
import { flatten } from '../server/template-text';
import * as root from '../../../index';
import { AppSource } from '../../../lib/app';

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

  it('lets the private subnets, and only they, send through the NAT instance', () => {
    // Packets the private subnets route to the NAT arrive on its security group as inbound
    // traffic: without an ingress rule for them the NAT drops everything (OUTBOUND_ONLY's default).
    const privateCidrs = Object.values(t.findResources('AWS::EC2::Subnet'))
      .filter((s: any) => s.Properties.Tags.some((tag: any) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === 'Private'))
      .map((s: any) => s.Properties.CidrBlock)
      .sort();
    expect(privateCidrs).toHaveLength(2);
    const nat = onlyResource(t, 'AWS::EC2::Instance');
    const natGroup = nat.Properties.NetworkInterfaces[0].GroupSet[0]['Fn::GetAtt'][0];
    const ingress = [
      ...(t.toJSON().Resources[natGroup].Properties.SecurityGroupIngress ?? []),
      ...Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => r.Properties.GroupId['Fn::GetAtt']?.[0] === natGroup).map((r: any) => r.Properties),
    ];
    expect(ingress.map((r: any) => r.CidrIp).sort()).toEqual(privateCidrs);
    for (const r of ingress) expect(r).toMatchObject({ IpProtocol: '-1' });
    for (const r of ingress) expect(r.CidrIp).not.toBe('0.0.0.0/0');
  });

  it("sets the NAT up with its own script: retried install, checked forwarding, signalled to CloudFormation", () => {
    const natId = Object.keys(t.findResources('AWS::EC2::Instance'))[0]!;
    const nat = t.toJSON().Resources[natId];
    const userData = flatten(nat.Properties.UserData);
    // not aws-cdk-lib's default (one unretried `yum install`, aws-cdk issue #36717)
    expect(userData).not.toContain('yum install iptables-services -y');
    expect(userData).toMatch(/for attempt in \$\(seq 1 "\$ATTEMPTS"\); do\n  if dnf install -y iptables-services; then/);
    // it signals exactly this instance of this stack
    expect(userData).toContain(`NAT_STACK='Test'\nNAT_RESOURCE='${natId}'\nNAT_REGION='eu-west-1'`);
    expect(userData).toContain('cfn-signal --exit-code "$1"');
    // and CloudFormation waits for that signal, so the private routes (and what depends on them) wait for a forwarding NAT
    expect(nat.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: `PT${NAT_SETUP_TIMEOUT_MINUTES}M` } });
    const routes = Object.entries(t.findResources('AWS::EC2::Route')).filter(([, r]: any) => r.Properties.InstanceId);
    expect(routes).toHaveLength(2);
    for (const [, r] of routes as any) expect(r.Properties.InstanceId).toEqual({ Ref: natId });
  });

  it('resolves the NAT image when the instance launches, so an AMI release does not replace it', () => {
    const nat = onlyResource(t, 'AWS::EC2::Instance');
    expect(nat.Properties.ImageId).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
    expect(Object.values(t.toJSON().Parameters ?? {}).filter((p: any) => String(p.Type).includes('Image::Id'))).toEqual([]);
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
    new AppNetwork(stack, 'Network', { egress: NetworkEgress.natGateway(), maxAzs: 3 });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 3);
    t.resourceCountIs('AWS::EC2::Instance', 0);
  });

  it('has isolated private subnets and no NAT with egress none', () => {
    const stack = testStack();
    const net = new AppNetwork(stack, 'Network', { egress: NetworkEgress.none() });
    expect(net.egress.mode).toBe(EgressMode.NONE);
    expect(net.vpc.isolatedSubnets).toHaveLength(2);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('picks the x86_64 image for an x86 NAT instance type, and takes an image the user passes', () => {
    const x86 = testStack();
    new AppNetwork(x86, 'Network', { egress: NetworkEgress.natInstance({ instanceType: new ec2.InstanceType('t3.nano') }) });
    expect(onlyResource(Template.fromStack(x86), 'AWS::EC2::Instance').Properties.ImageId).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    const pinned = testStack();
    new AppNetwork(pinned, 'Network', { egress: NetworkEgress.natInstance({ machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }) }) });
    expect(onlyResource(Template.fromStack(pinned), 'AWS::EC2::Instance').Properties.ImageId).toBe('ami-0123456789abcdef0');
  });

  it('cannot express a NAT image or type without a NAT instance: only NetworkEgress.natInstance() takes them', () => {
    // (was: natMachineImage/natInstanceType with egress 'none'/'nat-gateway' rejected at run time)
    expect(NetworkEgress.none().instanceType).toBeUndefined();
    expect(NetworkEgress.natGateway().machineImage).toBeUndefined();
    expect(NetworkEgress.natInstance().mode).toBe(EgressMode.NAT_INSTANCE);
  });

  it('rejects a single AZ', () => {
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { maxAzs: 1 })).toThrow('Bad/Network: maxAzs (1) must be an integer from 2 to 6');
  });

  it('rejects an egress that is not a NetworkEgress (a string or an object literal from plain JavaScript)', () => {
    const factories = 'must be made with NetworkEgress.natInstance(), NetworkEgress.natGateway() or NetworkEgress.none()';
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { egress: 'nat-gateway' as never })).toThrow(`Bad/Network: egress ("nat-gateway") ${factories}`);
    const e = orchestrationErrorFrom(() => new AppNetwork(testStack('Bad'), 'Network', { egress: { mode: 'none' } as never }));
    expect([e.path, e.prop, e.value, e.allowed]).toEqual(['Bad/Network', 'egress', { mode: 'none' }, factories]);
  });

  it('rejects the removed props natInstanceType and natMachineImage as unknown, naming their replacement', () => {
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { natInstanceType: new ec2.InstanceType('t4g.micro') } as never)).toThrow(/^Bad\/Network: natInstanceType \(.*\) is not a known prop: .*known props are maxAzs, egress, flowLogRetention, flowLogRemovalPolicy, flowLogEncryptionKey$/);
  });
});

describe('one network for several services', () => {
  it('is exported from the package root, and two services on its VPC create no second one', () => {
    const stack = testStack();
    const network = new root.AppNetwork(stack, 'Network', { maxAzs: 2 });
    const a = new root.ServerService(stack, 'A', { app: { name: 'a', source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, vpc: network.vpc });
    const b = new root.ServerService(stack, 'B', { app: { name: 'b', source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, vpc: network.vpc });
    expect(a.network).toBeUndefined();
    expect(b.vpc).toBe(network.vpc);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.resourceCountIs('AWS::EC2::Instance', 1 + 2 * 4); // the NAT, and 3 servers + nginx per service
  });
});

describe('AppNetwork with deploy-time values', () => {
  const param = (stack: Stack, type: 'Number' | 'String') => new CfnParameter(stack, 'P', { type });
  it('passes flowLogRetention through to the log group', () => {
    const stack = testStack();
    new AppNetwork(stack, 'Network', { flowLogRetention: param(stack, 'Number').valueAsNumber });
    expect(onlyResource(Template.fromStack(stack), 'AWS::Logs::LogGroup').Properties.RetentionInDays).toEqual({ Ref: 'P' });
  });
  it('passes a NAT instance type through when the image is given', () => {
    const stack = testStack();
    new AppNetwork(stack, 'Network', { egress: NetworkEgress.natInstance({ instanceType: new ec2.InstanceType(param(stack, 'String').valueAsString), machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }) }) });
    expect(onlyResource(Template.fromStack(stack), 'AWS::EC2::Instance').Properties.InstanceType).toEqual({ Ref: 'P' });
  });
  it.each([
    ['maxAzs', (s: Stack) => ({ maxAzs: param(s, 'Number').valueAsNumber }), /decides how many subnets, routes and NAT gateways exist/],
    ['egress.instanceType', (s: Stack) => ({ egress: NetworkEgress.natInstance({ instanceType: new ec2.InstanceType(param(s, 'String').valueAsString) }) }), /picked for its architecture at synth; pass NetworkEgress.natInstance\(\{ machineImage \}\) too/],
  ])('rejects a deploy-time %s with our error', (prop, props, why) => {
    const stack = testStack('Bad');
    const e = orchestrationErrorFrom(() => new AppNetwork(stack, 'Network', props(stack)));
    expect([e.path, e.prop]).toEqual(['Bad/Network', prop]);
    expect(e.message).toMatch(/must be a concrete value, not a deploy-time value \(token\)/);
    expect(e.message).toMatch(why);
  });
  it('names an unknown prop', () => {
    expect(() => new AppNetwork(testStack('Bad'), 'Network', { maxAz: 3 } as never)).toThrow('Bad/Network: maxAz (3) is not a known prop: did you mean maxAzs?');
  });
});

describe('NetworkEgress', () => {
  it('keeps what its factory was given', () => {
    const instanceType = new ec2.InstanceType('t4g.micro');
    const machineImage = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' });
    expect(NetworkEgress.natInstance({ instanceType, machineImage })).toMatchObject({ mode: EgressMode.NAT_INSTANCE, instanceType, machineImage });
    expect(NetworkEgress.natGateway()).toMatchObject({ mode: EgressMode.NAT_GATEWAY, instanceType: undefined, machineImage: undefined });
    expect(NetworkEgress.none().mode).toBe('none');
  });

  it.each([
    ['a string instance type', { instanceType: 't4g.nano' }, 'NetworkEgress.natInstance(options.instanceType)', 't4g.nano', /must be an ec2.InstanceType, for example new ec2.InstanceType\('t4g.nano'\)/],
    ['an image without getImage', { machineImage: 'ami-0123456789abcdef0' }, 'NetworkEgress.natInstance(options.machineImage)', 'ami-0123456789abcdef0', /must be an ec2.IMachineImage/],
    ['a misspelled option', { instancetype: new ec2.InstanceType('t4g.nano') }, 'NetworkEgress.natInstance(options.instancetype)', expect.anything(), /is not a known option: known options are instanceType, machineImage/],
    ['options that are not an object', 't4g.nano', 'NetworkEgress.natInstance(options)', 't4g.nano', /must be an object/],
  ])('natInstance() rejects %s from plain JavaScript with our error', (_what, options, prop, value, allowed) => {
    const e = orchestrationErrorFrom(() => NetworkEgress.natInstance(options as never));
    expect(e.path).toBe('');
    expect(e.prop).toBe(prop);
    expect(e.value).toEqual(value);
    expect(e.allowed).toMatch(allowed);
    expect(e.message.startsWith(`${prop} (`)).toBe(true);
  });

  it('natInstance() passes a deploy-time instance type through to the NAT instance when the image is given (the Ref at InstanceType)', () => {
    const stack = testStack();
    const type = new CfnParameter(stack, 'NatType', { type: 'String' }).valueAsString;
    new AppNetwork(stack, 'Network', { egress: NetworkEgress.natInstance({ instanceType: new ec2.InstanceType(type), machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }) }) });
    expect(onlyResource(Template.fromStack(stack), 'AWS::EC2::Instance').Properties.InstanceType).toEqual({ Ref: 'NatType' });
  });

  it('is exported from the package root with its option interface', () => {
    expect(root.NetworkEgress).toBe(NetworkEgress);
    expect(root.EgressMode).toBe(EgressMode);
    const options: root.NatInstanceOptions = { instanceType: new ec2.InstanceType('t4g.nano') };
    expect(NetworkEgress.natInstance(options).instanceType).toBe(options.instanceType);
  });
});
