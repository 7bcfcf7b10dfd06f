import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkInteger, checkOneOf } from '../../lib/validate';
import { acknowledgeNag } from './nag';

/**
 * How replicas in private subnets reach the internet (packages, SSM, ECR, CloudWatch).
 * - `nat-instance`: one t4g.nano NAT instance (about $3/month plus data), the cheapest safe default.
 * - `nat-gateway`: one managed NAT gateway per AZ (about $33/month each plus $0.045/GB): highly available.
 * - `none`: no internet route; bring your own VPC endpoints.
 */
export type EgressMode = 'nat-instance' | 'nat-gateway' | 'none';

export interface AppNetworkProps {
  /**
   * How many Availability Zones to span (at least two, so one zone's loss leaves replicas).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * How private subnets reach the internet.
   * @default 'nat-instance'
   */
  readonly egress?: EgressMode;
  /**
   * The NAT instance's type, for `egress: 'nat-instance'`.
   * @default t4g.nano
   */
  readonly natInstanceType?: ec2.InstanceType;
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
}

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
  /** The egress mode in use. */
  public readonly egress: EgressMode;

  constructor(scope: Construct, id: string, props: AppNetworkProps = {}) {
    super(scope, id);
    checkInteger(this, 'maxAzs', props.maxAzs, { min: 2, max: 6 });
    checkOneOf(this, 'egress', props.egress, ['nat-instance', 'nat-gateway', 'none'] as const);
    if (props.natInstanceType && props.egress !== undefined && props.egress !== 'nat-instance') {
      throw new OrchestrationError(this, 'natInstanceType', props.natInstanceType.toString(), `only applies with egress 'nat-instance' (egress is '${props.egress}')`);
    }
    const egress = props.egress ?? 'nat-instance';
    this.egress = egress;
    const maxAzs = props.maxAzs ?? 2;

    const natGatewayProvider =
      egress === 'nat-instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: props.natInstanceType ?? new ec2.InstanceType('t4g.nano'),
            machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            associatePublicIpAddress: true,
          })
        : egress === 'nat-gateway'
          ? ec2.NatProvider.gateway()
          : undefined;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGatewayProvider,
      natGateways: egress === 'none' ? 0 : egress === 'nat-instance' ? 1 : maxAzs,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: egress === 'none' ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: true,
    });

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.flowLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup) });

    if (natGatewayProvider instanceof ec2.NatInstanceProviderV2) {
      for (const nat of natGatewayProvider.gatewayInstances) {
        // The provider has no volume or metadata props: encrypt the root volume (AL2023's /dev/xvda) here.
        const cfn = nat.node.defaultChild as ec2.CfnInstance;
        cfn.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } }];
        // IMDSv2 only, like every instance of this library (set on the instance: a launch template per
        // instance would make cdk-nag 3.0.2's EC26 rule throw).
        cfn.metadataOptions = { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 };
        this.acknowledgeNatInstance(nat);
      }
    }
  }

  private acknowledgeNatInstance(target: ec2.Instance): void {
    acknowledgeNag(target, 'AwsSolutions-EC28', 'The NAT instance only forwards packets; basic (5-minute) monitoring is enough and detailed monitoring would cost more than the instance.');
    acknowledgeNag(target, 'AwsSolutions-EC29', 'The NAT instance is stateless and replaced by CloudFormation; termination protection would block stack updates and deletes.');
    acknowledgeNag(target, 'AwsSolutions-EC26', 'The NAT instance\'s root volume is encrypted by its BlockDeviceMappings (tested); cdk-nag 3.0.2\'s EC26 rule throws on an instance without a launch template when its stack also holds a launch template (the vm style\'s).');
  }
}
