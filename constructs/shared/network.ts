import { CfnResource, Fn, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkInteger, checkKnownProps } from '../../lib/validate';
import { sharedAsset } from './app-runtime';
import { acknowledgeControl } from './compliance';
import { grantLogsUse } from './log-encryption';
import { acknowledgeNag } from './nag';

/** How long CloudFormation waits for a new NAT instance to report that it forwards. */
export const NAT_SETUP_TIMEOUT_MINUTES = 15;

/** The kinds of {@link NetworkEgress}. */
export enum EgressMode {
  /** One NAT instance. */
  NAT_INSTANCE = 'nat-instance',
  /** One managed NAT gateway per Availability Zone. */
  NAT_GATEWAY = 'nat-gateway',
  /** No internet route. */
  NONE = 'none',
}

/** Options of {@link NetworkEgress.natInstance}. */
export interface NatInstanceOptions {
  /**
   * The NAT instance's type.
   * @default t4g.nano
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * The NAT instance's image. It must be Amazon Linux 2023 (or compatible: dnf,
   * iptables-services, cfn-signal in /opt/aws/bin).
   * @default - the latest AL2023 for the instance type's architecture, resolved by EC2 when the
   *   instance launches (`resolve:ssm:` of the public parameter), so a new AMI release never
   *   replaces a running NAT instance: the image changes only when the instance is replaced
   *   for another reason or you pass an image here
   */
  readonly machineImage?: ec2.IMachineImage;
}

/**
 * How replicas in private subnets reach the internet (packages, SSM, ECR, CloudWatch):
 * - `NetworkEgress.natInstance()`: one t4g.nano NAT instance (about $3/month plus data), the cheapest safe default.
 * - `NetworkEgress.natGateway()`: one managed NAT gateway per AZ (about $33/month each plus $0.045/GB): highly available.
 * - `NetworkEgress.none()`: no internet route; bring your own VPC endpoints.
 */
export class NetworkEgress {
  /** One NAT instance for the whole network (the default). */
  public static natInstance(options: NatInstanceOptions = {}): NetworkEgress {
    const fn = 'NetworkEgress.natInstance';
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new OrchestrationError('', `${fn}(options)`, options, 'must be an object, for example { instanceType: new ec2.InstanceType(\'t4g.nano\') }');
    for (const key of Object.keys(options)) {
      if (!Object.prototype.hasOwnProperty.call(NAT_INSTANCE_OPTIONS, key)) {
        throw new OrchestrationError('', `${fn}(options.${key})`, (options as Record<string, unknown>)[key], `is not a known option: known options are ${Object.keys(NAT_INSTANCE_OPTIONS).join(', ')}`);
      }
    }
    if (options.instanceType !== undefined && !(options.instanceType instanceof ec2.InstanceType)) {
      throw new OrchestrationError('', `${fn}(options.instanceType)`, options.instanceType, "must be an ec2.InstanceType, for example new ec2.InstanceType('t4g.nano')");
    }
    const image = options.machineImage as { getImage?: unknown } | undefined;
    if (image !== undefined && (image === null || typeof image !== 'object' || typeof image.getImage !== 'function')) {
      throw new OrchestrationError('', `${fn}(options.machineImage)`, image, 'must be an ec2.IMachineImage, for example ec2.MachineImage.genericLinux({ ... })');
    }
    return new NetworkEgress(EgressMode.NAT_INSTANCE, options.instanceType, options.machineImage);
  }

  /** One managed NAT gateway per Availability Zone: highly available, about ten times the price. */
  public static natGateway(): NetworkEgress {
    return new NetworkEgress(EgressMode.NAT_GATEWAY);
  }

  /** No route to the internet: private subnets are isolated (bring your own VPC endpoints). */
  public static none(): NetworkEgress {
    return new NetworkEgress(EgressMode.NONE);
  }

  /** Which kind of egress. */
  public readonly mode: EgressMode;
  /**
   * The NAT instance's type, for a NAT instance.
   * @default - t4g.nano for a NAT instance; none otherwise
   */
  public readonly instanceType?: ec2.InstanceType;
  /**
   * The NAT instance's image, when given.
   * @default - the latest AL2023 resolved at launch
   */
  public readonly machineImage?: ec2.IMachineImage;

  private constructor(mode: EgressMode, instanceType?: ec2.InstanceType, machineImage?: ec2.IMachineImage) {
    this.mode = mode;
    this.instanceType = instanceType;
    this.machineImage = machineImage;
  }
}

const NAT_INSTANCE_OPTIONS: Record<keyof NatInstanceOptions, true> = { instanceType: true, machineImage: true };

export interface AppNetworkProps {
  /**
   * How many Availability Zones to span (at least two, so one zone's loss leaves replicas).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * How private subnets reach the internet: `NetworkEgress.natInstance({ instanceType, machineImage })`,
   * `NetworkEgress.natGateway()` or `NetworkEgress.none()`.
   * @default NetworkEgress.natInstance()
   */
  readonly egress?: NetworkEgress;
  /**
   * Retention of the VPC flow logs (all traffic, to CloudWatch Logs).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * What happens to the flow log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly flowLogRemovalPolicy?: RemovalPolicy;
  /**
   * A customer-managed KMS key that encrypts the flow log group (AWS Control Tower's
   * CT.CLOUDWATCH.PR.3). A key made in this app gets the key policy statement that lets CloudWatch
   * Logs use it for this account's log groups ({@link grantLogsUse}); an imported key's policy must
   * already allow that (`LogsKey` makes such a key).
   * @default - CloudWatch Logs' own encryption
   */
  readonly flowLogEncryptionKey?: kms.IKey;
}

/** Every prop of {@link AppNetworkProps}, for callers without a type checker (a missing one fails tsc). */
const APP_NETWORK_PROPS: Record<keyof AppNetworkProps, true> = { maxAzs: true, egress: true, flowLogRetention: true, flowLogRemovalPolicy: true, flowLogEncryptionKey: true };

/**
 * The network every instance-based style (server, vm, container) builds by default:
 * public subnets that hold only load balancers and the NAT (no automatic public IPs),
 * private subnets with egress for the replicas, a free S3 gateway endpoint (package
 * repositories and assets), and VPC flow logs.
 */
export class AppNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;
  /** The flow log group. */
  public readonly flowLogGroup: logs.LogGroup;
  /** The egress in use. */
  public readonly egress: NetworkEgress;

  constructor(scope: Construct, id: string, props: AppNetworkProps = {}) {
    super(scope, id);
    checkKnownProps(this, props, APP_NETWORK_PROPS);
    checkConcrete(this, 'maxAzs', props.maxAzs, 'it decides how many subnets, routes and NAT gateways exist');
    checkConcrete(this, 'flowLogRemovalPolicy', props.flowLogRemovalPolicy, "it becomes the log group's DeletionPolicy, which takes no deploy-time value");
    if (props.egress !== undefined && !(props.egress instanceof NetworkEgress)) {
      throw new OrchestrationError(this, 'egress', props.egress, 'must be made with NetworkEgress.natInstance(), NetworkEgress.natGateway() or NetworkEgress.none()');
    }
    const egress = props.egress ?? NetworkEgress.natInstance();
    if (egress.machineImage === undefined) {
      checkConcrete(this, 'egress.instanceType', egress.instanceType, 'the default NAT image is picked for its architecture at synth; pass NetworkEgress.natInstance({ machineImage }) too');
    }
    checkInteger(this, 'maxAzs', props.maxAzs, { min: 2, max: 6 });
    this.egress = egress;
    const mode = egress.mode;
    const maxAzs = props.maxAzs ?? 2;

    const natInstanceType = egress.instanceType ?? new ec2.InstanceType('t4g.nano');
    const natGatewayProvider =
      mode === EgressMode.NAT_INSTANCE
        ? ec2.NatProvider.instanceV2({
            instanceType: natInstanceType,
            machineImage: egress.machineImage ?? latestAmazonLinux2023AtLaunch(natInstanceType),
            // Nothing may send through the NAT until allowed: the private subnets are, below.
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            associatePublicIpAddress: true,
            // Replaced per instance below (it needs the instance's logical ID to signal).
            userData: ec2.UserData.custom(''),
          })
        : mode === EgressMode.NAT_GATEWAY
          ? ec2.NatProvider.gateway()
          : undefined;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGatewayProvider,
      natGateways: mode === EgressMode.NONE ? 0 : mode === EgressMode.NAT_INSTANCE ? 1 : maxAzs,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: mode === EgressMode.NONE ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: true,
    });

    this.acknowledgeRestrictDefaultSgProvider();

    const key = props.flowLogEncryptionKey as { keyArn?: unknown } | undefined;
    if (key !== undefined && (key === null || typeof key !== 'object' || typeof key.keyArn !== 'string')) {
      throw new OrchestrationError(this, 'flowLogEncryptionKey', key, 'must be a KMS key (kms.IKey), for example new LogsKey(this, \'LogsKey\').key');
    }
    if (props.flowLogEncryptionKey) grantLogsUse(props.flowLogEncryptionKey);
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.flowLogRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.flowLogEncryptionKey,
    });
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup) });

    if (natGatewayProvider instanceof ec2.NatInstanceProviderV2) {
      // The private subnets (and only they) may send through the NAT: packets they route to it
      // arrive as inbound traffic on its security group, which has no ingress rule by default.
      for (const subnet of this.vpc.privateSubnets) {
        natGatewayProvider.connections.allowFrom(ec2.Peer.ipv4(subnet.ipv4CidrBlock), ec2.Port.allTraffic(), `Forward traffic of private subnet ${subnet.node.path}`);
      }
      for (const nat of natGatewayProvider.gatewayInstances) this.configureNatInstance(nat);
    }
  }

  /**
   * Hardens one NAT instance and makes CloudFormation wait until it forwards: its own set-up
   * script (retried install, checked result) signals the instance's CreationPolicy, so nothing
   * that depends on the private subnets' routes starts before the NAT works.
   */
  private configureNatInstance(nat: ec2.Instance): void {
    const cfn = nat.node.defaultChild as ec2.CfnInstance;
    // The provider has no volume or metadata props: encrypt the root volume (AL2023's /dev/xvda) here.
    cfn.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } }];
    // IMDSv2 only, like every instance of this library (set on the instance: a launch template per
    // instance would make cdk-nag 3.0.2's EC26 rule throw).
    cfn.metadataOptions = { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 };
    const stack = Stack.of(nat);
    const logicalId = Lazy.string({ produce: () => stack.getLogicalId(cfn as CfnResource) });
    cfn.userData = Fn.base64(renderNatUserData({ stackName: stack.stackName, resource: logicalId, region: stack.region }));
    cfn.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: `PT${NAT_SETUP_TIMEOUT_MINUTES}M` } };
    acknowledgeImageResolvedAtLaunch(cfn);
    this.acknowledgeNatInstance(nat);
  }

  /**
   * `restrictDefaultSecurityGroup` makes aws-cdk-lib add one stack-wide custom resource provider
   * (a Lambda function outside any VPC) that removes the default security group's rules.
   */
  private acknowledgeRestrictDefaultSgProvider(): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (!provider) return;
    acknowledgeControl(
      provider,
      'CT.LAMBDA.PR.3',
      "aws-cdk-lib's provider behind the VPC's restrictDefaultSecurityGroup: it runs only while CloudFormation deploys the VPC, calls the EC2 API to revoke the default security group's rules, and serves no traffic and no data; inside the VPC it configures it would need that VPC's NAT or endpoints before they exist.",
    );
  }

  private acknowledgeNatInstance(target: ec2.Instance): void {
    acknowledgeNag(target, 'AwsSolutions-EC28', 'The NAT instance only forwards packets; basic (5-minute) monitoring is enough and detailed monitoring would cost more than the instance.');
    acknowledgeNag(target, 'AwsSolutions-EC29', 'The NAT instance is stateless and replaced by CloudFormation; termination protection would block stack updates and deletes.');
    acknowledgeNag(target, 'AwsSolutions-EC26', 'The NAT instance\'s root volume is encrypted by its BlockDeviceMappings (tested); cdk-nag 3.0.2\'s EC26 rule throws on an instance without a launch template when its stack also holds a launch template (the vm style\'s).');
  }
}

/** The props of a construct that takes a VPC or creates its own {@link AppNetwork}. */
export interface NetworkChoice {
  /** The VPC to use. */
  readonly vpc?: ec2.IVpc;
  /** Settings of the network created when `vpc` is not given. */
  readonly network?: AppNetworkProps;
}

/** `vpc` when given, else a new {@link AppNetwork} `Network` in `scope`; both given is an error. */
export function vpcOrNewNetwork(scope: Construct, props: NetworkChoice): { vpc: ec2.IVpc; network?: AppNetwork } {
  if (props.vpc && props.network) throw new OrchestrationError(scope, 'network', '(network settings)', 'only applies when the construct creates the VPC; remove it or remove vpc');
  if (props.vpc) return { vpc: props.vpc };
  const network = new AppNetwork(scope, 'Network', props.network);
  return { vpc: network.vpc, network };
}

/**
 * The latest Amazon Linux 2023 for an instance type's architecture, as `resolve:ssm:<public
 * parameter>`: EC2 resolves it when the instance launches, so the template does not change when
 * AWS publishes a new AMI and CloudFormation never replaces a running instance for it (unlike
 * `MachineImage.latestAmazonLinux2023()`, a template parameter resolved at every deploy).
 */
export function latestAmazonLinux2023AtLaunch(instanceType: ec2.InstanceType): ec2.IMachineImage {
  const cpuType = instanceType.architecture === ec2.InstanceArchitecture.ARM_64 ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64;
  return ec2.MachineImage.resolveSsmParameterAtLaunch(ec2.AmazonLinux2023ImageSsmParameter.ssmParameterName({ cpuType }), { os: ec2.OperatingSystemType.LINUX });
}

/**
 * aws-cdk-lib's built-in CloudFormation validation (E1152) accepts only `ami-...` as an instance's
 * ImageId, but EC2 documents `resolve:ssm:<parameter>` for RunInstances (the AMI is looked up at
 * launch; public AMI parameters such as /aws/service/ami-amazon-linux-latest/* are of data type
 * aws:ec2:image). Acknowledged on the instance, only when its image is such a reference.
 */
export function acknowledgeImageResolvedAtLaunch(cfn: ec2.CfnInstance): void {
  const imageId = cfn.imageId;
  if (typeof imageId !== 'string' || Token.isUnresolved(imageId) || !imageId.startsWith('resolve:ssm:')) return;
  Validations.of(cfn).acknowledge({
    id: 'CloudFormation-Validate::E1152',
    reason: `ImageId ${imageId} is an SSM parameter EC2 resolves when the instance launches (EC2 User Guide, "Reference AMIs using Systems Manager parameters"), so a new AMI release never replaces the running instance; the validator's format only knows literal ami- IDs.`,
  });
}

/** The NAT instance's user data: where to signal, then `assets/nat-instance.sh`. */
export function renderNatUserData(target: { stackName: string; resource: string; region: string }): string {
  return ['#!/bin/bash', `NAT_STACK='${target.stackName}'`, `NAT_RESOURCE='${target.resource}'`, `NAT_REGION='${target.region}'`, sharedAsset('nat-instance.sh')].join('\n');
}
