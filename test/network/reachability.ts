/**
 * Network reachability over synthesized CloudFormation templates: does a TCP or UDP packet from a
 * workload (or from the internet) get to a destination, and does its answer get back?
 *
 * It reads the template the way EC2 would build the network (VPCs, subnets, route tables, internet
 * and NAT gateways, NAT instances, network ACLs, security groups, VPC endpoints) and where each
 * workload's network interfaces (ENIs) live, then walks the packet hop by hop. Every rule comes
 * from an AWS page, cited where the rule is applied:
 *
 * - [SG]      Security groups (stateful; allow rules only; what they don't filter):
 *             https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html and
 *             https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html
 * - [CFN-SG]  The default egress rule of a group declared in CloudFormation:
 *             https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
 * - [NACL]    Network ACLs (stateless; numbered rules, first match; the default ACL allows all;
 *             ephemeral ports): https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
 *             and https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports
 * - [RT]      Route priority (longest prefix match): https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html
 *             and subnet route tables (a subnet without an association uses the main table, which
 *             only has the local route): https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
 * - [IGW]     Internet access needs an attached internet gateway, a route to it and a public IPv4
 *             address on the ENI: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
 * - [NATI]    NAT instances: source/destination check off, in a public subnet, with a public or
 *             Elastic IP, and a security group that lets the private subnets in:
 *             https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html
 * - [NATGW]   NAT gateways (a public one sits in a public subnet with an Elastic IP):
 *             https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
 * - [GWE]     Gateway endpoints for S3 and DynamoDB (prefix-list route in the associated route
 *             tables; security groups must allow the traffic):
 *             https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html and
 *             https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
 * - [IFE]     Interface endpoints: ENIs in the chosen subnets with their security groups; private
 *             DNS needs enableDnsSupport and enableDnsHostnames:
 *             https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 *             (PrivateDnsEnabled: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html)
 * - [LAMBDA]  A function connected to a VPC never gets a public IP; it reaches the internet
 *             through NAT: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
 * - [EKS-SG]  The cluster security group EKS creates (inbound all from itself, outbound all) and the
 *             ENIs it is put on (control-plane ENIs, managed nodes):
 *             https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html
 * - [EKS-LT]  Managed nodes get the security groups of their launch template, else the cluster
 *             security group: https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
 * - [EKS-EP]  The private API endpoint (control-plane ENIs in the cluster subnets; needs
 *             enableDnsHostnames, enableDnsSupport and AmazonProvidedDNS):
 *             https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html and
 *             https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 * - [ALB-SG]  Load balancer security groups (listener port in; listener and health-check port out
 *             to the targets): https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
 *
 * IPv4 only. What the model cannot decide from the template (imported resources, parameters,
 * unknown intrinsics, resource types that change routing or filtering which it does not model)
 * throws {@link CannotDecide}: it never passes silently.
 */

// ---------------------------------------------------------------------------------------------
// Public types

/** Thrown whenever the template does not say enough to decide (never a silent pass). */
export class CannotDecide extends Error {
  constructor(what: string) {
    super(`cannot decide: ${what}`);
    this.name = 'CannotDecide';
  }
}

/** A CloudFormation template as `Template.fromStack(stack).toJSON()` returns it. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResourceJson>;
  readonly Parameters?: Record<string, unknown>;
  readonly [key: string]: unknown;
}
interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly [key: string]: unknown;
}

export type Protocol = 'tcp' | 'udp';
export interface Packet {
  readonly protocol: Protocol;
  readonly port: number;
}
export const tcp = (port: number): Packet => ({ protocol: 'tcp', port });
export const udp = (port: number): Packet => ({ protocol: 'udp', port });

export type Source = { readonly workload: string } | { readonly internet: true };
export type Destination =
  /** An AWS service's public regional endpoint, named as in `com.amazonaws.<region>.<name>` (ssm, ecr.dkr, s3, ...). */
  | { readonly service: string }
  /** The Kubernetes API of an EKS cluster (its logical ID or a unique prefix), reached on its private endpoint. */
  | { readonly eksApi: string }
  /** Another workload of the template (logical ID or unique prefix). */
  | { readonly workload: string }
  /** Any host on the internet. */
  | { readonly internet: true };

export interface Drop {
  /** The hop that drops the packet (or its answer). */
  readonly at: string;
  /** Why, in words. */
  readonly reason: string;
}

export interface PathResult {
  readonly reachable: boolean;
  /** One line: what was asked, and the answer (with every drop when unreachable). */
  readonly summary: string;
  /** The hops walked, per source ENI, up to the drop when there is one. */
  readonly hops: string[];
  /** The first drop, when unreachable. */
  readonly drop?: Drop;
  /** Every drop (one per failing ENI pair). */
  readonly drops: Drop[];
}

export type WorkloadKind =
  | 'instance'
  | 'auto-scaling-group'
  | 'lambda'
  | 'image-builder'
  | 'eks-nodegroup'
  | 'load-balancer'
  | 'eks-control-plane'
  | 'interface-endpoint'
  | 'nat-gateway';

/** Where a workload's network interfaces are. */
export interface Eni {
  readonly workload: string;
  readonly subnet: string;
  /** Its security groups; `null` when none filters it (an NLB without security groups, a NAT gateway). */
  readonly sgs: string[] | null;
  readonly publicIp: boolean;
  readonly label: string;
}

export interface Workload {
  readonly id: string;
  readonly kind: WorkloadKind;
  /** Runs code of its own (instances, Auto Scaling groups, functions, build instances, nodes). */
  readonly runsCode: boolean;
  /** Routes of the template send traffic through it (a NAT instance). */
  readonly natInstance: boolean;
  /** Its ENIs (resolved when first asked: an unresolvable placement throws {@link CannotDecide}). */
  enis(): Eni[];
}

/** Something that can send a packet to a destination (see {@link NetworkModel.whoCanReach}). */
export interface Reacher {
  readonly kind: 'workload' | 'internet' | 'addresses';
  /** A workload's logical ID, `internet`, or the addresses a rule lets in. */
  readonly id: string;
  /** The rule or path that lets it in. */
  readonly via: string;
}

// ---------------------------------------------------------------------------------------------
// Addresses

interface Cidr {
  readonly text: string;
  readonly bits: number;
  readonly lo: number;
  readonly hi: number;
}

function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) throw new CannotDecide(`"${text}" is not an IPv4 CIDR block`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new CannotDecide(`"${text}" is not an IPv4 CIDR block`);
  const value = ((octets[0]! * 256 + octets[1]!) * 256 + octets[2]!) * 256 + octets[3]!;
  const size = 2 ** (32 - bits);
  const lo = value - (value % size);
  return { text, bits, lo, hi: lo + size - 1 };
}
const containsCidr = (a: Cidr, b: Cidr) => a.lo <= b.lo && b.hi <= a.hi;
const intersectsCidr = (a: Cidr, b: Cidr) => a.lo <= b.hi && b.lo <= a.hi;
/** Ranges with no public address: a rule or route inside one never matches a public endpoint. */
const NON_PUBLIC = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'].map(parseCidr);
const EPHEMERAL: [number, number] = [1024, 65535];

/**
 * The addresses at one end of a packet: a known range (a subnet), or a public address we cannot
 * know (an AWS endpoint, an internet host), possibly of a service reached through a gateway endpoint.
 */
type Addr = { readonly kind: 'range'; readonly cidr: Cidr; readonly label: string } | { readonly kind: 'public'; readonly label: string; readonly service?: string };
type Rel = 'all' | 'some' | 'none' | 'unknown';

/** How a rule's or route's CIDR covers addresses: all of them, some, none, or unknowable. */
function relate(c: Cidr, a: Addr): Rel {
  if (a.kind === 'range') return containsCidr(c, a.cidr) ? 'all' : intersectsCidr(c, a.cidr) ? 'some' : 'none';
  if (c.bits === 0) return 'all';
  if (NON_PUBLIC.some((n) => containsCidr(n, c))) return 'none';
  return 'unknown'; // a public range: it may or may not hold the endpoint's address
}

const fmtPacket = (p: Packet) => `${p.protocol}/${p.port}`;
const fmtPorts = (r: [number, number]) => (r[0] === r[1] ? `${r[0]}` : `${r[0]}-${r[1]}`);

// ---------------------------------------------------------------------------------------------
// Template values

class Unresolved {
  constructor(readonly what: string) {}
}
type RefVal = { readonly ref: string };
type AttVal = { readonly att: string; readonly attr: string };
type Val = string | number | boolean | RefVal | AttVal | Unresolved | undefined;

const isRef = (v: Val): v is RefVal => typeof v === 'object' && v !== null && 'ref' in v;
const isAtt = (v: Val): v is AttVal => typeof v === 'object' && v !== null && 'att' in v;
const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** Thrown internally when a packet is dropped; turned into a {@link Drop}. */
class Dropped extends Error {
  constructor(
    readonly at: string,
    readonly reason: string,
  ) {
    super(`${at}: ${reason}`);
  }
}

type Mode = 'must' | 'may';

// ---------------------------------------------------------------------------------------------
// Model

interface Vpc {
  readonly id: string;
  cidrs: Cidr[];
  readonly dnsSupport: boolean;
  readonly dnsHostnames: boolean;
  amazonDns: boolean;
  defaultSgRestricted: boolean;
}
interface Subnet {
  readonly id: string;
  readonly vpc: string;
  readonly cidr: Cidr;
  readonly mapPublicIp: boolean;
}
type Peer = { readonly cidr: Cidr } | { readonly sg: string } | { readonly prefixList: string } | { readonly unresolved: string } | { readonly ipv6: true };
interface SgRule {
  readonly egress: boolean;
  readonly proto: string;
  readonly from: number;
  readonly to: number;
  readonly peer: Peer;
  readonly origin: string;
}
interface Sg {
  readonly id: string;
  readonly vpc?: string;
  readonly rules: SgRule[];
  /** [CFN-SG] 'yes' when no egress rule is declared inline (EC2 adds allow-all), 'unknown' when only standalone egress rules exist. */
  defaultEgress: 'yes' | 'no' | 'unknown';
  readonly note?: string;
}
interface NaclEntry {
  readonly num: number;
  readonly egress: boolean;
  readonly proto: string;
  readonly ports: [number, number];
  readonly cidr: Cidr | Unresolved | 'ipv6';
  readonly allow: boolean;
}
type Target =
  | { readonly kind: 'local' }
  | { readonly kind: 'igw'; readonly id: string }
  | { readonly kind: 'nat-instance'; readonly instance: string; readonly eni?: string }
  | { readonly kind: 'nat-gateway'; readonly id: string }
  | { readonly kind: 'gateway-endpoint'; readonly id: string; readonly service: string }
  | { readonly kind: 'other'; readonly what: string };
interface Route {
  readonly id: string;
  readonly dest: { readonly cidr: Cidr } | { readonly prefixList: string } | { readonly endpointService: string } | 'ipv6';
  readonly target: Target;
}

const DEFAULT_SG = 'DefaultSecurityGroup';
const CLUSTER_SG = 'ClusterSecurityGroupId';

/** Resource types that change routing, filtering or name resolution in ways this model does not know. */
const UNMODELED_NETWORK =
  /^(AWS::EC2::(TransitGateway\w*|VPCPeeringConnection|GatewayRouteTableAssociation|LocalGatewayRoute\w*|VPNGateway\w*|VPNConnection\w*|CarrierGateway|SecurityGroupVpcAssociation|ClientVpn\w*|NetworkInterfacePermission|NetworkInterfaceAttachment|TrafficMirror\w*)|AWS::NetworkFirewall::\w+|AWS::Route53Resolver::(FirewallRuleGroupAssociation|ResolverRuleAssociation|ResolverEndpoint)|AWS::NetworkManager::\w+)$/;

/** Resource types this model reads; any other resource that references a subnet or security group has ENIs it does not know. */
const MODELED = new Set([
  'AWS::EC2::VPC', 'AWS::EC2::VPCCidrBlock', 'AWS::EC2::Subnet', 'AWS::EC2::RouteTable', 'AWS::EC2::Route', 'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::InternetGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::EIPAssociation',
  'AWS::EC2::NetworkAcl', 'AWS::EC2::NetworkAclEntry', 'AWS::EC2::SubnetNetworkAclAssociation', 'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress', 'AWS::EC2::VPCEndpoint', 'AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate',
  'AWS::EC2::NetworkInterface', 'AWS::EC2::FlowLog', 'AWS::EC2::DHCPOptions', 'AWS::EC2::VPCDHCPOptionsAssociation',
  'AWS::AutoScaling::AutoScalingGroup', 'AWS::AutoScaling::LaunchConfiguration', 'AWS::Lambda::Function',
  'AWS::ImageBuilder::InfrastructureConfiguration', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::TargetGroup', 'AWS::EKS::Cluster', 'AWS::EKS::Nodegroup', 'Custom::VpcRestrictDefaultSG',
]);

/** Interface endpoint services whose name is not the endpoint's last label. */
const SERVICE_LABEL = /^com\.amazonaws\.(?:\{region\}|[a-z]{2}(?:-[a-z]+)+-\d)\.(.+)$/;

export class NetworkModel {
  /** Builds the model of a template (throws {@link CannotDecide} on network resources it does not model). */
  static fromTemplate(template: CfnTemplate, name = 'template'): NetworkModel {
    return new NetworkModel(template, name);
  }

  private readonly res: Record<string, CfnResourceJson>;
  private readonly vpcs = new Map<string, Vpc>();
  private readonly subnets = new Map<string, Subnet | Unresolved>();
  private readonly subnetTable = new Map<string, string>();
  private readonly subnetNacl = new Map<string, string>();
  private readonly tables = new Map<string, { vpc: string; routes: Route[] }>();
  private readonly igwAttachments: { igw: string; vpc: string }[] = [];
  private readonly sgs = new Map<string, Sg>();
  private readonly nacls = new Map<string, { vpc: string; entries: NaclEntry[] }>();
  private readonly eips: { instance?: string; eni?: string }[] = [];
  private readonly listeners = new Map<string, number[]>();
  private readonly _workloads = new Map<string, Workload>();
  private readonly natInstances = new Set<string>();
  /** Resources with ENIs this model does not know (found by their references to subnets or security groups). */
  readonly unmodeledAttachments: string[] = [];
  /** Lambda functions without VpcConfig (they run outside any VPC of the template). */
  readonly functionsOutsideVpc: string[] = [];

  private constructor(
    template: CfnTemplate,
    readonly name: string,
  ) {
    this.res = (template.Resources ?? {}) as Record<string, CfnResourceJson>;
    for (const [id, r] of Object.entries(this.res)) {
      if (UNMODELED_NETWORK.test(r.Type)) throw new CannotDecide(`${name}: ${id} (${r.Type}) changes routing or filtering in a way this model does not know`);
      if (r.Type === 'AWS::Route53::HostedZone' && r.Properties?.VPCs && /amazonaws\.com\.?$|\.aws\.?$/.test(String(r.Properties?.Name ?? ''))) {
        throw new CannotDecide(`${name}: private hosted zone ${id} may override the names of AWS endpoints`);
      }
    }
    this.readVpcs();
    this.readSubnetsAndRoutes();
    this.readSecurityGroups();
    this.readNacls();
    this.readWorkloads();
  }

  // ----- values -------------------------------------------------------------------------------

  private val(v: unknown): Val {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v !== 'object' || Array.isArray(v)) return new Unresolved(short(v));
    const keys = Object.keys(v);
    if (keys.length !== 1) return new Unresolved(short(v));
    const k = keys[0]!;
    const arg = (v as any)[k];
    if (k === 'Ref') {
      if (typeof arg !== 'string') return new Unresolved(short(v));
      if (arg === 'AWS::Region') return '{region}';
      if (arg === 'AWS::Partition') return 'aws';
      if (arg === 'AWS::URLSuffix') return 'amazonaws.com';
      if (arg.startsWith('AWS::')) return new Unresolved(`the pseudo parameter ${arg}`);
      if (this.res[arg]) return { ref: arg };
      return new Unresolved(`the parameter ${arg}`);
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
      if (typeof id === 'string' && typeof attr === 'string' && this.res[id]) return { att: id, attr };
      return new Unresolved(short(v));
    }
    if (k === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
      const parts = arg[1].map((p: unknown) => this.val(p));
      const bad = parts.find((p: Val) => typeof p !== 'string' && typeof p !== 'number');
      if (bad !== undefined) return new Unresolved(short(v));
      return parts.join(arg[0]);
    }
    if (k === 'Fn::Sub' && typeof arg === 'string') {
      let unknown = false;
      const s = arg.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
        const r = this.val({ Ref: name });
        if (typeof r === 'string') return r;
        unknown = true;
        return '';
      });
      return unknown ? new Unresolved(short(v)) : s;
    }
    return new Unresolved(`${k} ${short(arg)}`);
  }

  private need<T>(v: T | Unresolved, where: string): T {
    if (v instanceof Unresolved) throw new CannotDecide(`${this.name}: ${where} is ${v.what}`);
    return v;
  }

  private bool(raw: unknown, dflt: boolean, where: string): boolean {
    const v = this.val(raw);
    if (v === undefined) return dflt;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new CannotDecide(`${this.name}: ${where} is ${v instanceof Unresolved ? v.what : short(raw)}`);
  }

  private list(raw: unknown, where: string): unknown[] {
    if (raw === undefined) return [];
    if (Array.isArray(raw)) return raw;
    throw new CannotDecide(`${this.name}: ${where} is ${short(raw)}, not a list`);
  }

  /** The logical ID a value refers to (Ref, or GetAtt of one of `atts`), checked against `types`. */
  private refId(raw: unknown, types: string[], where: string, atts: string[] = []): string {
    const v = this.val(raw);
    let id: string | undefined;
    if (isRef(v)) id = v.ref;
    else if (isAtt(v) && atts.includes(v.attr)) id = v.att;
    if (id && types.includes(this.res[id]!.Type)) return id;
    if (typeof v === 'string') throw new CannotDecide(`${this.name}: ${where} is "${v}", a resource outside this template`);
    throw new CannotDecide(`${this.name}: ${where} is ${v instanceof Unresolved ? v.what : short(raw)}`);
  }

  /** A security group key: a group of the template, the cluster group EKS creates, or a VPC's default group. */
  private sgKey(raw: unknown, where: string): string {
    const v = this.val(raw);
    if (isRef(v) && this.res[v.ref]!.Type === 'AWS::EC2::SecurityGroup') return v.ref;
    if (isAtt(v)) {
      const type = this.res[v.att]!.Type;
      if (type === 'AWS::EC2::SecurityGroup' && v.attr === 'GroupId') return v.att;
      if (type === 'AWS::EKS::Cluster' && v.attr === CLUSTER_SG) return `${v.att}.${CLUSTER_SG}`;
      if (type === 'AWS::EC2::VPC' && v.attr === DEFAULT_SG) return `${v.att}.${DEFAULT_SG}`;
    }
    if (typeof v === 'string') throw new CannotDecide(`${this.name}: ${where} is "${v}", a security group outside this template`);
    throw new CannotDecide(`${this.name}: ${where} is ${v instanceof Unresolved ? v.what : short(raw)}, not a security group of this template`);
  }

  private cidrOf(raw: unknown, where: string): Cidr | Unresolved {
    const v = this.val(raw);
    if (typeof v === 'string') return parseCidr(v);
    if (isAtt(v) && v.attr === 'CidrBlock' && this.res[v.att]!.Type === 'AWS::EC2::VPC') {
      const vpc = this.vpcs.get(v.att);
      if (vpc && vpc.cidrs.length === 1) return vpc.cidrs[0]!;
    }
    if (isAtt(v) && v.attr === 'CidrBlock' && this.res[v.att]!.Type === 'AWS::EC2::Subnet') {
      const s = this.subnets.get(v.att);
      if (s && !(s instanceof Unresolved)) return s.cidr;
    }
    return new Unresolved(`${where}: ${v instanceof Unresolved ? v.what : short(raw)}`);
  }

  private ofType(type: string): [string, Record<string, any>][] {
    return Object.entries(this.res)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties ?? {}]);
  }

  // ----- network ------------------------------------------------------------------------------

  private readVpcs(): void {
    for (const [id, p] of this.ofType('AWS::EC2::VPC')) {
      const c = this.val(p.CidrBlock);
      this.vpcs.set(id, {
        id,
        cidrs: typeof c === 'string' ? [parseCidr(c)] : [],
        // CloudFormation's defaults for a new VPC: DNS resolution on, DNS host names off.
        dnsSupport: this.bool(p.EnableDnsSupport, true, `${id}.EnableDnsSupport`),
        dnsHostnames: this.bool(p.EnableDnsHostnames, false, `${id}.EnableDnsHostnames`),
        amazonDns: true,
        defaultSgRestricted: false,
      });
      if (typeof c !== 'string') throw new CannotDecide(`${this.name}: ${id}.CidrBlock is ${c instanceof Unresolved ? c.what : short(p.CidrBlock)}`);
    }
    for (const [id, p] of this.ofType('AWS::EC2::VPCCidrBlock')) {
      const vpc = this.vpcs.get(this.refId(p.VpcId, ['AWS::EC2::VPC'], `${id}.VpcId`))!;
      if (p.AmazonProvidedIpv6CidrBlock || p.Ipv6CidrBlock || p.Ipv6IpamPoolId) continue; // IPv6: not modelled (IPv4 packets)
      const c = this.cidrOf(p.CidrBlock, `${id}.CidrBlock`);
      vpc.cidrs.push(this.need(c, `${id}.CidrBlock`));
    }
    for (const [id, p] of this.ofType('AWS::EC2::VPCDHCPOptionsAssociation')) {
      const vpc = this.vpcs.get(this.refId(p.VpcId, ['AWS::EC2::VPC'], `${id}.VpcId`))!;
      const opts = this.val(p.DhcpOptionsId);
      if (opts === 'default') continue;
      const optsId = this.refId(p.DhcpOptionsId, ['AWS::EC2::DHCPOptions'], `${id}.DhcpOptionsId`);
      const servers = this.list(this.res[optsId]!.Properties?.DomainNameServers, `${optsId}.DomainNameServers`).map((s) => this.val(s));
      vpc.amazonDns = servers.includes('AmazonProvidedDNS');
    }
    for (const [id, p] of this.ofType('Custom::VpcRestrictDefaultSG')) {
      // aws-cdk-lib's restrictDefaultSecurityGroup: a custom resource that removes every rule of the default group.
      const v = this.val(p.DefaultSecurityGroupId);
      if (isAtt(v) && v.attr === DEFAULT_SG && this.vpcs.has(v.att)) this.vpcs.get(v.att)!.defaultSgRestricted = true;
      else throw new CannotDecide(`${this.name}: ${id}.DefaultSecurityGroupId is ${short(p.DefaultSecurityGroupId)}`);
    }
  }

  private readSubnetsAndRoutes(): void {
    for (const [id, p] of this.ofType('AWS::EC2::Subnet')) {
      const vpc = this.refId(p.VpcId, ['AWS::EC2::VPC'], `${id}.VpcId`);
      const c = this.cidrOf(p.CidrBlock, `${id}.CidrBlock`);
      this.subnets.set(id, c instanceof Unresolved ? c : { id, vpc, cidr: c, mapPublicIp: this.bool(p.MapPublicIpOnLaunch, false, `${id}.MapPublicIpOnLaunch`) });
    }
    for (const [id, p] of this.ofType('AWS::EC2::RouteTable')) this.tables.set(id, { vpc: this.refId(p.VpcId, ['AWS::EC2::VPC'], `${id}.VpcId`), routes: [] });
    for (const [id, p] of this.ofType('AWS::EC2::SubnetRouteTableAssociation')) {
      this.subnetTable.set(this.refId(p.SubnetId, ['AWS::EC2::Subnet'], `${id}.SubnetId`), this.refId(p.RouteTableId, ['AWS::EC2::RouteTable'], `${id}.RouteTableId`));
    }
    for (const [id, p] of this.ofType('AWS::EC2::VPCGatewayAttachment')) {
      if (p.InternetGatewayId === undefined) continue; // a virtual private gateway attachment: its routes are flagged where used
      this.igwAttachments.push({ igw: this.refId(p.InternetGatewayId, ['AWS::EC2::InternetGateway'], `${id}.InternetGatewayId`), vpc: this.refId(p.VpcId, ['AWS::EC2::VPC'], `${id}.VpcId`) });
    }
    for (const [id, p] of this.ofType('AWS::EC2::Route')) {
      const table = this.tables.get(this.refId(p.RouteTableId, ['AWS::EC2::RouteTable'], `${id}.RouteTableId`))!;
      let dest: Route['dest'];
      if (p.DestinationCidrBlock !== undefined) {
        const c = this.cidrOf(p.DestinationCidrBlock, `${id}.DestinationCidrBlock`);
        dest = c instanceof Unresolved ? { prefixList: c.what } : { cidr: c };
      } else if (p.DestinationPrefixListId !== undefined) dest = { prefixList: short(p.DestinationPrefixListId) };
      else dest = 'ipv6';
      table.routes.push({ id, dest, target: this.routeTarget(id, p) });
    }
    // [GWE] A gateway endpoint adds a route to its service's prefix list in each route table it names.
    for (const [id, p] of this.ofType('AWS::EC2::VPCEndpoint')) {
      if (this.val(p.VpcEndpointType) !== 'Gateway') continue;
      const service = this.serviceOf(p.ServiceName, `${id}.ServiceName`);
      for (const t of this.list(p.RouteTableIds, `${id}.RouteTableIds`)) {
        const table = this.tables.get(this.refId(t, ['AWS::EC2::RouteTable'], `${id}.RouteTableIds`))!;
        table.routes.push({ id, dest: { endpointService: service }, target: { kind: 'gateway-endpoint', id, service } });
      }
    }
    for (const [id, p] of this.ofType('AWS::EC2::EIP')) {
      if (p.InstanceId !== undefined) this.eips.push({ instance: this.refId(p.InstanceId, ['AWS::EC2::Instance'], `${id}.InstanceId`) });
    }
    for (const [id, p] of this.ofType('AWS::EC2::EIPAssociation')) {
      if (p.InstanceId !== undefined) this.eips.push({ instance: this.refId(p.InstanceId, ['AWS::EC2::Instance'], `${id}.InstanceId`) });
      else if (p.NetworkInterfaceId !== undefined) this.eips.push({ eni: this.refId(p.NetworkInterfaceId, ['AWS::EC2::NetworkInterface'], `${id}.NetworkInterfaceId`) });
    }
  }

  private routeTarget(id: string, p: Record<string, any>): Target {
    try {
      if (p.GatewayId !== undefined) {
        const v = this.val(p.GatewayId);
        if (v === 'local') return { kind: 'local' };
        if (isRef(v) && this.res[v.ref]!.Type === 'AWS::EC2::InternetGateway') return { kind: 'igw', id: v.ref };
        return { kind: 'other', what: `gateway ${short(p.GatewayId)}` };
      }
      if (p.NatGatewayId !== undefined) return { kind: 'nat-gateway', id: this.refId(p.NatGatewayId, ['AWS::EC2::NatGateway'], `${id}.NatGatewayId`) };
      if (p.InstanceId !== undefined) {
        const instance = this.refId(p.InstanceId, ['AWS::EC2::Instance'], `${id}.InstanceId`);
        this.natInstances.add(instance);
        return { kind: 'nat-instance', instance };
      }
      if (p.NetworkInterfaceId !== undefined) {
        const v = this.val(p.NetworkInterfaceId);
        if (isAtt(v) && v.attr === 'PrimaryNetworkInterfaceId' && this.res[v.att]!.Type === 'AWS::EC2::Instance') {
          this.natInstances.add(v.att);
          return { kind: 'nat-instance', instance: v.att };
        }
        const eni = this.refId(p.NetworkInterfaceId, ['AWS::EC2::NetworkInterface'], `${id}.NetworkInterfaceId`);
        const instance = this.instanceOfEni(eni);
        this.natInstances.add(instance);
        return { kind: 'nat-instance', instance, eni };
      }
      const other = Object.keys(p).find((k) => /(Id|Arn)$/.test(k) && k !== 'RouteTableId' && k !== 'DestinationPrefixListId');
      return { kind: 'other', what: other ? `${other} ${short(p[other])}` : 'no target' };
    } catch (e) {
      if (e instanceof CannotDecide) return { kind: 'other', what: e.message };
      throw e;
    }
  }

  /** The instance a standalone ENI is attached to (as one of its NetworkInterfaces). */
  private instanceOfEni(eni: string): string {
    for (const [id, p] of this.ofType('AWS::EC2::Instance')) {
      for (const ni of this.list(p.NetworkInterfaces, `${id}.NetworkInterfaces`)) {
        const v = this.val((ni as any).NetworkInterfaceId);
        if (isRef(v) && v.ref === eni) return id;
      }
    }
    throw new CannotDecide(`${this.name}: network interface ${eni} is not attached to an instance of this template`);
  }

  private serviceOf(raw: unknown, where: string): string {
    const v = this.val(raw);
    if (typeof v !== 'string') throw new CannotDecide(`${this.name}: ${where} is ${v instanceof Unresolved ? v.what : short(raw)}`);
    const m = SERVICE_LABEL.exec(v);
    if (!m) throw new CannotDecide(`${this.name}: ${where} "${v}" is not an AWS service endpoint name this model knows`);
    return m[1]!;
  }

  private readSecurityGroups(): void {
    const standaloneEgress = new Set<string>();
    const rules: [string, SgRule][] = [];
    const ruleOf = (egress: boolean, r: Record<string, any>, origin: string): SgRule => {
      const proto = String(this.val(r.IpProtocol) ?? '').toLowerCase();
      const from = Number(this.val(r.FromPort) ?? -1);
      const to = Number(this.val(r.ToPort) ?? -1);
      let peer: Peer;
      const sgRef = egress ? r.DestinationSecurityGroupId : r.SourceSecurityGroupId;
      const pl = egress ? r.DestinationPrefixListId : r.SourcePrefixListId;
      try {
        if (r.CidrIp !== undefined) {
          const c = this.cidrOf(r.CidrIp, `${origin}.CidrIp`);
          peer = c instanceof Unresolved ? { unresolved: c.what } : { cidr: c };
        } else if (r.CidrIpv6 !== undefined) peer = { ipv6: true };
        else if (sgRef !== undefined) peer = { sg: this.sgKey(sgRef, `${origin}.${egress ? 'DestinationSecurityGroupId' : 'SourceSecurityGroupId'}`) };
        else if (pl !== undefined) peer = { prefixList: short(pl) };
        else peer = { unresolved: `${origin}: a rule without a peer this model knows (${Object.keys(r).join(', ')})` };
      } catch (e) {
        if (!(e instanceof CannotDecide)) throw e;
        peer = { unresolved: e.message };
      }
      if (!Number.isFinite(from) || !Number.isFinite(to)) peer = { unresolved: `${origin}: ports ${short([r.FromPort, r.ToPort])}` };
      return { egress, proto: proto === '6' ? 'tcp' : proto === '17' ? 'udp' : proto === '1' ? 'icmp' : proto === 'all' ? '-1' : proto, from, to, peer, origin };
    };
    for (const [id, p] of this.ofType('AWS::EC2::SecurityGroup')) {
      // Only the rules matter to a walk: a group of a VPC outside the template is no reason to stop.
      const vpcRef = this.val(p.VpcId);
      const vpc = isRef(vpcRef) ? vpcRef.ref : undefined;
      const inline = p.SecurityGroupEgress !== undefined;
      this.sgs.set(id, { id, vpc, rules: [], defaultEgress: inline ? 'no' : 'yes' });
      this.list(p.SecurityGroupIngress, `${id}.SecurityGroupIngress`).forEach((r, i) => rules.push([id, ruleOf(false, r as any, `${id}.SecurityGroupIngress[${i}]`)]));
      this.list(p.SecurityGroupEgress, `${id}.SecurityGroupEgress`).forEach((r, i) => rules.push([id, ruleOf(true, r as any, `${id}.SecurityGroupEgress[${i}]`)]));
    }
    // [EKS-SG] The cluster security group EKS creates: inbound all from itself, outbound all.
    for (const [id] of this.ofType('AWS::EKS::Cluster')) {
      const key = `${id}.${CLUSTER_SG}`;
      this.sgs.set(key, {
        id: key,
        rules: [
          { egress: false, proto: '-1', from: -1, to: -1, peer: { sg: key }, origin: `${key} (EKS default: inbound all from itself)` },
          { egress: true, proto: '-1', from: -1, to: -1, peer: { cidr: parseCidr('0.0.0.0/0') }, origin: `${key} (EKS default: outbound all)` },
        ],
        defaultEgress: 'no',
        note: 'created by EKS (rules from https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html)',
      });
    }
    // [SG] A VPC's default group: inbound from itself, outbound all; no rules once aws-cdk-lib's custom resource restricted it.
    for (const vpc of this.vpcs.values()) {
      const key = `${vpc.id}.${DEFAULT_SG}`;
      this.sgs.set(key, {
        id: key,
        vpc: vpc.id,
        rules: vpc.defaultSgRestricted
          ? []
          : [
              { egress: false, proto: '-1', from: -1, to: -1, peer: { sg: key }, origin: `${key} (default group: inbound from itself)` },
              { egress: true, proto: '-1', from: -1, to: -1, peer: { cidr: parseCidr('0.0.0.0/0') }, origin: `${key} (default group: outbound all)` },
            ],
        defaultEgress: 'no',
        note: vpc.defaultSgRestricted ? 'the default group, its rules removed (Custom::VpcRestrictDefaultSG)' : 'the default group of the VPC',
      });
    }
    for (const [type, egress] of [['AWS::EC2::SecurityGroupIngress', false], ['AWS::EC2::SecurityGroupEgress', true]] as const) {
      for (const [id, p] of this.ofType(type)) {
        if (p.GroupId === undefined) throw new CannotDecide(`${this.name}: ${id} names its group by GroupName (default VPC), which this model does not know`);
        const group = this.sgKey(p.GroupId, `${id}.GroupId`);
        if (egress) standaloneEgress.add(group);
        rules.push([group, ruleOf(egress, p, id)]);
      }
    }
    for (const [group, rule] of rules) this.sgs.get(group)!.rules.push(rule);
    // [CFN-SG] EC2 adds allow-all egress only to a group declared without egress rules. Whether a
    // standalone AWS::EC2::SecurityGroupEgress replaces it is not documented: undecided, never assumed.
    for (const g of standaloneEgress) {
      const sg = this.sgs.get(g)!;
      if (sg.defaultEgress === 'yes') sg.defaultEgress = 'unknown';
    }
  }

  private readNacls(): void {
    for (const vpc of this.vpcs.values()) {
      // [NACL] The default network ACL allows all inbound and outbound IPv4 traffic (rule 100).
      this.nacls.set(`${vpc.id}.DefaultNetworkAcl`, {
        vpc: vpc.id,
        entries: [true, false].map((egress) => ({ num: 100, egress, proto: '-1', ports: [0, 65535] as [number, number], cidr: parseCidr('0.0.0.0/0'), allow: true })),
      });
    }
    for (const [id, p] of this.ofType('AWS::EC2::NetworkAcl')) this.nacls.set(id, { vpc: this.refId(p.VpcId, ['AWS::EC2::VPC'], `${id}.VpcId`), entries: [] });
    const naclKey = (raw: unknown, where: string) => {
      const v = this.val(raw);
      if (isAtt(v) && v.attr === 'DefaultNetworkAcl' && this.vpcs.has(v.att)) return `${v.att}.DefaultNetworkAcl`;
      return this.refId(raw, ['AWS::EC2::NetworkAcl'], where);
    };
    for (const [id, p] of this.ofType('AWS::EC2::NetworkAclEntry')) {
      const nacl = this.nacls.get(naclKey(p.NetworkAclId, `${id}.NetworkAclId`))!;
      const proto = String(this.val(p.Protocol));
      const action = String(this.val(p.RuleAction)).toLowerCase();
      if (action !== 'allow' && action !== 'deny') throw new CannotDecide(`${this.name}: ${id}.RuleAction is ${short(p.RuleAction)}`);
      const range = p.PortRange ? [Number(this.val(p.PortRange.From)), Number(this.val(p.PortRange.To))] : [0, 65535];
      if (!range.every(Number.isFinite)) throw new CannotDecide(`${this.name}: ${id}.PortRange is ${short(p.PortRange)}`);
      nacl.entries.push({
        num: Number(this.val(p.RuleNumber)),
        egress: this.bool(p.Egress, false, `${id}.Egress`),
        proto: proto === '6' ? 'tcp' : proto === '17' ? 'udp' : proto === '1' ? 'icmp' : proto,
        ports: range as [number, number],
        cidr: p.CidrBlock !== undefined ? this.cidrOf(p.CidrBlock, `${id}.CidrBlock`) : 'ipv6',
        allow: action === 'allow',
      });
    }
    for (const [id, p] of this.ofType('AWS::EC2::SubnetNetworkAclAssociation')) {
      this.subnetNacl.set(this.refId(p.SubnetId, ['AWS::EC2::Subnet'], `${id}.SubnetId`), naclKey(p.NetworkAclId, `${id}.NetworkAclId`));
    }
  }

  // ----- workloads ----------------------------------------------------------------------------

  private addWorkload(id: string, kind: WorkloadKind, runsCode: boolean, resolve: () => Omit<Eni, 'label' | 'workload'>[]): void {
    let cache: Eni[] | undefined;
    const model = this;
    this._workloads.set(id, {
      id,
      kind,
      runsCode,
      natInstance: this.natInstances.has(id),
      enis() {
        cache ??= resolve().map((e) => ({ ...e, workload: id, label: model.eniLabel(id, e) }));
        return cache;
      },
    });
  }

  private eniLabel(id: string, e: Omit<Eni, 'label' | 'workload'>): string {
    const s = this.subnet(e.subnet);
    return `${id} in ${e.subnet} (${s.cidr.text}${e.publicIp ? ', public IP' : ', no public IP'})`;
  }

  private subnet(id: string): Subnet {
    const s = this.subnets.get(id);
    if (!s) throw new CannotDecide(`${this.name}: subnet ${id} is not in this template`);
    return this.need(s, `the CIDR block of subnet ${id}`);
  }

  private subnetOf(raw: unknown, where: string): string {
    return this.refId(raw, ['AWS::EC2::Subnet'], where);
  }

  private defaultSgOf(subnet: string): string {
    return `${this.subnet(subnet).vpc}.${DEFAULT_SG}`;
  }

  private hasEip(instance: string, eni?: string): boolean {
    return this.eips.some((e) => e.instance === instance || (eni !== undefined && e.eni === eni));
  }

  /** The primary ENI of an instance, merged from its launch template when it has one. */
  private instanceEni(id: string, p: Record<string, any>): Omit<Eni, 'label' | 'workload'> {
    const lt = p.LaunchTemplate ? this.launchTemplateData(p.LaunchTemplate, `${id}.LaunchTemplate`) : {};
    const nis = this.list(p.NetworkInterfaces ?? lt.NetworkInterfaces, `${id}.NetworkInterfaces`) as Record<string, any>[];
    const primary = nis.find((n) => Number(this.val(n.DeviceIndex)) === 0);
    if (primary) {
      if (primary.NetworkInterfaceId !== undefined) {
        const eniId = this.refId(primary.NetworkInterfaceId, ['AWS::EC2::NetworkInterface'], `${id}.NetworkInterfaces[0].NetworkInterfaceId`);
        const e = this.res[eniId]!.Properties ?? {};
        const subnet = this.subnetOf(e.SubnetId, `${eniId}.SubnetId`);
        const groups = this.list(e.GroupSet, `${eniId}.GroupSet`).map((g, i) => this.sgKey(g, `${eniId}.GroupSet[${i}]`));
        return { subnet, sgs: groups.length ? groups : [this.defaultSgOf(subnet)], publicIp: this.hasEip(id, eniId) };
      }
      const subnet = this.subnetOf(primary.SubnetId ?? p.SubnetId, `${id}.NetworkInterfaces[0].SubnetId`);
      const groups = this.list(primary.GroupSet ?? primary.Groups, `${id}.NetworkInterfaces[0].GroupSet`).map((g, i) => this.sgKey(g, `${id}.NetworkInterfaces[0].GroupSet[${i}]`));
      const assoc = primary.AssociatePublicIpAddress;
      const publicIp = this.hasEip(id) || (assoc !== undefined ? this.bool(assoc, false, `${id}.NetworkInterfaces[0].AssociatePublicIpAddress`) : this.subnet(subnet).mapPublicIp);
      return { subnet, sgs: groups.length ? groups : [this.defaultSgOf(subnet)], publicIp };
    }
    if (p.SecurityGroups !== undefined || lt.SecurityGroups !== undefined) throw new CannotDecide(`${this.name}: ${id} names security groups by name (default VPC), which this model does not know`);
    if (p.SubnetId === undefined) throw new CannotDecide(`${this.name}: ${id} has no SubnetId: it launches in the default VPC, which is not in the template`);
    const subnet = this.subnetOf(p.SubnetId, `${id}.SubnetId`);
    const groups = this.list(p.SecurityGroupIds ?? lt.SecurityGroupIds, `${id}.SecurityGroupIds`).map((g, i) => this.sgKey(g, `${id}.SecurityGroupIds[${i}]`));
    // [SG] An instance launched without a security group gets the VPC's default group.
    return { subnet, sgs: groups.length ? groups : [this.defaultSgOf(subnet)], publicIp: this.hasEip(id) || this.subnet(subnet).mapPublicIp };
  }

  private launchTemplateData(spec: Record<string, any>, where: string): Record<string, any> {
    const id = spec.LaunchTemplateId !== undefined ? this.refId(spec.LaunchTemplateId, ['AWS::EC2::LaunchTemplate'], `${where}.LaunchTemplateId`) : spec.Id !== undefined ? this.refId(spec.Id, ['AWS::EC2::LaunchTemplate'], `${where}.Id`) : undefined;
    if (!id) {
      const name = this.val(spec.LaunchTemplateName ?? spec.Name);
      const found = Object.entries(this.res).find(([, r]) => r.Type === 'AWS::EC2::LaunchTemplate' && name !== undefined && this.val(r.Properties?.LaunchTemplateName) === name);
      if (!found) throw new CannotDecide(`${this.name}: ${where} is a launch template outside this template`);
      return found[1].Properties?.LaunchTemplateData ?? {};
    }
    return this.res[id]!.Properties?.LaunchTemplateData ?? {};
  }

  /** ENI settings of a launch template (security groups, public IP), for Auto Scaling groups and node groups. */
  private templateEniSettings(data: Record<string, any>, where: string): { sgs: string[]; publicIp?: boolean } {
    const nis = this.list(data.NetworkInterfaces, `${where}.NetworkInterfaces`) as Record<string, any>[];
    const primary = nis.find((n) => Number(this.val(n.DeviceIndex)) === 0);
    if (data.SecurityGroups !== undefined) throw new CannotDecide(`${this.name}: ${where} names security groups by name, which this model does not know`);
    const raw = primary ? (primary.Groups ?? primary.GroupSet) : data.SecurityGroupIds;
    const sgs = this.list(raw, `${where}.SecurityGroupIds`).map((g, i) => this.sgKey(g, `${where}.SecurityGroupIds[${i}]`));
    const assoc = primary?.AssociatePublicIpAddress;
    return { sgs, publicIp: assoc === undefined ? undefined : this.bool(assoc, false, `${where}.NetworkInterfaces[0].AssociatePublicIpAddress`) };
  }

  private readWorkloads(): void {
    for (const [id, p] of this.ofType('AWS::EC2::Instance')) this.addWorkload(id, 'instance', true, () => [this.instanceEni(id, p)]);

    for (const [id, p] of this.ofType('AWS::AutoScaling::AutoScalingGroup')) {
      this.addWorkload(id, 'auto-scaling-group', true, () => {
        let settings: { sgs: string[]; publicIp?: boolean };
        const ltSpec = p.LaunchTemplate ?? p.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
        if (ltSpec) settings = this.templateEniSettings(this.launchTemplateData(ltSpec, `${id}.LaunchTemplate`), `${id}'s launch template`);
        else if (p.LaunchConfigurationName !== undefined) {
          const lc = this.refId(p.LaunchConfigurationName, ['AWS::AutoScaling::LaunchConfiguration'], `${id}.LaunchConfigurationName`);
          const lp = this.res[lc]!.Properties ?? {};
          settings = {
            sgs: this.list(lp.SecurityGroups, `${lc}.SecurityGroups`).map((g, i) => this.sgKey(g, `${lc}.SecurityGroups[${i}]`)),
            publicIp: lp.AssociatePublicIpAddress === undefined ? undefined : this.bool(lp.AssociatePublicIpAddress, false, `${lc}.AssociatePublicIpAddress`),
          };
        } else throw new CannotDecide(`${this.name}: ${id} has no launch template or configuration this model reads`);
        const subnets = this.list(p.VPCZoneIdentifier, `${id}.VPCZoneIdentifier`).map((s, i) => this.subnetOf(s, `${id}.VPCZoneIdentifier[${i}]`));
        if (!subnets.length) throw new CannotDecide(`${this.name}: ${id} has no VPCZoneIdentifier: default VPC`);
        return subnets.map((subnet) => ({ subnet, sgs: settings.sgs.length ? settings.sgs : [this.defaultSgOf(subnet)], publicIp: settings.publicIp ?? this.subnet(subnet).mapPublicIp }));
      });
    }

    for (const [id, p] of this.ofType('AWS::Lambda::Function')) {
      const vc = p.VpcConfig;
      if (!vc || vc.SubnetIds === undefined || (Array.isArray(vc.SubnetIds) && vc.SubnetIds.length === 0)) {
        this.functionsOutsideVpc.push(id);
        continue;
      }
      // [LAMBDA] A function's ENIs never have a public IP, whatever the subnet.
      this.addWorkload(id, 'lambda', true, () => {
        const sgs = this.list(vc.SecurityGroupIds, `${id}.VpcConfig.SecurityGroupIds`).map((g, i) => this.sgKey(g, `${id}.VpcConfig.SecurityGroupIds[${i}]`));
        return this.list(vc.SubnetIds, `${id}.VpcConfig.SubnetIds`).map((s, i) => {
          const subnet = this.subnetOf(s, `${id}.VpcConfig.SubnetIds[${i}]`);
          return { subnet, sgs: sgs.length ? sgs : [this.defaultSgOf(subnet)], publicIp: false };
        });
      });
    }

    for (const [id, p] of this.ofType('AWS::ImageBuilder::InfrastructureConfiguration')) {
      // The build (and test) instance Image Builder launches with this configuration.
      this.addWorkload(id, 'image-builder', true, () => {
        if (p.SubnetId === undefined) throw new CannotDecide(`${this.name}: ${id} has no SubnetId: the build instance launches in the default VPC`);
        const subnet = this.subnetOf(p.SubnetId, `${id}.SubnetId`);
        const sgs = this.list(p.SecurityGroupIds, `${id}.SecurityGroupIds`).map((g, i) => this.sgKey(g, `${id}.SecurityGroupIds[${i}]`));
        if (!sgs.length) throw new CannotDecide(`${this.name}: ${id} has no SecurityGroupIds`);
        return [{ subnet, sgs, publicIp: this.subnet(subnet).mapPublicIp }];
      });
    }

    for (const [id, p] of this.ofType('AWS::ElasticLoadBalancingV2::Listener')) {
      const lb = this.refId(p.LoadBalancerArn, ['AWS::ElasticLoadBalancingV2::LoadBalancer'], `${id}.LoadBalancerArn`);
      const port = Number(this.val(p.Port));
      if (!Number.isFinite(port)) throw new CannotDecide(`${this.name}: ${id}.Port is ${short(p.Port)}`);
      this.listeners.set(lb, [...(this.listeners.get(lb) ?? []), port]);
    }
    for (const [id, p] of this.ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      this.addWorkload(id, 'load-balancer', false, () => {
        const type = this.val(p.Type) ?? 'application';
        if (type === 'gateway') throw new CannotDecide(`${this.name}: ${id} is a Gateway Load Balancer, which this model does not know`);
        const scheme = this.val(p.Scheme) ?? 'internet-facing';
        if (scheme !== 'internet-facing' && scheme !== 'internal') throw new CannotDecide(`${this.name}: ${id}.Scheme is ${short(p.Scheme)}`);
        const subnets = p.Subnets !== undefined ? this.list(p.Subnets, `${id}.Subnets`) : this.list(p.SubnetMappings, `${id}.SubnetMappings`).map((m: any) => m.SubnetId);
        const groups = this.list(p.SecurityGroups, `${id}.SecurityGroups`).map((g, i) => this.sgKey(g, `${id}.SecurityGroups[${i}]`));
        return subnets.map((s, i) => {
          const subnet = this.subnetOf(s, `${id}.Subnets[${i}]`);
          // An ALB without security groups gets the VPC's default group; an NLB without any is not filtered.
          const sgs = groups.length ? groups : type === 'network' ? null : [this.defaultSgOf(subnet)];
          return { subnet, sgs, publicIp: scheme === 'internet-facing' };
        });
      });
    }

    for (const [id, p] of this.ofType('AWS::EKS::Cluster')) {
      if (this.val(p.ComputeConfig?.Enabled) === true || p.ComputeConfig?.Enabled === 'true') this.unmodeledAttachments.push(`${id} (EKS Auto Mode nodes)`);
      // [EKS-SG] EKS puts 2-4 ENIs in the cluster subnets with the cluster group and the additional groups.
      this.addWorkload(id, 'eks-control-plane', false, () => {
        const vc = p.ResourcesVpcConfig ?? {};
        const extra = this.list(vc.SecurityGroupIds, `${id}.ResourcesVpcConfig.SecurityGroupIds`).map((g, i) => this.sgKey(g, `${id}.ResourcesVpcConfig.SecurityGroupIds[${i}]`));
        return this.list(vc.SubnetIds, `${id}.ResourcesVpcConfig.SubnetIds`).map((s, i) => ({
          subnet: this.subnetOf(s, `${id}.ResourcesVpcConfig.SubnetIds[${i}]`),
          sgs: [`${id}.${CLUSTER_SG}`, ...extra],
          publicIp: false,
        }));
      });
    }

    for (const [id, p] of this.ofType('AWS::EKS::Nodegroup')) {
      this.addWorkload(id, 'eks-nodegroup', true, () => {
        if (p.RemoteAccess !== undefined) throw new CannotDecide(`${this.name}: ${id}.RemoteAccess makes EKS create a security group this model does not know`);
        const cluster = this.refId(p.ClusterName, ['AWS::EKS::Cluster'], `${id}.ClusterName`);
        const settings = p.LaunchTemplate ? this.templateEniSettings(this.launchTemplateData(p.LaunchTemplate, `${id}.LaunchTemplate`), `${id}'s launch template`) : { sgs: [] as string[], publicIp: undefined };
        // [EKS-LT] The launch template's groups, else the cluster security group.
        const sgs = settings.sgs.length ? settings.sgs : [`${cluster}.${CLUSTER_SG}`];
        return this.list(p.Subnets, `${id}.Subnets`).map((s, i) => {
          const subnet = this.subnetOf(s, `${id}.Subnets[${i}]`);
          return { subnet, sgs, publicIp: settings.publicIp ?? this.subnet(subnet).mapPublicIp };
        });
      });
    }

    for (const [id, p] of this.ofType('AWS::EC2::VPCEndpoint')) {
      if (this.val(p.VpcEndpointType) !== 'Interface') {
        if (this.val(p.VpcEndpointType) !== 'Gateway') throw new CannotDecide(`${this.name}: ${id} is a ${short(p.VpcEndpointType)} endpoint, which this model does not know`);
        continue;
      }
      this.addWorkload(id, 'interface-endpoint', false, () => {
        const sgs = this.list(p.SecurityGroupIds, `${id}.SecurityGroupIds`).map((g, i) => this.sgKey(g, `${id}.SecurityGroupIds[${i}]`));
        return this.list(p.SubnetIds, `${id}.SubnetIds`).map((s, i) => {
          const subnet = this.subnetOf(s, `${id}.SubnetIds[${i}]`);
          // [IFE] Without security groups, the endpoint ENIs get the VPC's default group.
          return { subnet, sgs: sgs.length ? sgs : [this.defaultSgOf(subnet)], publicIp: false };
        });
      });
    }

    for (const [id] of this.ofType('AWS::EC2::NetworkInterface')) {
      try {
        this.instanceOfEni(id);
      } catch (e) {
        if (!(e instanceof CannotDecide)) throw e;
        this.unmodeledAttachments.push(`${id} (AWS::EC2::NetworkInterface not attached to an instance of the template)`);
      }
    }

    for (const [id, p] of this.ofType('AWS::EC2::NatGateway')) {
      this.addWorkload(id, 'nat-gateway', false, () => [{ subnet: this.subnetOf(p.SubnetId, `${id}.SubnetId`), sgs: null, publicIp: this.val(p.ConnectivityType) !== 'private' && p.AllocationId !== undefined }]);
    }

    // Anything else that points at a subnet or a security group has ENIs this model does not know.
    for (const [id, r] of Object.entries(this.res)) {
      // Policies, parameters, outputs-like resources and alarms name network resources without attaching to them.
      if (MODELED.has(r.Type) || /^AWS::(IAM|SSM::Parameter|CloudFormation|CloudWatch|Logs|CDK)::?/.test(r.Type)) continue;
      if (this.referencesNetwork(r.Properties)) this.unmodeledAttachments.push(`${id} (${r.Type})`);
    }
  }

  private referencesNetwork(v: unknown): boolean {
    if (Array.isArray(v)) return v.some((x) => this.referencesNetwork(x));
    if (v === null || typeof v !== 'object') return false;
    const r = this.val(v);
    if (isRef(r) && ['AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup'].includes(this.res[r.ref]!.Type)) return true;
    if (isAtt(r) && (r.attr === CLUSTER_SG || r.attr === DEFAULT_SG || (r.attr === 'GroupId' && this.res[r.att]!.Type === 'AWS::EC2::SecurityGroup'))) return true;
    return Object.values(v).some((x) => this.referencesNetwork(x));
  }

  // ----- queries ------------------------------------------------------------------------------

  /** Every workload with ENIs in the template (instances, groups, functions in a VPC, build instances, nodes, load balancers, ...). */
  workloads(): Workload[] {
    return [...this._workloads.values()];
  }

  /** A workload by logical ID or unique prefix of it. */
  workload(idOrPrefix: string): Workload {
    const exact = this._workloads.get(idOrPrefix);
    if (exact) return exact;
    const found = [...this._workloads.values()].filter((w) => w.id.startsWith(idOrPrefix));
    if (found.length !== 1) throw new Error(`${this.name}: ${found.length} workloads match "${idOrPrefix}"${found.length ? `: ${found.map((w) => w.id).join(', ')}` : ''}`);
    return found[0]!;
  }

  /** The ports the listeners of a load balancer listen on. */
  listenerPorts(loadBalancer: string): number[] {
    return [...(this.listeners.get(this.workload(loadBalancer).id) ?? [])].sort((a, b) => a - b);
  }

  /**
   * Whether a packet from `source` reaches `destination` and its answer comes back, from every ENI
   * of the source (and to every ENI of the destination).
   */
  reach(source: Source, destination: Destination, packet: Packet = tcp(443)): PathResult {
    const hops: string[] = [];
    const drops: Drop[] = [];
    const srcName = 'internet' in source ? 'the internet' : this.workload(source.workload).id;
    const dstName = this.destinationName(destination);
    if ('internet' in source) {
      if (!('workload' in destination)) throw new Error('from the internet, only a workload of the template can be a destination');
      for (const dst of this.workload(destination.workload).enis()) {
        this.walk(hops, drops, `from the internet to ${dst.label}`, () => this.fromInternet(dst, packet, hops, 'must'));
      }
    } else {
      for (const src of this.workload(source.workload).enis()) {
        this.walk(hops, drops, `from ${src.label}`, () => this.toDestination(src, destination, packet, hops));
      }
    }
    const unique = drops.filter((d, i) => drops.findIndex((o) => o.at === d.at && o.reason === d.reason) === i);
    const head = `${srcName} → ${dstName} ${fmtPacket(packet)}`;
    return {
      reachable: drops.length === 0,
      summary: drops.length === 0 ? `${head}: reachable` : `${head}: UNREACHABLE: ${unique.map((d) => `${d.at}: ${d.reason}`).join('; ')}`,
      hops,
      drop: drops[0],
      drops,
    };
  }

  private walk(hops: string[], drops: Drop[], title: string, fn: () => void): void {
    hops.push(`— ${title}`);
    try {
      fn();
      hops.push('  answer returns the same way (security groups are stateful; network ACLs checked both ways)');
    } catch (e) {
      if (!(e instanceof Dropped)) throw e;
      hops.push(`  DROPPED at ${e.at}: ${e.reason}`);
      drops.push({ at: e.at, reason: e.reason });
    }
  }

  private destinationName(d: Destination): string {
    if ('service' in d) return `${d.service} (AWS public endpoint)`;
    if ('eksApi' in d) return `the Kubernetes API of ${this.workload(d.eksApi).id} (private endpoint)`;
    if ('workload' in d) return this.workload(d.workload).id;
    return 'the internet';
  }

  private toDestination(src: Eni, d: Destination, packet: Packet, hops: string[]): void {
    if ('service' in d) return this.toService(src, d.service, packet, hops);
    if ('eksApi' in d) return this.toEksApi(src, this.workload(d.eksApi), packet, hops);
    if ('internet' in d) return this.toPublic(src, { kind: 'public', label: 'an internet host' }, packet, hops, 'must', 0);
    const dst = this.workload(d.workload);
    this.checkListener(dst, packet, hops);
    for (const dstEni of dst.enis()) this.local(src, dstEni, packet, hops, 'must');
  }

  private checkListener(dst: Workload, packet: Packet, hops: string[]): void {
    if (dst.kind !== 'load-balancer') return;
    const ports = this.listeners.get(dst.id) ?? [];
    if (packet.protocol !== 'tcp' || !ports.includes(packet.port)) throw new Dropped(`load balancer ${dst.id}`, `has no listener on ${fmtPacket(packet)} (listeners: ${ports.join(', ') || 'none'})`);
    hops.push(`  load balancer ${dst.id} listens on ${packet.port}`);
  }

  // ----- path pieces ----------------------------------------------------------------------------

  private vpcOf(eni: Eni): Vpc {
    return this.vpcs.get(this.subnet(eni.subnet).vpc)!;
  }

  private addrOf(eni: Eni): Addr {
    const s = this.subnet(eni.subnet);
    return { kind: 'range', cidr: s.cidr, label: `${s.cidr.text} (${s.id})` };
  }

  /** [SG] Does a set of security groups allow a packet in one direction to or from a peer? */
  private sgAllows(sgs: string[] | null, egress: boolean, packet: Packet, peer: Addr, peerSgs: string[] | null, mode: Mode): { ok: true; by: string } | { ok: false } {
    if (sgs === null) return { ok: true, by: 'no security group filters it' };
    const ambiguous: string[] = [];
    for (const key of sgs) {
      const sg = this.sgs.get(key);
      if (!sg) throw new CannotDecide(`${this.name}: security group ${key} is not in this template`);
      for (const r of sg.rules) {
        if (r.egress !== egress) continue;
        if (!(r.proto === '-1' || r.proto === packet.protocol)) continue;
        if (!(r.proto === '-1' || (r.from === -1 && r.to === -1) || (r.from <= packet.port && packet.port <= r.to))) continue;
        const p = r.peer;
        if ('ipv6' in p) continue;
        if ('cidr' in p) {
          const rel = relate(p.cidr, peer);
          if (rel === 'all' || (mode === 'may' && rel !== 'none')) return { ok: true, by: `${r.origin} (${describeRule(r)})` };
          if (rel === 'unknown') ambiguous.push(`${r.origin} (${p.cidr.text} may or may not hold ${peer.label})`);
          continue;
        }
        if ('sg' in p) {
          if (peerSgs?.includes(p.sg)) return { ok: true, by: `${r.origin} (${describeRule(r)})` };
          continue;
        }
        if ('prefixList' in p) {
          if (mode === 'may') return { ok: true, by: `${r.origin} (prefix list ${p.prefixList})` };
          ambiguous.push(`${r.origin} (prefix list ${p.prefixList}: which addresses it holds is not in the template)`);
          continue;
        }
        if (mode === 'may') return { ok: true, by: `${r.origin} (${p.unresolved})` };
        ambiguous.push(`${r.origin}: ${p.unresolved}`);
      }
      if (egress && sg.defaultEgress === 'yes') return { ok: true, by: `${key} (no egress rule declared: EC2's default allow-all egress)` };
      if (egress && sg.defaultEgress === 'unknown') {
        if (mode === 'may') return { ok: true, by: `${key} (maybe EC2's default allow-all egress)` };
        ambiguous.push(`${key} declares no inline egress rule but has standalone ones: whether EC2's default allow-all egress rule remains is not documented`);
      }
    }
    if (ambiguous.length) throw new CannotDecide(`${this.name}: whether ${sgs.join(', ')} allow ${fmtPacket(packet)} ${egress ? 'to' : 'from'} ${peer.label} depends on ${ambiguous.join('; ')}`);
    return { ok: false };
  }

  private egress(src: Eni, packet: Packet, dst: Addr, dstSgs: string[] | null, hops: string[], mode: Mode, who = src.workload): void {
    const v = this.sgAllows(src.sgs, true, packet, dst, dstSgs, mode);
    if (!v.ok) throw new Dropped(`${who}`, `its security group${src.sgs!.length > 1 ? 's' : ''} ${src.sgs!.join(', ')} ha${src.sgs!.length > 1 ? 've' : 's'} no egress rule for ${fmtPacket(packet)} to ${dst.label}`);
    hops.push(`  egress of ${who} allowed by ${v.by}`);
  }

  private ingress(dst: Eni, packet: Packet, src: Addr, srcSgs: string[] | null, hops: string[], mode: Mode, who = dst.workload): void {
    const v = this.sgAllows(dst.sgs, false, packet, src, srcSgs, mode);
    if (!v.ok) throw new Dropped(`${who}`, `its security group${dst.sgs!.length > 1 ? 's' : ''} ${dst.sgs!.join(', ')} ha${dst.sgs!.length > 1 ? 've' : 's'} no ingress rule for ${fmtPacket(packet)} from ${src.label}`);
    hops.push(`  ingress of ${who} allowed by ${v.by}`);
  }

  /** [NACL] Stateless: every subnet crossing is checked for the packet and for its answer (to ephemeral ports). */
  private nacl(subnet: string, egress: boolean, peer: Addr, protocol: Protocol, ports: [number, number], hops: string[], mode: Mode): void {
    const key = this.subnetNacl.get(subnet) ?? `${this.subnet(subnet).vpc}.DefaultNetworkAcl`;
    const acl = this.nacls.get(key)!;
    const what = `${egress ? 'outbound' : 'inbound'} ${protocol}/${fmtPorts(ports)} ${egress ? 'to' : 'from'} ${peer.label}`;
    const entries = acl.entries.filter((e) => e.egress === egress).sort((a, b) => a.num - b.num);
    const unsure: string[] = [];
    for (const e of entries) {
      if (!(e.proto === '-1' || e.proto === protocol)) continue;
      const portRel = e.proto === '-1' || (e.ports[0] <= ports[0] && ports[1] <= e.ports[1]) ? 'all' : e.ports[1] < ports[0] || ports[1] < e.ports[0] ? 'none' : 'some';
      if (portRel === 'none' || e.cidr === 'ipv6') continue;
      const cidr = this.need(e.cidr, `rule ${e.num} of network ACL ${key}`);
      const rel = relate(cidr, peer);
      if (rel === 'none') continue;
      const full = portRel === 'all' && rel === 'all';
      if (mode === 'must') {
        if (full) {
          if (e.allow) {
            if (!key.endsWith('.DefaultNetworkAcl') || acl.entries.length > 2) hops.push(`  network ACL ${key} of ${subnet}: rule ${e.num} allows ${what}`);
            return;
          }
          throw new Dropped(`network ACL ${key} of ${subnet}`, `rule ${e.num} denies ${what}`);
        }
        if (!e.allow) {
          if (rel === 'unknown') throw new CannotDecide(`${this.name}: rule ${e.num} of network ACL ${key} denies ${cidr.text}, which may hold ${peer.label}`);
          throw new Dropped(`network ACL ${key} of ${subnet}`, `rule ${e.num} denies part of ${what}`);
        }
        if (rel === 'unknown') unsure.push(`rule ${e.num} allows ${cidr.text}, which may hold ${peer.label}`);
      } else {
        if (e.allow) return;
        if (full) throw new Dropped(`network ACL ${key} of ${subnet}`, `rule ${e.num} denies ${what}`);
      }
    }
    if (unsure.length) throw new CannotDecide(`${this.name}: network ACL ${key} of ${subnet}: ${unsure.join('; ')}, and no rule allows all of ${what}`);
    throw new Dropped(`network ACL ${key} of ${subnet}`, `no rule allows ${what} (the final rule denies all)`);
  }

  /** Network ACL checks for a packet leaving one subnet for another, and for its answer. */
  private crossing(srcSubnet: string, src: Addr, dstSubnet: string | null, dst: Addr, packet: Packet, hops: string[], mode: Mode): void {
    if (srcSubnet === dstSubnet) return; // ACLs filter traffic entering and leaving a subnet only
    const there: [number, number] = [packet.port, packet.port];
    this.nacl(srcSubnet, true, dst, packet.protocol, there, hops, mode);
    if (dstSubnet) {
      this.nacl(dstSubnet, false, src, packet.protocol, there, hops, mode);
      this.nacl(dstSubnet, true, src, packet.protocol, EPHEMERAL, hops, mode);
    }
    this.nacl(srcSubnet, false, dst, packet.protocol, EPHEMERAL, hops, mode);
  }

  private tableOf(subnet: string): { id: string; routes: Route[] } {
    const id = this.subnetTable.get(subnet);
    const vpc = this.vpcs.get(this.subnet(subnet).vpc)!;
    const local: Route[] = vpc.cidrs.map((c) => ({ id: 'local', dest: { cidr: c }, target: { kind: 'local' } }));
    // [RT] Without an explicit association a subnet uses the main route table, which CloudFormation cannot add routes to.
    if (!id) return { id: `the main route table of ${vpc.id}`, routes: local };
    return { id, routes: [...local, ...this.tables.get(id)!.routes] };
  }

  /** [RT] The route a subnet's table picks for a destination: longest prefix match, gateway endpoint prefix lists for their service. */
  private route(subnet: string, dst: Addr, hops: string[]): Route | undefined {
    const table = this.tableOf(subnet);
    if (dst.kind === 'public' && dst.service) {
      const ep = table.routes.find((r) => r.target.kind === 'gateway-endpoint' && r.target.service === dst.service);
      if (ep) {
        hops.push(`  route table ${table.id}: the ${dst.service} prefix list → gateway endpoint ${ep.id}`);
        return ep;
      }
    }
    let best: (Route & { dest: { cidr: Cidr } }) | undefined;
    const maybe: { label: string; bits: number }[] = [];
    for (const r of table.routes) {
      if (r.dest === 'ipv6' || 'endpointService' in r.dest) continue;
      if ('prefixList' in r.dest) {
        maybe.push({ label: `${r.id} (to ${r.dest.prefixList})`, bits: 33 });
        continue;
      }
      const rel = relate(r.dest.cidr, dst);
      if (rel === 'all' && (!best || r.dest.cidr.bits > best.dest.cidr.bits)) best = r as Route & { dest: { cidr: Cidr } };
      else if (rel === 'some' || rel === 'unknown') maybe.push({ label: `${r.id} (to ${r.dest.cidr.text})`, bits: r.dest.cidr.bits });
    }
    // A more specific route that may hold (part of) the destination would win, and a route for
    // the same block replaces the one we picked (a replaced local route): undecidable either way.
    const same = table.routes.filter((r) => best && r !== best && r.dest !== 'ipv6' && 'cidr' in r.dest && r.dest.cidr.text === best.dest.cidr.text);
    const overriding = [...maybe.filter((m) => !best || m.bits > best.dest.cidr.bits), ...same.map((r) => ({ label: `${r.id} (to ${best!.dest.cidr.text})`, bits: 0 }))];
    if (overriding.length) throw new CannotDecide(`${this.name}: route table ${table.id} has routes that may match ${dst.label}: ${overriding.map((m) => m.label).join(', ')}`);
    if (best) hops.push(`  route table ${table.id}: ${best.dest.cidr.text} → ${describeTarget(best.target)}`);
    return best;
  }

  /** A packet between two ENIs of one VPC: source egress, local route, ACLs, destination ingress. */
  private local(src: Eni, dst: Eni, packet: Packet, hops: string[], mode: Mode): void {
    const srcVpc = this.vpcOf(src);
    const dstVpc = this.vpcOf(dst);
    if (srcVpc.id !== dstVpc.id) throw new CannotDecide(`${this.name}: ${src.workload} and ${dst.workload} are in different VPCs (${srcVpc.id}, ${dstVpc.id}); peering is not modelled`);
    const srcAddr = this.addrOf(src);
    const dstAddr = this.addrOf(dst);
    hops.push(`  to ${dst.label}`);
    this.egress(src, packet, dstAddr, dst.sgs, hops, mode);
    if (mode === 'must') {
      const r = this.route(src.subnet, dstAddr, hops);
      if (!r || r.target.kind !== 'local') throw new Dropped(`route table of ${src.subnet}`, `${dstAddr.label} does not take the local route`);
    }
    this.crossing(src.subnet, srcAddr, dst.subnet, dstAddr, packet, hops, mode);
    this.ingress(dst, packet, srcAddr, src.sgs, hops, mode);
  }

  /** To an AWS service's regional endpoint: an interface endpoint with private DNS, a gateway endpoint, or the internet. */
  private toService(src: Eni, service: string, packet: Packet, hops: string[]): void {
    const vpc = this.vpcOf(src);
    const endpoints = this.workloads().filter((w) => w.kind === 'interface-endpoint' && this.endpointService(w.id) === service && this.refId(this.res[w.id]!.Properties!.VpcId, ['AWS::EC2::VPC'], `${w.id}.VpcId`) === vpc.id);
    const privateDns = endpoints.filter((w) => this.bool(this.res[w.id]!.Properties!.PrivateDnsEnabled, false, `${w.id}.PrivateDnsEnabled`));
    for (const w of endpoints.filter((e) => !privateDns.includes(e))) hops.push(`  interface endpoint ${w.id} has no private DNS: ${service}'s regional name still resolves to public addresses`);
    if (privateDns.length) {
      const ep = privateDns[0]!;
      // [IFE] Private DNS needs DNS resolution and DNS host names on the VPC.
      if (!vpc.dnsSupport || !vpc.dnsHostnames) throw new Dropped(`interface endpoint ${ep.id}`, `private DNS needs enableDnsSupport and enableDnsHostnames on ${vpc.id}`);
      if (!vpc.amazonDns) throw new Dropped(`interface endpoint ${ep.id}`, `${vpc.id}'s DHCP options do not use AmazonProvidedDNS, so the endpoint's private names do not resolve`);
      hops.push(`  ${service}'s regional name resolves to interface endpoint ${ep.id} (private DNS)`);
      for (const e of ep.enis()) this.local(src, e, packet, hops, 'must');
      return;
    }
    this.toPublic(src, { kind: 'public', label: `${service}'s public endpoint`, service }, packet, hops, 'must', 0);
  }

  private endpointService(id: string): string {
    return this.serviceOf(this.res[id]!.Properties!.ServiceName, `${id}.ServiceName`);
  }

  /** To a public address: security group, route, then the internet gateway, a NAT, or a gateway endpoint. */
  private toPublic(src: Eni, dst: Addr, packet: Packet, hops: string[], mode: Mode, depth: number, who = src.workload): void {
    if (depth > 3) throw new CannotDecide(`${this.name}: more than three NAT hops from ${src.workload}`);
    this.egress(src, packet, dst, null, hops, mode, who);
    const r = this.route(src.subnet, dst, hops);
    const table = this.tableOf(src.subnet).id;
    if (!r) throw new Dropped(`route table ${table} of ${src.subnet}`, `has no route for ${dst.label} (no 0.0.0.0/0 route: no internet access)`);
    const t = r.target;
    const srcAddr = this.addrOf(src);
    switch (t.kind) {
      case 'local':
        throw new Dropped(`route table ${table}`, `${dst.label} takes the local route`);
      case 'gateway-endpoint': {
        const p = this.res[t.id]!.Properties ?? {};
        if (p.PolicyDocument !== undefined) throw new CannotDecide(`${this.name}: gateway endpoint ${t.id} has an endpoint policy; which buckets or tables it allows is an IAM question this model does not evaluate`);
        hops.push(`  gateway endpoint ${t.id}: default policy (full access to ${t.service} in the region)`);
        this.crossing(src.subnet, srcAddr, null, dst, packet, hops, mode);
        return;
      }
      case 'igw': {
        this.checkIgw(t.id, src, hops);
        // [IGW] The internet gateway only translates addresses of ENIs with a public IPv4 address.
        if (!src.publicIp) throw new Dropped(`${who}`, `has no public IPv4 address, so internet gateway ${t.id} cannot carry its traffic${this._workloads.get(src.workload)?.kind === 'lambda' ? ' (a Lambda function in a VPC never has one)' : ''}`);
        hops.push(`  ${who} has a public IPv4 address: out through internet gateway ${t.id}`);
        this.crossing(src.subnet, srcAddr, null, dst, packet, hops, mode);
        return;
      }
      case 'nat-instance':
        return this.throughNatInstance(src, srcAddr, t.instance, dst, packet, hops, mode, depth);
      case 'nat-gateway': {
        const nat = this.workload(t.id).enis()[0]!;
        const np = this.res[t.id]!.Properties ?? {};
        // [NATGW] A public NAT gateway needs an Elastic IP and a public subnet.
        if (this.val(np.ConnectivityType) === 'private') throw new Dropped(`NAT gateway ${t.id}`, 'is a private NAT gateway: it does not reach the internet');
        if (np.AllocationId === undefined) throw new Dropped(`NAT gateway ${t.id}`, 'has no Elastic IP (AllocationId)');
        this.crossing(src.subnet, srcAddr, nat.subnet, dst, packet, hops, mode);
        hops.push(`  NAT gateway ${t.id} in ${nat.subnet} translates to its Elastic IP`);
        const r2 = this.route(nat.subnet, dst, hops);
        if (!r2 || r2.target.kind !== 'igw') throw new Dropped(`NAT gateway ${t.id}`, `its subnet ${nat.subnet} has no route to an internet gateway for ${dst.label}`);
        this.checkIgw(r2.target.id, nat, hops);
        this.crossing(nat.subnet, this.addrOf(nat), null, dst, packet, hops, mode);
        return;
      }
      case 'other':
        throw new CannotDecide(`${this.name}: route ${r.id} of ${table} sends ${dst.label} to ${t.what}, which this model does not know`);
    }
  }

  private checkIgw(igw: string, eni: Eni, hops: string[]): void {
    const vpc = this.subnet(eni.subnet).vpc;
    if (!this.igwAttachments.some((a) => a.igw === igw && a.vpc === vpc)) throw new Dropped(`internet gateway ${igw}`, `is not attached to ${vpc} (no VPCGatewayAttachment)`);
    hops.push(`  internet gateway ${igw} is attached to ${vpc}`);
  }

  /** [NATI] Through a NAT instance: source/destination check off, its group lets the packet in and out, a public IP, a route to the internet gateway. */
  private throughNatInstance(src: Eni, srcAddr: Addr, instance: string, dst: Addr, packet: Packet, hops: string[], mode: Mode, depth: number): void {
    const at = `NAT instance ${instance}`;
    const nat = this.workload(instance).enis()[0]!;
    const p = this.res[instance]!.Properties ?? {};
    if (this.bool(p.SourceDestCheck, true, `${instance}.SourceDestCheck`)) throw new Dropped(at, 'has its source/destination check on (SourceDestCheck is not false): it drops packets that are not addressed to itself');
    hops.push(`  ${at} in ${nat.subnet}: source/destination check off`);
    // The packet keeps its destination (the public address) on the way to the NAT.
    this.crossing(src.subnet, srcAddr, nat.subnet, dst, packet, hops, mode);
    const v = this.sgAllows(nat.sgs, false, packet, srcAddr, src.sgs, mode);
    if (!v.ok) {
      const sgs = nat.sgs!;
      throw new Dropped(at, `its security group${sgs.length > 1 ? 's' : ''} ${sgs.join(', ')} ha${sgs.length > 1 ? 've' : 's'} no ingress rule for ${fmtPacket(packet)} from ${srcAddr.label}`);
    }
    hops.push(`  ingress of ${at} allowed by ${v.by}`);
    if (!nat.publicIp) throw new Dropped(at, 'has no public IPv4 address (no AssociatePublicIpAddress, no Elastic IP)');
    // Translated, the packet leaves the NAT as the NAT's own: its egress, route and gateway.
    this.toPublic(nat, dst, packet, hops, mode, depth + 1, at);
  }

  /** [EKS-EP] To the cluster's private API endpoint: its ENIs in the cluster subnets, reached inside the VPC. */
  private toEksApi(src: Eni, cluster: Workload, packet: Packet, hops: string[]): void {
    if (cluster.kind !== 'eks-control-plane') throw new Error(`${cluster.id} is not an EKS cluster`);
    const vc = this.res[cluster.id]!.Properties!.ResourcesVpcConfig ?? {};
    const at = `EKS cluster ${cluster.id}`;
    if (!this.bool(vc.EndpointPrivateAccess, false, `${cluster.id}.ResourcesVpcConfig.EndpointPrivateAccess`)) throw new Dropped(at, 'has private endpoint access off: inside the VPC its API name resolves to the public endpoint');
    const enis = cluster.enis();
    const vpc = this.vpcOf(enis[0]!);
    if (this.vpcOf(src).id !== vpc.id) throw new Dropped(at, `its private endpoint is only resolvable inside ${vpc.id}`);
    if (!vpc.dnsSupport || !vpc.dnsHostnames) throw new Dropped(at, `the private endpoint needs enableDnsSupport and enableDnsHostnames on ${vpc.id}`);
    if (!vpc.amazonDns) throw new Dropped(at, `${vpc.id}'s DHCP options do not use AmazonProvidedDNS: the private endpoint's name does not resolve`);
    hops.push(`  the API name resolves to the control-plane ENIs of ${cluster.id} (private access on, VPC DNS on)`);
    for (const e of enis) this.local(src, e, packet, hops, 'must');
  }

  /** From the internet: a public IP, a route back through an attached internet gateway, ACLs, ingress from anywhere. */
  private fromInternet(dst: Eni, packet: Packet, hops: string[], mode: Mode): void {
    const internet: Addr = { kind: 'public', label: 'the internet (0.0.0.0/0)' };
    const w = this.workload(dst.workload);
    if (mode === 'must') this.checkListener(w, packet, hops);
    else if (w.kind === 'load-balancer' && !(this.listeners.get(w.id) ?? []).includes(packet.port)) throw new Dropped(`load balancer ${w.id}`, `no listener on ${packet.port}`);
    if (!dst.publicIp) throw new Dropped(dst.workload, `${dst.label} has no public IPv4 address${w.kind === 'load-balancer' ? ' (internal scheme)' : ''}`);
    const r = this.route(dst.subnet, internet, hops);
    if (!r || r.target.kind !== 'igw') throw new Dropped(`route table of ${dst.subnet}`, 'does not send answers to the internet through an internet gateway');
    this.checkIgw(r.target.id, dst, hops);
    const dstAddr = this.addrOf(dst);
    this.nacl(dst.subnet, false, internet, packet.protocol, [packet.port, packet.port], hops, mode);
    this.nacl(dst.subnet, true, internet, packet.protocol, EPHEMERAL, hops, mode);
    const v = this.sgAllows(dst.sgs, false, packet, internet, null, mode);
    if (!v.ok) throw new Dropped(dst.workload, `its security group${dst.sgs!.length > 1 ? 's' : ''} ${dst.sgs!.join(', ')} ha${dst.sgs!.length > 1 ? 've' : 's'} no ingress rule for ${fmtPacket(packet)} from 0.0.0.0/0`);
    hops.push(`  ingress of ${dst.workload} at ${dstAddr.label} allowed by ${v.by}`);
  }

  /**
   * Everything that may send `packet` to a workload (or to the ENIs carrying a security group):
   * the workloads of the template with a path to it, the internet, and the address ranges its
   * ingress rules let in (ENIs outside the template could hold those addresses). Over-approximates:
   * a path any rule may allow counts.
   */
  whoCanReach(destination: { workload: string } | { securityGroup: string }, packet: Packet): Reacher[] {
    if (this.unmodeledAttachments.length) throw new CannotDecide(`${this.name}: these resources have network interfaces this model does not know: ${this.unmodeledAttachments.join(', ')}`);
    const all = this.workloads();
    const dsts =
      'workload' in destination
        ? this.workload(destination.workload).enis()
        : all.flatMap((w) => w.enis()).filter((e) => e.sgs?.includes(destination.securityGroup));
    if (!dsts.length) throw new Error(`${this.name}: no ENI carries ${'securityGroup' in destination ? destination.securityGroup : ''}`);
    const out: Reacher[] = [];
    for (const w of all) {
      // Interface endpoints and NAT gateways never open connections into the VPC.
      if (w.kind === 'interface-endpoint' || w.kind === 'nat-gateway') continue;
      const via = this.firstPath(w.enis(), dsts, packet);
      if (via) out.push({ kind: 'workload', id: w.id, via });
    }
    for (const dst of dsts) {
      try {
        this.fromInternet(dst, packet, [], 'may');
        out.push({ kind: 'internet', id: 'internet', via: `${dst.label} has a public IP and an ingress rule for the internet` });
        break;
      } catch (e) {
        if (!(e instanceof Dropped)) throw e;
      }
    }
    const seen = new Set<string>();
    for (const dst of dsts) {
      for (const key of dst.sgs ?? []) {
        for (const r of this.sgs.get(key)!.rules) {
          if (r.egress || !(r.proto === '-1' || r.proto === packet.protocol)) continue;
          if (!(r.proto === '-1' || (r.from === -1 && r.to === -1) || (r.from <= packet.port && packet.port <= r.to))) continue;
          const p = r.peer;
          let id: string | undefined;
          if ('cidr' in p && this.vpcOf(dst).cidrs.some((c) => intersectsCidr(c, p.cidr))) id = `any address in ${p.cidr.text}`;
          if ('prefixList' in p) id = `the addresses of prefix list ${p.prefixList}`;
          if ('unresolved' in p) throw new CannotDecide(`${this.name}: ${r.origin}: ${p.unresolved}`);
          if (id && !seen.has(id)) {
            seen.add(id);
            out.push({ kind: 'addresses', id, via: r.origin });
          }
        }
      }
    }
    return out;
  }

  private firstPath(srcs: Eni[], dsts: Eni[], packet: Packet): string | undefined {
    for (const s of srcs) {
      for (const d of dsts) {
        // One ENI of a single instance is the instance itself; other placements stand for many instances.
        if (s === d && this._workloads.get(s.workload)!.kind === 'instance') continue;
        if (this.vpcOf(s).id !== this.vpcOf(d).id) continue;
        const hops: string[] = [];
        try {
          this.local(s, d, packet, hops, 'may');
          return hops.filter((h) => h.includes('ingress of')).map((h) => h.trim())[0];
        } catch (e) {
          if (!(e instanceof Dropped)) throw e;
        }
      }
    }
    return undefined;
  }
}

function describeRule(r: SgRule): string {
  const proto = r.proto === '-1' ? 'all traffic' : `${r.proto}/${r.from === -1 && r.to === -1 ? 'all' : r.from === r.to ? r.from : `${r.from}-${r.to}`}`;
  const p = r.peer;
  const peer = 'cidr' in p ? p.cidr.text : 'sg' in p ? `security group ${p.sg}` : 'prefixList' in p ? `prefix list ${p.prefixList}` : 'ipv6' in p ? 'IPv6' : p.unresolved;
  return `${proto} ${r.egress ? 'to' : 'from'} ${peer}`;
}

function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'local':
      return 'local';
    case 'igw':
      return `internet gateway ${t.id}`;
    case 'nat-instance':
      return `NAT instance ${t.instance}`;
    case 'nat-gateway':
      return `NAT gateway ${t.id}`;
    case 'gateway-endpoint':
      return `gateway endpoint ${t.id}`;
    case 'other':
      return t.what;
  }
}

/** The hops of a result, one per line (for failure messages and debugging). */
export function explain(result: PathResult): string {
  return [result.summary, ...result.hops].join('\n');
}
