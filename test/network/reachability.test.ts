// Tests of the network-path walker (test/network/reachability.ts) on small templates built with
// aws-cdk-lib: each case changes one thing the walker must notice. One App per case, all under one
// temporary folder removed at the end (nothing is left in the system temp folder).
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Construct } from 'constructs';
import { CDK_CONTEXT } from '../helpers';
import { CannotDecide, type CfnTemplate, explain, NetworkModel, tcp, udp } from './reachability';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reachability-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let apps = 0;
/** Synthesizes one stack built by `build` (no asset staging) and returns its template. */
function synth(build: (stack: Stack) => void): CfnTemplate {
  const app = new App({ outdir: path.join(root, `app${apps++}`), context: { ...CDK_CONTEXT, 'aws:cdk:disable-asset-staging': true } });
  const stack = new Stack(app, 'Net', { env: { account: '123456789012', region: 'eu-west-1' } });
  build(stack);
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}
const model = (build: (stack: Stack) => void) => NetworkModel.fromTemplate(synth(build), 'test');

const AL2023 = ec2.MachineImage.latestAmazonLinux2023();
const MICRO = new ec2.InstanceType('t3.micro');

/** A VPC whose private subnets go out through one NAT instance (instanceV2, outbound only), as AppNetwork does. */
function natInstanceVpc(stack: Stack, allowPrivateSubnets: boolean): { vpc: ec2.Vpc; provider: ec2.NatInstanceProviderV2 } {
  const provider = ec2.NatProvider.instanceV2({ instanceType: new ec2.InstanceType('t4g.nano'), defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY, associatePublicIpAddress: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, natGatewayProvider: provider });
  // aws-cdk-lib's README pairs OUTBOUND_ONLY with allowFrom for the ranges that may use the NAT.
  if (allowPrivateSubnets) provider.connections.allowFrom(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.allTraffic());
  return { vpc, provider };
}

function privateInstance(stack: Stack, vpc: ec2.IVpc, props: Partial<ec2.InstanceProps> = {}): ec2.Instance {
  return new ec2.Instance(stack, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, ...props });
}


/** A Lambda function in a VPC (only its network placement matters to the model). */
function vpcFunction(scope: Construct, id: string, subnets: ec2.ISubnet[], securityGroupIds: string[]): lambda.CfnFunction {
  return new lambda.CfnFunction(scope, id, {
    role: 'arn:aws:iam::123456789012:role/x',
    code: { zipFile: 'exports.handler = async () => {}' },
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    vpcConfig: { subnetIds: subnets.map((x) => x.subnetId), securityGroupIds },
  });
}
describe('NAT instance', () => {
  it('drops private-subnet traffic when its security group lets nothing in (OUTBOUND_ONLY without allowFrom)', () => {
    const m = model((s) => privateInstance(s, natInstanceVpc(s, false).vpc));
    const r = m.reach({ workload: 'App' }, { service: 'ssm' }, tcp(443));
    expect(r.reachable).toBe(false);
    expect(r.drop!.at).toMatch(/^NAT instance VpcPublicSubnet1NatInstance[0-9A-F]{8}$/);
    expect(r.drop!.reason).toMatch(/^its security group VpcNatSecurityGroup[0-9A-F]{8} has no ingress rule for tcp\/443 from 10\.0\.128\.0\/18 \(VpcPrivateSubnet1Subnet[0-9A-F]{8}\)$/);
    expect(r.summary).toContain('UNREACHABLE');
  });

  it('forwards once the VPC range is allowed in (provider.connections.allowFrom)', () => {
    const m = model((s) => privateInstance(s, natInstanceVpc(s, true).vpc));
    const r = m.reach({ workload: 'App' }, { service: 'ssm' }, tcp(443));
    expect(r.reachable, explain(r)).toBe(true);
    expect(r.hops.join('\n')).toMatch(/ingress of NAT instance .* allowed by .*all traffic from 10\.0\.0\.0\/16/);
    expect(r.hops.join('\n')).toMatch(/out through internet gateway VpcIGW/);
    // Any internet host, not only AWS endpoints, and UDP as well.
    expect(m.reach({ workload: 'App' }, { internet: true }, udp(123)).reachable).toBe(true);
  });

  it('needs the range of every source subnet: a rule for one private subnet does not let the other in', () => {
    const m = model((s) => {
      const { vpc, provider } = natInstanceVpc(s, false);
      provider.connections.allowFrom(ec2.Peer.ipv4(vpc.privateSubnets[0]!.ipv4CidrBlock), ec2.Port.tcp(443));
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnets: [vpc.privateSubnets[1]!] } });
      new ec2.Instance(s, 'Other', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnets: [vpc.privateSubnets[0]!] } });
    });
    expect(m.reach({ workload: 'Other' }, { service: 'ssm' }).reachable).toBe(true);
    expect(m.reach({ workload: 'Other' }, { internet: true }, tcp(80)).drop?.reason).toMatch(/no ingress rule for tcp\/80/);
    expect(m.reach({ workload: 'App' }, { service: 'ssm' }).drop?.reason).toMatch(/no ingress rule for tcp\/443 from 10\.0\.192\.0\/18/);
  });

  it('lets a security-group reference in (the source carries the group)', () => {
    const m = model((s) => {
      const { vpc, provider } = natInstanceVpc(s, false);
      const sg = new ec2.SecurityGroup(s, 'AppSg', { vpc });
      provider.connections.allowFrom(sg, ec2.Port.tcp(443));
      privateInstance(s, vpc, { securityGroup: sg });
    });
    expect(m.reach({ workload: 'App' }, { service: 'logs' }).reachable).toBe(true);
  });

  it('drops everything with its source/destination check on', () => {
    const m = model((s) => {
      const { vpc, provider } = natInstanceVpc(s, true);
      privateInstance(s, vpc);
      (provider.gatewayInstances[0]!.node.defaultChild as ec2.CfnInstance).sourceDestCheck = true;
    });
    const r = m.reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.reachable).toBe(false);
    expect(r.drop!.reason).toMatch(/source\/destination check on/);
  });

  it('needs a public IP of its own', () => {
    const m = model((s) => {
      const provider = ec2.NatProvider.instanceV2({ instanceType: new ec2.InstanceType('t4g.nano'), defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY, associatePublicIpAddress: false });
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1, natGatewayProvider: provider });
      provider.connections.allowFrom(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.allTraffic());
      privateInstance(s, vpc);
    });
    expect(m.reach({ workload: 'App' }, { service: 'ssm' }).drop?.reason).toMatch(/^has no public IPv4 address/);
  });

  it('needs egress of its own: its group must let the translated packet out', () => {
    const m = model((s) => {
      const { vpc, provider } = natInstanceVpc(s, true);
      (provider.securityGroup.node.defaultChild as ec2.CfnSecurityGroup).securityGroupEgress = [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: '0.0.0.0/0' }];
      privateInstance(s, vpc);
    });
    const r = m.reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.drop?.at).toMatch(/^NAT instance /);
    expect(r.drop?.reason).toMatch(/no egress rule for tcp\/443 to ssm's public endpoint/);
  });
});

describe('source side', () => {
  it('drops a packet its own security group does not let out', () => {
    const m = model((s) => {
      const { vpc } = natInstanceVpc(s, true);
      const sg = new ec2.SecurityGroup(s, 'Closed', { vpc, allowAllOutbound: false });
      privateInstance(s, vpc, { securityGroup: sg });
    });
    const r = m.reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.drop).toEqual({ at: expect.stringMatching(/^App[0-9A-F]{8}$/), reason: expect.stringMatching(/^its security group Closed[0-9A-F]{8} has no egress rule for tcp\/443 to ssm's public endpoint$/) });
  });

  it('drops internet-bound traffic of an isolated subnet (no route)', () => {
    const m = model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    });
    const r = m.reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.drop?.reason).toMatch(/has no route for ssm's public endpoint/);
  });

  it('reaches S3 through a gateway endpoint without any NAT, and nothing else', () => {
    const m = model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } } });
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    });
    const s3 = m.reach({ workload: 'App' }, { service: 's3' });
    expect(s3.reachable, explain(s3)).toBe(true);
    expect(s3.hops.join('\n')).toMatch(/the s3 prefix list → gateway endpoint VpcS3/);
    expect(m.reach({ workload: 'App' }, { service: 'dynamodb' }).reachable).toBe(false);
  });

  it('never gives a Lambda function a public IP, even in a public subnet', () => {
    const m = model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }] });
      const sg = new ec2.SecurityGroup(s, 'FnSg', { vpc });
      vpcFunction(s, 'Fn', vpc.publicSubnets, [sg.securityGroupId]);
    });
    expect(m.workload('Fn').kind).toBe('lambda');
    expect(m.reach({ workload: 'Fn' }, { service: 'sts' }).drop?.reason).toMatch(/no public IPv4 address.*a Lambda function in a VPC never has one/);
  });

  it('goes out through a NAT gateway with an Elastic IP in a public subnet', () => {
    const m = model((s) => privateInstance(s, new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 })));
    const r = m.reach({ workload: 'App' }, { service: 'ecr.dkr' });
    expect(r.reachable, explain(r)).toBe(true);
    expect(r.hops.join('\n')).toMatch(/NAT gateway VpcPublicSubnet1NATGateway.* translates/);
  });
});

describe('CloudFormation security group egress defaults', () => {
  const withGroup = (standaloneEgress: boolean) =>
    model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 });
      // An L1 group declares no egress rule: EC2 adds its allow-all egress rule when it creates it.
      const sg = new ec2.CfnSecurityGroup(s, 'Bare', { groupDescription: 'no inline rules', vpcId: vpc.vpcId });
      if (standaloneEgress) new ec2.CfnSecurityGroupEgress(s, 'Extra', { groupId: sg.attrGroupId, ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIp: '10.0.0.0/16' });
      privateInstance(s, vpc, { securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'BareRef', sg.attrGroupId) });
    });

  it('counts the default allow-all egress of a group declared without egress rules', () => {
    const r = withGroup(false).reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.reachable, explain(r)).toBe(true);
    expect(r.hops.join('\n')).toMatch(/Bare \(no egress rule declared: EC2's default allow-all egress\)/);
  });

  it('cannot decide once only standalone egress rules exist (whether the default rule stays is not documented)', () => {
    expect(() => withGroup(true).reach({ workload: 'App' }, { service: 'ssm' })).toThrow(/cannot decide: .*Bare declares no inline egress rule but has standalone ones/);
  });
});

describe('interface endpoints', () => {
  const withEndpoint = (open: boolean) =>
    model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      vpc.addInterfaceEndpoint('Ssm', { service: ec2.InterfaceVpcEndpointAwsService.SSM, open });
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    });

  it('reaches a service inside the VPC through an endpoint with private DNS that lets 443 in', () => {
    const r = withEndpoint(true).reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.reachable, explain(r)).toBe(true);
    expect(r.hops.join('\n')).toMatch(/resolves to interface endpoint VpcSsm/);
  });

  it('drops at the endpoint when its security group does not let 443 in', () => {
    const r = withEndpoint(false).reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.drop?.at).toMatch(/^VpcSsm/);
    expect(r.drop?.reason).toMatch(/no ingress rule for tcp\/443 from 10\.0\.\d+\.0\/\d+/);
    // Other services still have no path at all.
    expect(withEndpoint(true).reach({ workload: 'App' }, { service: 'ssmmessages' }).reachable).toBe(false);
  });

  it('needs DNS host names on the VPC for private DNS', () => {
    const m = model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, enableDnsHostnames: false, subnetConfiguration: [{ name: 'iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      vpc.addInterfaceEndpoint('Ssm', { service: ec2.InterfaceVpcEndpointAwsService.SSM });
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    });
    expect(m.reach({ workload: 'App' }, { service: 'ssm' }).drop?.reason).toMatch(/enableDnsSupport and enableDnsHostnames/);
  });
});

describe('network ACLs (stateless)', () => {
  const withAcl = (entries: (acl: ec2.NetworkAcl) => void) =>
    model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const acl = new ec2.NetworkAcl(s, 'Acl', { vpc, subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
      entries(acl);
      privateInstance(s, vpc);
    });

  it('drops what no rule allows (a new ACL denies everything)', () => {
    const r = withAcl(() => {}).reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.drop?.at).toMatch(/^network ACL Acl/);
    expect(r.drop?.reason).toMatch(/no rule allows outbound tcp\/443/);
  });

  it('drops the answer when the ephemeral ports are not allowed back in', () => {
    const r = withAcl((acl) => {
      acl.addEntry('Out', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.allTraffic(), direction: ec2.TrafficDirection.EGRESS });
      acl.addEntry('In443', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPort(443), direction: ec2.TrafficDirection.INGRESS });
    }).reach({ workload: 'App' }, { service: 'ssm' });
    expect(r.drop?.reason).toMatch(/no rule allows inbound tcp\/1024-65535 from ssm's public endpoint/);
  });

  it('passes with outbound 443 and inbound ephemeral ports, and honours a lower-numbered deny', () => {
    const allow = (acl: ec2.NetworkAcl) => {
      acl.addEntry('Out', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPort(443), direction: ec2.TrafficDirection.EGRESS });
      acl.addEntry('In', { ruleNumber: 100, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPortRange(1024, 65535), direction: ec2.TrafficDirection.INGRESS });
    };
    const ok = withAcl(allow).reach({ workload: 'App' }, { service: 'ssm' });
    expect(ok.reachable, explain(ok)).toBe(true);
    const denied = withAcl((acl) => {
      allow(acl);
      acl.addEntry('Deny', { ruleNumber: 50, cidr: ec2.AclCidr.anyIpv4(), traffic: ec2.AclTraffic.tcpPort(443), direction: ec2.TrafficDirection.EGRESS, ruleAction: ec2.Action.DENY });
    }).reach({ workload: 'App' }, { service: 'ssm' });
    expect(denied.drop?.reason).toMatch(/rule 50 denies outbound tcp\/443/);
  });
});

describe('peers, load balancers and the internet', () => {
  const albAndGroup = () =>
    model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const asg = new autoscaling.AutoScalingGroup(s, 'Asg', { vpc, instanceType: MICRO, machineImage: AL2023, minCapacity: 2 });
      const alb = new elbv2.ApplicationLoadBalancer(s, 'Alb', { vpc, internetFacing: true });
      alb.addListener('Http', { port: 80 }).addTargets('App', { port: 8080, targets: [asg] });
      new ec2.Instance(s, 'Other', { vpc, instanceType: MICRO, machineImage: AL2023 });
    });

  it('lets the internet reach an internet-facing ALB on its listener port only', () => {
    const m = albAndGroup();
    expect(m.listenerPorts('Alb')).toEqual([80]);
    const r = m.reach({ internet: true }, { workload: 'Alb' }, tcp(80));
    expect(r.reachable, explain(r)).toBe(true);
    expect(m.reach({ internet: true }, { workload: 'Alb' }, tcp(443)).drop?.reason).toMatch(/has no listener on tcp\/443/);
  });

  it('lets the ALB reach the targets on the app port, and only the ALB', () => {
    const m = albAndGroup();
    const r = m.reach({ workload: 'Alb' }, { workload: 'Asg' }, tcp(8080));
    expect(r.reachable, explain(r)).toBe(true);
    expect(m.whoCanReach({ workload: 'Asg' }, tcp(8080)).map((x) => x.id)).toEqual([m.workload('Alb').id]);
    // The same question asked of the security group: every ENI that carries it.
    const sg = m.workload('Asg').enis()[0]!.sgs![0]!;
    expect(m.whoCanReach({ securityGroup: sg }, tcp(8080)).map((x) => x.id)).toEqual([m.workload('Alb').id]);
    expect(m.reach({ workload: 'Other' }, { workload: 'Asg' }, tcp(8080)).drop?.reason).toMatch(/no ingress rule for tcp\/8080 from 10\.0\.\d+\.0\/\d+/);
    expect(m.reach({ internet: true }, { workload: 'Asg' }, tcp(8080)).drop?.reason).toMatch(/no public IPv4 address/);
  });

  it('lists the internet and any address of a CIDR rule among those that reach a port', () => {
    const m = model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }] });
      const sg = new ec2.SecurityGroup(s, 'WebSg', { vpc });
      sg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80));
      new ec2.Instance(s, 'Web', { vpc, instanceType: MICRO, machineImage: AL2023, securityGroup: sg, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC }, associatePublicIpAddress: true });
    });
    expect(m.whoCanReach({ workload: 'Web' }, tcp(80)).map((x) => `${x.kind}:${x.id}`)).toEqual(['internet:internet', 'addresses:any address in 0.0.0.0/0']);
    expect(m.whoCanReach({ workload: 'Web' }, tcp(22))).toEqual([]);
  });
});

describe('EKS', () => {
  const cluster = (endpointPrivateAccess: boolean) =>
    model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const extra = new ec2.SecurityGroup(s, 'ControlPlaneSg', { vpc });
      const c = new eks.CfnCluster(s, 'Cluster', {
        roleArn: 'arn:aws:iam::123456789012:role/eks',
        resourcesVpcConfig: { subnetIds: vpc.privateSubnets.map((x) => x.subnetId), securityGroupIds: [extra.securityGroupId], endpointPrivateAccess, endpointPublicAccess: true },
      });
      new eks.CfnNodegroup(s, 'Nodes', { clusterName: c.ref, nodeRole: 'arn:aws:iam::123456789012:role/node', subnets: vpc.privateSubnets.map((x) => x.subnetId) });
      vpcFunction(s, 'Kubectl', vpc.privateSubnets, [c.attrClusterSecurityGroupId]);
      new ec2.Instance(s, 'Outsider', { vpc, instanceType: MICRO, machineImage: AL2023 });
    });

  it('models the cluster security group EKS creates: the API is reached inside the VPC by what carries it', () => {
    const m = cluster(true);
    for (const w of ['Kubectl', 'Nodes']) {
      const r = m.reach({ workload: w }, { eksApi: 'Cluster' }, tcp(443));
      expect(r.reachable, explain(r)).toBe(true);
    }
    const r = m.reach({ workload: 'Outsider' }, { eksApi: 'Cluster' }, tcp(443));
    expect(r.drop?.reason).toMatch(/security groups Cluster\.ClusterSecurityGroupId, ControlPlaneSg[0-9A-F]{8} have no ingress rule for tcp\/443/);
    expect(m.reach({ workload: 'Cluster' }, { workload: 'Nodes' }, tcp(10250)).reachable).toBe(true);
  });

  it('drops in-VPC API traffic when private endpoint access is off', () => {
    expect(cluster(false).reach({ workload: 'Kubectl' }, { eksApi: 'Cluster' }).drop?.reason).toMatch(/private endpoint access off/);
  });
});

describe('cannot decide', () => {
  it('throws on an imported security group instead of passing', () => {
    const m = model((s) => {
      const { vpc } = natInstanceVpc(s, true);
      privateInstance(s, vpc, { securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'Imported', 'sg-0123456789abcdef0') });
    });
    expect(() => m.reach({ workload: 'App' }, { service: 'ssm' })).toThrow(CannotDecide);
    expect(() => m.reach({ workload: 'App' }, { service: 'ssm' })).toThrow(/cannot decide: .*"sg-0123456789abcdef0", a security group outside this template/);
  });

  it('throws on an imported subnet', () => {
    const m = model((s) => {
      const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] });
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023 });
    });
    expect(() => m.reach({ workload: 'App' }, { service: 'ssm' })).toThrow(/cannot decide: .*"subnet-1", a resource outside this template/);
  });

  it('throws on a NAT rule whose peer is a parameter', () => {
    const m = model((s) => {
      const { vpc, provider } = natInstanceVpc(s, false);
      provider.connections.allowFrom(ec2.Peer.ipv4(new CfnParameter(s, 'Range').valueAsString), ec2.Port.allTraffic());
      privateInstance(s, vpc);
    });
    expect(() => m.reach({ workload: 'App' }, { service: 'ssm' })).toThrow(/cannot decide: .*the parameter Range/);
  });

  it('throws on resources that change routing in ways it does not model', () => {
    const t = synth((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0 });
      new ec2.CfnTransitGatewayAttachment(s, 'Tgw', { transitGatewayId: 'tgw-1', vpcId: vpc.vpcId, subnetIds: vpc.publicSubnets.map((x) => x.subnetId) });
    });
    expect(() => NetworkModel.fromTemplate(t, 'tgw')).toThrow(/cannot decide: tgw: Tgw \(AWS::EC2::TransitGatewayAttachment\)/);
  });

  it('refuses to list who reaches a port when a resource has network interfaces it does not know', () => {
    const m = model((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0 });
      const sg = new ec2.SecurityGroup(s, 'DbSg', { vpc });
      new ec2.CfnNetworkInterface(s, 'LooseEni', { subnetId: vpc.publicSubnets[0]!.subnetId, groupSet: [sg.securityGroupId] });
      new ec2.Instance(s, 'App', { vpc, instanceType: MICRO, machineImage: AL2023, securityGroup: sg });
      // A database would attach the same way; the model does not know what runs there.
      new rds.CfnDBSubnetGroup(s, 'Subnets', { dbSubnetGroupDescription: 'x', subnetIds: vpc.publicSubnets.map((x) => x.subnetId) });
    });
    expect(() => m.whoCanReach({ workload: 'App' }, tcp(5432))).toThrow(/cannot decide: .*LooseEni \(AWS::EC2::NetworkInterface not attached.*Subnets \(AWS::RDS::DBSubnetGroup\)/);
  });
});
