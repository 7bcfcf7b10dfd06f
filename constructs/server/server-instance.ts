import { Duration, Fn, type Size, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkType, sizeInGiB } from '../../lib/validate';
import { acknowledgeNag } from '../shared/nag';
import { acknowledgeImageResolvedAtLaunch, latestAmazonLinux2023AtLaunch } from '../shared/network';

/**
 * Internal helpers shared by the fleet and the load balancer: one hardened EC2 instance, its
 * recover alarm, and base64 that works on deploy-time values.
 */

/** Instance settings both server constructs expose. */
export interface ServerInstanceOptions {
  /**
   * The instance type. A deploy-time value (`new ec2.InstanceType(param.valueAsString)`) needs
   * `machineImage`: the default image is chosen for the type's architecture at synth.
   * @default t3.micro (the book's t2.micro, one generation newer)
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * The machine image. It must be Amazon Linux 2023 (or compatible: dnf, systemd, cloud-init).
   * @default - the latest AL2023 for the instance type's architecture, resolved by EC2 when the
   *   instance launches (`resolve:ssm:` of the public parameter): a new AMI release does not change
   *   the template, so it never replaces a running server; pass an image to choose when it changes
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * Require IMDSv2 session tokens for the instance metadata service.
   * @default true
   */
  readonly requireImdsv2?: boolean;
  /**
   * Encrypt the root volume (with the account's default EBS key).
   * @default true
   */
  readonly encryptVolumes?: boolean;
  /**
   * Root volume size (gp3), whole GiB from 8 to 16384, for example `Size.gibibytes(20)`. May be a
   * deploy-time value written in GiB (`Size.gibibytes(param.valueAsNumber)`).
   * @default Size.gibibytes(8)
   */
  readonly rootVolumeSize?: Size;
  /**
   * One-minute CloudWatch metrics for the instances (paid).
   * @default false
   */
  readonly detailedMonitoring?: boolean;
}

/** The names of {@link ServerInstanceOptions}: a prop added to the interface and not here fails to compile. */
export const SERVER_INSTANCE_OPTION_NAMES: Record<keyof ServerInstanceOptions, true> = {
  instanceType: true,
  machineImage: true,
  requireImdsv2: true,
  encryptVolumes: true,
  rootVolumeSize: true,
  detailedMonitoring: true,
};

/**
 * Checks instance options for every caller (types for plain JavaScript, ranges, deploy-time values).
 * `prefix` names the object they came in (`'loadBalancer.'`).
 */
export function validateInstanceOptions(where: IConstruct, o: ServerInstanceOptions, prefix = ''): void {
  const p = (k: string) => `${prefix}${k}`;
  for (const k of ['requireImdsv2', 'encryptVolumes', 'detailedMonitoring'] as const) checkType(where, p(k), o[k], 'boolean');
  sizeInGiB(where, p('rootVolumeSize'), o.rootVolumeSize, ROOT_VOLUME_GIB);
  if (o.instanceType !== undefined && (o.instanceType === null || typeof (o.instanceType as { sameInstanceClassAs?: unknown }).sameInstanceClassAs !== 'function')) {
    throw new OrchestrationError(where, p('instanceType'), o.instanceType, "must be an ec2.InstanceType, for example new ec2.InstanceType('t3.micro')");
  }
  if (o.machineImage !== undefined && (o.machineImage === null || typeof (o.machineImage as { getImage?: unknown }).getImage !== 'function')) {
    throw new OrchestrationError(where, p('machineImage'), o.machineImage, 'must be an ec2.IMachineImage, for example ec2.MachineImage.genericLinux({ ... })');
  }
  if (o.instanceType !== undefined && Token.isUnresolved(o.instanceType.toString()) && o.machineImage === undefined) {
    throw new OrchestrationError(where, p('instanceType'), o.instanceType.toString(), `comes from a deploy-time value, so it needs ${p('machineImage')}: the default Amazon Linux 2023 image is chosen for the instance type's architecture at synth`);
  }
}

/** The root volume sizes EBS gp3 takes, in GiB (8: the Amazon Linux 2023 image's own volume). */
const ROOT_VOLUME_GIB = { min: 8, max: 16384 };

/** A VPC passed by a caller without a type checker is a VPC construct, not its ID. */
export function checkVpc(where: IConstruct, vpc: unknown, prop = 'vpc'): void {
  if (vpc === undefined || (vpc !== null && typeof (vpc as { selectSubnets?: unknown }).selectSubnets === 'function')) return;
  throw new OrchestrationError(where, prop, vpc, "must be an ec2.IVpc (a VPC construct, or ec2.Vpc.fromVpcAttributes(...) for an existing one), not an ID");
}

export interface HardenedInstanceProps extends ServerInstanceOptions {
  readonly vpc: ec2.IVpc;
  readonly subnet: ec2.ISubnet;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly role: iam.IRole;
  readonly userData: ec2.UserData;
  readonly associatePublicIpAddress?: boolean;
  readonly purpose: string;
}

/** An EC2 instance without SSH key, with IMDSv2 and an encrypted gp3 root volume, and its recover alarm. */
export function hardenedInstance(scope: Construct, id: string, props: HardenedInstanceProps): { instance: ec2.Instance; recoverAlarm: cloudwatch.Alarm } {
  const instanceType = props.instanceType ?? new ec2.InstanceType('t3.micro');
  const instance = new ec2.Instance(scope, id, {
    vpc: props.vpc,
    vpcSubnets: { subnets: [props.subnet] },
    securityGroup: props.securityGroup,
    instanceType,
    machineImage: props.machineImage ?? latestAmazonLinux2023AtLaunch(instanceType),
    role: props.role,
    userData: props.userData,
    detailedMonitoring: props.detailedMonitoring ?? false,
    associatePublicIpAddress: props.associatePublicIpAddress,
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(sizeInGiB(scope, 'rootVolumeSize', props.rootVolumeSize, ROOT_VOLUME_GIB) ?? 8, {
          encrypted: props.encryptVolumes ?? true,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      },
    ],
    propagateTagsToVolumeOnCreation: true,
  });
  // Boot only once the subnet has its route out (ec2.Instance adds this only for public IPs):
  // the bootstrap installs packages and the SSM agent must reach SSM.
  instance.node.addDependency(props.vpc.selectSubnets({ subnets: [props.subnet] }).internetConnectivityEstablished);
  // IMDSv2 on the instance itself (Instance's requireImdsv2 adds a launch template per instance,
  // which also makes cdk-nag 3.0.2's EC26 rule crash on the stack's NAT instance).
  const cfn = instance.node.defaultChild as ec2.CfnInstance;
  acknowledgeImageResolvedAtLaunch(cfn);
  cfn.metadataOptions = {
    httpEndpoint: 'enabled',
    httpTokens: (props.requireImdsv2 ?? true) ? 'required' : 'optional',
    httpPutResponseHopLimit: 1,
  };
  if (props.detailedMonitoring !== true) {
    acknowledgeNag(instance, 'AwsSolutions-EC28', `${props.purpose}: basic monitoring is the cost-conscious default; the recover alarm uses the status-check metric, which is one-minute without detailed monitoring. Set detailedMonitoring: true to turn it on.`);
  }
  acknowledgeNag(instance, 'AwsSolutions-EC29', `${props.purpose}: CloudFormation owns the instance's lifecycle (replacement on instance-type or image changes, stack deletion); termination protection would block those updates.`);
  if ((props.encryptVolumes ?? true) === false) {
    acknowledgeNag(instance, 'AwsSolutions-EC26', `${props.purpose}: root volume encryption was switched off explicitly with encryptVolumes: false.`);
  }

  const recoverAlarm = new cloudwatch.Alarm(scope, `${id}RecoverAlarm`, {
    metric: new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'StatusCheckFailed_System',
      dimensionsMap: { InstanceId: instance.instanceId },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    }),
    threshold: 1,
    evaluationPeriods: 2,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.MISSING,
    alarmDescription: `Recovers ${props.purpose} (${instance.node.path}) onto healthy hardware when its system status check fails for 2 minutes.`,
  });
  recoverAlarm.addAlarmAction(new cwActions.Ec2Action(cwActions.Ec2InstanceAction.RECOVER));
  return { instance, recoverAlarm };
}

/** base64 of a text that may contain deploy-time values: at synth when it can, else Fn::Base64. */
export function base64(text: string): string {
  return Token.isUnresolved(text) ? Fn.base64(text) : Buffer.from(text, 'utf8').toString('base64');
}

/** A Command document parameter of type String, constrained by a pattern. */
export function stringParameter(description: string, allowedPattern: string): Record<string, string> {
  return { type: 'String', description, allowedPattern };
}

/** The shape of a Command document whose one step runs a shell script with parameters. */
export function shellDocument(description: string, parameters: Record<string, Record<string, string>>, script: string, timeoutParameter: string): Record<string, unknown> {
  return {
    schemaVersion: '2.2',
    description,
    parameters,
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'run',
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { timeoutSeconds: `{{ ${timeoutParameter} }}`, runCommand: script.split('\n') },
      },
    ],
  };
}

/** `logEncryptionKey` and `alarmTopic` from callers without a type checker: a key, a topic (not their ARNs). */
export function checkLogKeyAndTopic(where: IConstruct, props: { logEncryptionKey?: unknown; alarmTopic?: unknown }, prefix = ''): void {
  const key = props.logEncryptionKey as { keyArn?: unknown } | null | undefined;
  if (key !== undefined && (key === null || typeof key !== 'object' || typeof key.keyArn !== 'string')) {
    throw new OrchestrationError(where, `${prefix}logEncryptionKey`, key, 'must be a KMS key (kms.IKey), for example new LogsKey(this, \'LogsKey\').key, not its ARN');
  }
  const topic = props.alarmTopic as { topicArn?: unknown } | null | undefined;
  if (topic !== undefined && (topic === null || typeof topic !== 'object' || typeof topic.topicArn !== 'string')) {
    throw new OrchestrationError(where, `${prefix}alarmTopic`, topic, 'must be an SNS topic (sns.ITopic), for example new AlarmTopic(this, \'Alarms\').topic, not its ARN');
  }
}
