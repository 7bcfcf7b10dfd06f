import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { DEFAULT_BOOT_AND_START_SECONDS, estimateRollout, replicasPerBatch, type RolloutEstimate } from '../../lib/rollout-estimate';
import { checkDuration, checkExclusive, checkInteger, checkNumber, checkOneOf, checkPattern } from '../../lib/validate';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { acknowledgeNag } from '../shared/nag';
import { bindSecrets } from '../shared/secrets';
import { appVersion, DEFAULT_CODE_EXCLUDE, sourceDirectory } from '../shared/source';
import { enableAccessLogs } from './access-logs';
import { AppImage, type ImageBuilderOptions } from './app-image';
import { renderUserDataCommands } from './boot';

/** What target tracking follows. */
export type VmScalingMetric = 'cpu' | 'requests';

/** Props of {@link VmService}. */
export interface VmServiceProps {
  /**
   * The app: its code (`source.directory`, ready-to-run JavaScript baked into the image),
   * command, port, health path, configuration, secrets, replicas (group min/max, CPU target)
   * and rollout limits (instance refresh percentages and warmup).
   */
  readonly app: AppDescription;

  /**
   * The VPC. The ALB goes into its public subnets, the instances into `vpcSubnets`.
   * @default - a new `AppNetwork` (two AZs, one NAT instance, S3 gateway endpoint, flow logs)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Settings of the network created when `vpc` is not given.
   * @default - AppNetwork's defaults
   */
  readonly network?: AppNetworkProps;

  /**
   * The subnets of the instances and the image build. They need outbound access (SSM,
   * CloudWatch Logs, packages).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Instance types, all of one architecture. With more than one, the group uses a mixed
   * instances policy (on-demand, in the listed order of priority).
   * @default [t4g.micro] (Graviton, 2 vCPU, 1 GiB)
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * Use this AMI instead of baking one (for example a Packer image built with
   * `assets/install-app.sh`). The image must contain Node.js at /usr/local/bin/node (or `node`
   * on the PATH), the user `app-user` and the app in /opt/app.
   * @default - an image baked in the stack by EC2 Image Builder
   */
  readonly amiId?: string;

  /**
   * Use the AMI id stored in this SSM parameter, read at deploy time (never at synth).
   * Same image requirements as `amiId`.
   * @default - an image baked in the stack by EC2 Image Builder
   */
  readonly amiParameterName?: string;

  /**
   * Options of the image baked with EC2 Image Builder. Not with `amiId` or `amiParameterName`.
   * @default - Node.js 22, a t4g.small (or t3.small) build instance, image tests on
   */
  readonly imageBuilder?: ImageBuilderOptions;

  /**
   * Root volume size in GiB (encrypted gp3).
   * @default 8
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * The group's minimum size. Overrides `app.replicas.min` (they must agree when both are set).
   * @default 3 (the book's)
   */
  readonly minCapacity?: number;

  /**
   * The group's maximum size. Overrides `app.replicas.max` (they must agree when both are set).
   * @default 10 (the book's)
   */
  readonly maxCapacity?: number;

  /**
   * Instance refresh: share of the group kept in service during a rollout. The shared
   * `app.rollout.maxUnavailablePercent` is 100 minus this.
   * @default 100
   */
  readonly minHealthyPercentage?: number;

  /**
   * Instance refresh: share of the group that may run during a rollout (100-200). The shared
   * `app.rollout.maxSurgePercent` is this minus 100.
   * @default 200
   */
  readonly maxHealthyPercentage?: number;

  /**
   * Instance refresh: how long a new instance must be in service before the refresh counts it
   * (also the group's default instance warmup for scaling). Same as `app.rollout.bakeTime`.
   * @default Duration.seconds(30)
   */
  readonly instanceWarmup?: Duration;

  /**
   * How long an instance needs from launch until the app answers its health check (boot, user
   * data, app start). Sizes the health check grace period and the unhealthy-hosts alarm, and
   * feeds {@link rolloutEstimate}.
   * @default Duration.seconds(90)
   */
  readonly bootAndStartTime?: Duration;

  /**
   * Instance refresh checkpoints: pause after replacing these percentages of the group
   * (ascending, the last one 100).
   * @default - no checkpoints
   */
  readonly checkpointPercentages?: number[];

  /**
   * The pause at each checkpoint. Only with `checkpointPercentages`.
   * @default Duration.hours(1) (CloudFormation's default) when checkpoints are set
   */
  readonly checkpointDelay?: Duration;

  /**
   * How long CloudFormation keeps watching the alarms after the refresh finished before it
   * counts the update as successful (0 to 48 h).
   * @default Duration.seconds(0)
   */
  readonly refreshBakeTime?: Duration;

  /**
   * The refresh fails (and the stack rolls back) when the 5xx rate (target 5xx plus ALB 5xx,
   * per minute, in percent of requests) reaches this. Only with `app.rollout.autoRollback`.
   * @default 5
   */
  readonly max5xxPercent?: number;

  /**
   * More alarms that fail the refresh when they go to ALARM (at most 8 besides the two built-in ones).
   * @default - none
   */
  readonly refreshAlarms?: cloudwatch.IAlarm[];

  /**
   * What target tracking follows: average CPU (`app.replicas.targetCpuPercent`) or ALB
   * requests per target per minute (`targetRequestsPerMinute`).
   * @default 'cpu'
   */
  readonly scaleOn?: VmScalingMetric;

  /**
   * The requests per target per minute target tracking aims for, with `scaleOn: 'requests'`.
   * @default 1000
   */
  readonly targetRequestsPerMinute?: number;

  /**
   * The target group's health check interval (5 s to 300 s).
   * @default Duration.seconds(10)
   */
  readonly healthCheckInterval?: Duration;

  /**
   * Consecutive passing checks before an instance takes traffic (2-10).
   * @default 2
   */
  readonly healthyThresholdCount?: number;

  /**
   * Consecutive failing checks before an instance stops taking traffic (2-10).
   * @default 2
   */
  readonly unhealthyThresholdCount?: number;

  /**
   * How long the ALB lets in-flight requests of a leaving instance finish (0 s to 3600 s).
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;

  /**
   * A certificate for HTTPS on 443; HTTP on 80 then redirects to HTTPS.
   * @default - HTTP on 80 only
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Write ALB access logs to an S3 bucket (SSE-S3).
   * @default true
   */
  readonly accessLogs?: boolean;

  /**
   * The access log bucket (SSE-S3, not KMS).
   * @default - a new bucket (encrypted, TLS only, public access blocked)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * What happens to a created access log bucket when it leaves the stack. DESTROY also empties it.
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogsRemovalPolicy?: RemovalPolicy;

  /**
   * Retention of the app's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the app's log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Require IMDSv2 (session tokens) for the instance metadata service.
   * @default true
   */
  readonly requireImdsv2?: boolean;

  /**
   * An SSH key pair. Access is through SSM Session Manager without one.
   * @default - no key pair
   */
  readonly keyPair?: ec2.IKeyPair;

  /**
   * One-minute EC2 metrics (faster CPU scaling; about $2 per instance per month).
   * @default true
   */
  readonly detailedMonitoring?: boolean;

  /**
   * An SNS topic for the group's launch, terminate and failure notifications.
   * @default - no notifications (the group's activity history keeps them)
   */
  readonly notificationsTopic?: sns.ITopic;
}

/** The defaults of the vm style, in one place (the README and the estimator use them). */
export const VM_DEFAULTS = {
  minCapacity: 3,
  maxCapacity: 10,
  minHealthyPercentage: 100,
  maxHealthyPercentage: 200,
  instanceWarmupSeconds: 30,
  bootAndStartSeconds: DEFAULT_BOOT_AND_START_SECONDS,
  healthCheckIntervalSeconds: 10,
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  deregistrationDelaySeconds: 30,
  max5xxPercent: 5,
  targetRequestsPerMinute: 1000,
  rootVolumeSizeGiB: 8,
  instanceType: 't4g.micro',
} as const;

/**
 * The vm style: the app baked into an AMI (EC2 Image Builder, or your own AMI), run by an
 * Auto Scaling group behind an Application Load Balancer, rolled out by CloudFormation's
 * instance refresh update policy and stopped by CloudWatch alarms, which roll the stack back.
 *
 * @example
 * new VmService(this, 'Service', {
 *   app: { source: { directory: path.join(__dirname, 'app') } },
 * });
 */
export class VmService extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The Auto Scaling group. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The launch template (explicit, whatever the app's feature flags). */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The Application Load Balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTP listener (forwards, or redirects to HTTPS with a certificate). */
  public readonly httpListener: elbv2.ApplicationListener;
  /** The HTTPS listener, with a certificate. */
  public readonly httpsListener?: elbv2.ApplicationListener;
  /** The target group of the instances. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The alarms that fail an instance refresh (empty without auto rollback). */
  public readonly refreshAlarms: cloudwatch.IAlarm[];
  /** The instances' role. */
  public readonly role: iam.Role;
  /** The instances' security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The app's log group (the CloudWatch agent ships the app's output there). */
  public readonly logGroup: logs.LogGroup;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The network, when this construct created it. */
  public readonly network?: AppNetwork;
  /** The baked image, unless `amiId` or `amiParameterName` was given. */
  public readonly image?: AppImage;
  /** The access log bucket, when access logs are on. */
  public readonly accessLogsBucket?: s3.IBucket;
  /** The app description with its defaults filled in. */
  public readonly app: ResolvedApp;
  /** The version string the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The load balancer's URL (`http://` or `https://` DNS name). */
  public readonly url: string;
  /** The worst-case duration of a rollout at the group's minimum size. */
  public readonly rolloutEstimate: RolloutEstimate;
  public readonly connections: ec2.Connections;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: VmServiceProps) {
    super(scope, id);
    const app = resolveApp(this, props?.app);
    this.app = app;
    const s = resolveSettings(this, props, app);

    // Network
    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const zones = this.vpc.selectSubnets(vpcSubnets).availabilityZones;
    if (zones.length < 2 && !zones.some((z) => Token.isUnresolved(z))) {
      throw new OrchestrationError(this, 'vpcSubnets', zones, 'must span at least two Availability Zones, so that losing one zone leaves instances running');
    }

    // Image
    const baking = props.amiId === undefined && props.amiParameterName === undefined;
    // With an AMI the directory is not shipped; it still names the version unless amiId does.
    const dir = sourceDirectory(this, app);
    this.appVersion = app.version ?? (baking ? appVersion(app, dir) : (props.amiId ?? appVersion(app, dir)));
    let machineImage: ec2.IMachineImage;
    if (props.amiId !== undefined) {
      machineImage = fixedImage(props.amiId);
    } else if (props.amiParameterName !== undefined) {
      machineImage = ec2.MachineImage.fromSsmParameter(props.amiParameterName, { os: ec2.OperatingSystemType.LINUX });
    } else {
      this.image = new AppImage(this, 'Image', {
        ...props.imageBuilder,
        sourceDirectory: dir,
        exclude: app.source.exclude ?? DEFAULT_CODE_EXCLUDE,
        command: app.command,
        port: app.port,
        healthCheckPath: app.healthCheckPath,
        appVersion: this.appVersion,
        architecture: s.architecture,
        rootVolumeSizeGiB: s.rootVolumeSizeGiB,
        vpc: this.vpc,
        vpcSubnets,
      });
      machineImage = fixedImage(this.image.imageId);
    }

    // Logs, role, secrets
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Instances of ${app.name}: SSM Session Manager, its log group, its secrets`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    acknowledgeNag(this.role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', 'The instances have no SSH key; Session Manager access and the SSM agent need this AWS-managed policy, which AWS keeps in step with the agent.');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [this.logGroup.logGroupArn] }),
    );
    this.grantPrincipal = this.role;
    const secrets = bindSecrets(this, app.secrets);
    for (const secret of secrets) secret.grantRead(this.role);

    // Instances
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Instances of ${app.name}: inbound from the load balancer only`,
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (SSM, CloudWatch Logs, Secrets Manager) and package repositories');
    this.connections = this.securityGroup.connections;

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...renderUserDataCommands({
        command: app.command,
        region: Stack.of(this).region,
        environment: { ...app.environment, PORT: String(app.port), APP_VERSION: this.appVersion },
        secrets,
        logGroupName: this.logGroup.logGroupName,
        stopTimeoutSeconds: Math.max(s.deregistrationDelaySeconds, 10) + 5,
      }),
    );

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage,
      userData,
      instanceType: s.instanceTypes[0],
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: props.requireImdsv2 ?? true,
      httpTokens: (props.requireImdsv2 ?? true) ? ec2.LaunchTemplateHttpTokens.REQUIRED : ec2.LaunchTemplateHttpTokens.OPTIONAL,
      httpPutResponseHopLimit: 1,
      keyPair: props.keyPair,
      associatePublicIpAddress: false,
      detailedMonitoring: props.detailedMonitoring ?? true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(s.rootVolumeSizeGiB, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3, deleteOnTermination: true }),
        },
      ],
    });

    // Load balancer
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    if (s.accessLogs) {
      const bucket =
        props.accessLogsBucket ??
        new s3.Bucket(this, 'AccessLogs', {
          encryption: s3.BucketEncryption.S3_MANAGED,
          enforceSSL: true,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          removalPolicy: props.accessLogsRemovalPolicy ?? RemovalPolicy.RETAIN,
          autoDeleteObjects: props.accessLogsRemovalPolicy === RemovalPolicy.DESTROY,
          lifecycleRules: [{ expiration: Duration.days(90) }],
        });
      if (!props.accessLogsBucket) {
        acknowledgeNag(bucket, 'AwsSolutions-S1', 'This bucket only receives the load balancer\'s access logs; logging access to it into another bucket would add a bucket per bucket with no new information.');
      }
      this.accessLogsBucket = bucket;
      enableAccessLogs(this, this.loadBalancer, bucket, 'alb');
    } else {
      acknowledgeNag(this.loadBalancer, 'AwsSolutions-ELB2', 'Access logs were switched off with accessLogs: false.');
    }

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: app.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: Duration.seconds(s.deregistrationDelaySeconds),
      healthCheck: {
        path: app.healthCheckPath,
        protocol: elbv2.Protocol.HTTP,
        interval: Duration.seconds(s.healthCheckIntervalSeconds),
        timeout: Duration.seconds(Math.min(5, s.healthCheckIntervalSeconds - 1)),
        healthyThresholdCount: s.healthyThresholdCount,
        unhealthyThresholdCount: s.unhealthyThresholdCount,
        healthyHttpCodes: '200',
      },
    });

    if (props.certificate) {
      this.httpsListener = this.loadBalancer.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      });
      this.httpListener = this.loadBalancer.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      this.httpListener = this.loadBalancer.addListener('Http', { protocol: elbv2.ApplicationProtocol.HTTP, port: 80, defaultTargetGroups: [this.targetGroup] });
    }
    this.url = `${props.certificate ? 'https' : 'http'}://${this.loadBalancer.loadBalancerDnsName}`;
    for (const sg of this.loadBalancer.connections.securityGroups) {
      acknowledgeNag(sg, 'AwsSolutions-EC23', `The internet-facing load balancer accepts the public web on ${props.certificate ? '80 (redirect) and 443' : '80'} only; instances accept the app port from this security group only.`);
    }

    // Rollout: instance refresh, stopped by alarms that fail it (and so roll the stack back)
    const gracePeriod = Duration.seconds(s.bootAndStartSeconds + s.healthCheckIntervalSeconds * s.healthyThresholdCount);
    this.refreshAlarms = s.autoRollback ? [...this.createRefreshAlarms(s, gracePeriod), ...(props.refreshAlarms ?? [])] : [];

    // The group
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Resource', {
      vpc: this.vpc,
      vpcSubnets,
      ...(s.instanceTypes.length === 1
        ? { launchTemplate: this.launchTemplate }
        : {
            mixedInstancesPolicy: {
              launchTemplate: this.launchTemplate,
              launchTemplateOverrides: s.instanceTypes.map((instanceType) => ({ instanceType })),
              instancesDistribution: {
                onDemandPercentageAboveBaseCapacity: 100,
                onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
              },
            },
          }),
      minCapacity: s.minCapacity,
      maxCapacity: s.maxCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({ additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB], gracePeriod }),
      defaultInstanceWarmup: Duration.seconds(s.instanceWarmupSeconds),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: props.notificationsTopic ? [{ topic: props.notificationsTopic }] : undefined,
      updatePolicy: this.updatePolicy(s),
    });
    if (s.instanceTypes.length > 1) {
      acknowledgeNag(this.autoScalingGroup, 'AwsSolutions-EC26', 'The launch template in the mixed instances policy encrypts the root volume (tested); cdk-nag 3.0.2\'s EC26 rule cannot follow a launch template inside MixedInstancesPolicy and throws.');
    }
    if (!props.notificationsTopic) {
      acknowledgeNag(this.autoScalingGroup, 'AwsSolutions-AS3', 'Scaling and refresh events are kept in the group\'s activity history and group metrics; pass notificationsTopic to also get SNS notifications.');
    }

    this.targetGroup.addTarget(this.autoScalingGroup);

    // Scaling
    if (s.scaleOn === 'cpu') {
      this.autoScalingGroup.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: app.replicas.targetCpuPercent ?? 50 });
    } else {
      this.autoScalingGroup.scaleOnRequestCount('RequestScaling', { targetRequestsPerMinute: s.targetRequestsPerMinute });
    }

    this.rolloutEstimate = estimateRollout({
      groupSize: Math.max(1, s.minCapacity),
      replacedPerBatch: replicasPerBatch(Math.max(1, s.minCapacity), s.minHealthyPercentage, s.maxHealthyPercentage),
      bootAndStartSeconds: s.bootAndStartSeconds,
      warmupSeconds: s.instanceWarmupSeconds,
      healthCheckIntervalSeconds: s.healthCheckIntervalSeconds,
      healthyThreshold: s.healthyThresholdCount,
      deregistrationDelaySeconds: s.deregistrationDelaySeconds,
      checkpoints: s.checkpointPercentages ? { count: s.checkpointPercentages.length - 1, delaySeconds: s.checkpointDelaySeconds } : undefined,
      bakeSeconds: s.refreshBakeSeconds,
    });
  }

  private createRefreshAlarms(s: Settings, gracePeriod: Duration): cloudwatch.IAlarm[] {
    const minute = { period: Duration.minutes(1), statistic: 'Sum' };
    const rate = new cloudwatch.MathExpression({
      expression: 'IF((FILL(req, 0) + FILL(elb5xx, 0)) > 0, 100 * (FILL(t5xx, 0) + FILL(elb5xx, 0)) / (FILL(req, 0) + FILL(elb5xx, 0)), 0)',
      usingMetrics: {
        req: this.targetGroup.metrics.requestCount(minute),
        t5xx: this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, minute),
        elb5xx: this.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, minute),
      },
      period: Duration.minutes(1),
      label: '5xx answers (targets and load balancer), % of requests',
    });
    // A new instance is registered while it boots and fails its first checks: only an
    // instance that stays unhealthy for longer than it needs to start counts.
    const unhealthyMinutes = Math.ceil(gracePeriod.toSeconds() / 60) + 1;
    return [
      new cloudwatch.Alarm(this, 'Http5xxAlarm', {
        metric: rate,
        threshold: s.max5xxPercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Fails the instance refresh of ${this.node.path} (and rolls the stack back) when 5xx answers reach ${s.max5xxPercent} % of requests in a minute.`,
      }),
      new cloudwatch.Alarm(this, 'UnhealthyHostsAlarm', {
        metric: this.targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: unhealthyMinutes,
        datapointsToAlarm: unhealthyMinutes,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Fails the instance refresh of ${this.node.path} (and rolls the stack back) when an instance stays unhealthy for ${unhealthyMinutes} minutes, longer than an instance needs to start.`,
      }),
    ];
  }

  private updatePolicy(s: Settings): autoscaling.UpdatePolicy {
    return autoscaling.UpdatePolicy.instanceRefresh({
      strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
      minHealthyPercentage: s.minHealthyPercentage,
      maxHealthyPercentage: s.maxHealthyPercentage,
      instanceWarmup: Duration.seconds(s.instanceWarmupSeconds),
      skipMatching: true,
      checkpointPercentages: s.checkpointPercentages,
      checkpointDelay: s.checkpointPercentages ? Duration.seconds(s.checkpointDelaySeconds) : undefined,
      bakeTime: Duration.seconds(s.refreshBakeSeconds),
      alarms: this.refreshAlarms.length ? this.refreshAlarms : undefined,
    });
  }
}

/** An AMI known by id (or by a token that resolves to one at deploy time). */
function fixedImage(imageId: string): ec2.IMachineImage {
  return {
    getImage: () => ({ imageId, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }),
  };
}

interface Settings {
  readonly instanceTypes: ec2.InstanceType[];
  readonly architecture: ec2.InstanceArchitecture;
  readonly rootVolumeSizeGiB: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
  readonly instanceWarmupSeconds: number;
  readonly bootAndStartSeconds: number;
  readonly checkpointPercentages?: number[];
  readonly checkpointDelaySeconds: number;
  readonly refreshBakeSeconds: number;
  readonly max5xxPercent: number;
  readonly scaleOn: VmScalingMetric;
  readonly targetRequestsPerMinute: number;
  readonly healthCheckIntervalSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  readonly deregistrationDelaySeconds: number;
  readonly accessLogs: boolean;
  readonly autoRollback: boolean;
}

/** A style prop and the shared field it overrides must agree when both are set. */
function agree(where: Construct, prop: string, value: number | undefined, sharedProp: string, shared: number | undefined): void {
  if (value !== undefined && shared !== undefined && value !== shared) {
    throw new OrchestrationError(where, prop, value, `contradicts ${sharedProp} (which means ${shared}); set one of them, or make them agree`);
  }
}

function seconds(d: Duration | undefined, fallback: number): number {
  return d === undefined || d.isUnresolved() ? fallback : d.toSeconds();
}

/** Checks the props against each other and the app description, and fills in the defaults. */
function resolveSettings(where: Construct, props: VmServiceProps, app: ResolvedApp): Settings {
  if (app.source.image !== undefined) {
    throw new OrchestrationError(where, 'app.source.image', app.source.image, 'is for the container style; the vm style bakes app.source.directory into an AMI (or runs amiId / amiParameterName)');
  }
  checkExclusive(where, { amiId: props.amiId, amiParameterName: props.amiParameterName });
  if (props.imageBuilder && (props.amiId !== undefined || props.amiParameterName !== undefined)) {
    throw new OrchestrationError(where, 'imageBuilder', '(image builder options)', 'only applies when the construct bakes the image; remove it or remove amiId / amiParameterName');
  }
  checkPattern(where, 'amiId', props.amiId, /^ami-[0-9a-f]{8,17}$/, 'an AMI id (ami- followed by 8 or 17 hex digits)');
  checkPattern(where, 'amiParameterName', props.amiParameterName, /^[A-Za-z0-9_.\-/]{1,2048}$/, 'an SSM parameter name (letters, digits and _.-/)');
  checkInteger(where, 'imageBuilder.nodeMajorVersion', props.imageBuilder?.nodeMajorVersion, { min: 18, max: 99 });

  const instanceTypes = props.instanceTypes ?? [new ec2.InstanceType(VM_DEFAULTS.instanceType)];
  if (instanceTypes.length < 1 || instanceTypes.length > 20) {
    throw new OrchestrationError(where, 'instanceTypes', instanceTypes.map(String), 'must list from 1 to 20 instance types');
  }
  const architecture = instanceTypes[0]!.architecture;
  const mixed = instanceTypes.filter((t) => t.architecture !== architecture);
  if (mixed.length) {
    throw new OrchestrationError(where, 'instanceTypes', instanceTypes.map(String), `must share one architecture (one AMI serves them all): ${instanceTypes[0]} is ${architecture}, ${mixed[0]} is ${mixed[0]!.architecture}`);
  }
  if (props.imageBuilder?.buildInstanceType && props.imageBuilder.buildInstanceType.architecture !== architecture) {
    throw new OrchestrationError(where, 'imageBuilder.buildInstanceType', String(props.imageBuilder.buildInstanceType), `must have the fleet's architecture (${architecture})`);
  }
  checkInteger(where, 'rootVolumeSizeGiB', props.rootVolumeSizeGiB, { min: 8, max: 16384 });

  // Capacity
  checkInteger(where, 'minCapacity', props.minCapacity, { min: 0, max: 1000 });
  checkInteger(where, 'maxCapacity', props.maxCapacity, { min: 1, max: 1000 });
  agree(where, 'minCapacity', props.minCapacity, 'app.replicas.min', app.replicas.min);
  agree(where, 'maxCapacity', props.maxCapacity, 'app.replicas.max', app.replicas.max);
  const minCapacity = props.minCapacity ?? app.replicas.min ?? VM_DEFAULTS.minCapacity;
  const maxCapacity = props.maxCapacity ?? app.replicas.max ?? Math.max(VM_DEFAULTS.maxCapacity, minCapacity);
  if (minCapacity > maxCapacity) {
    throw new OrchestrationError(where, 'minCapacity and maxCapacity', { minCapacity, maxCapacity }, 'must satisfy minCapacity <= maxCapacity');
  }

  // Instance refresh
  checkNumber(where, 'minHealthyPercentage', props.minHealthyPercentage, { min: 0, max: 100 });
  checkNumber(where, 'maxHealthyPercentage', props.maxHealthyPercentage, { min: 100, max: 200 });
  for (const [p, v] of [['minHealthyPercentage', props.minHealthyPercentage], ['maxHealthyPercentage', props.maxHealthyPercentage]] as const) {
    if (v !== undefined && !Number.isInteger(v)) throw new OrchestrationError(where, p, v, 'must be an integer percentage');
  }
  const sharedMin = app.rollout.maxUnavailablePercent === undefined ? undefined : 100 - app.rollout.maxUnavailablePercent;
  const sharedMax = app.rollout.maxSurgePercent === undefined ? undefined : 100 + app.rollout.maxSurgePercent;
  agree(where, 'minHealthyPercentage', props.minHealthyPercentage, 'app.rollout.maxUnavailablePercent', sharedMin);
  agree(where, 'maxHealthyPercentage', props.maxHealthyPercentage, 'app.rollout.maxSurgePercent', sharedMax);
  const minHealthyPercentage = Math.round(props.minHealthyPercentage ?? sharedMin ?? VM_DEFAULTS.minHealthyPercentage);
  const maxHealthyPercentage = Math.round(props.maxHealthyPercentage ?? sharedMax ?? VM_DEFAULTS.maxHealthyPercentage);
  if (maxHealthyPercentage - minHealthyPercentage > 100) {
    throw new OrchestrationError(where, 'maxHealthyPercentage - minHealthyPercentage', maxHealthyPercentage - minHealthyPercentage, `must be at most 100 (min healthy ${minHealthyPercentage}, max healthy ${maxHealthyPercentage})`);
  }
  if (minHealthyPercentage === 100 && maxHealthyPercentage === 100) {
    throw new OrchestrationError(where, 'minHealthyPercentage and maxHealthyPercentage', { minHealthyPercentage, maxHealthyPercentage }, 'cannot both be 100: the refresh could neither add nor remove an instance');
  }

  agree(where, 'instanceWarmup (seconds)', props.instanceWarmup?.toSeconds(), 'app.rollout.bakeTime (seconds)', app.rollout.bakeTime?.toSeconds());
  checkDuration(where, 'instanceWarmup', props.instanceWarmup ?? app.rollout.bakeTime, { min: Duration.seconds(0), max: Duration.hours(1) });
  const instanceWarmupSeconds = seconds(props.instanceWarmup ?? app.rollout.bakeTime, VM_DEFAULTS.instanceWarmupSeconds);
  checkDuration(where, 'bootAndStartTime', props.bootAndStartTime, { min: Duration.seconds(1), max: Duration.hours(1) });
  const bootAndStartSeconds = seconds(props.bootAndStartTime, VM_DEFAULTS.bootAndStartSeconds);

  const cps = props.checkpointPercentages;
  if (cps !== undefined) {
    const bad = cps.length === 0 || cps.some((p, i) => !Number.isInteger(p) || p < 1 || p > 100 || (i > 0 && p <= cps[i - 1]!)) || cps[cps.length - 1] !== 100;
    if (bad) throw new OrchestrationError(where, 'checkpointPercentages', cps, 'must be ascending unique integers from 1 to 100, the last one 100');
  }
  if (props.checkpointDelay && !cps) throw new OrchestrationError(where, 'checkpointDelay', props.checkpointDelay, 'needs checkpointPercentages');
  checkDuration(where, 'checkpointDelay', props.checkpointDelay, { min: Duration.seconds(0), max: Duration.hours(48) });
  checkDuration(where, 'refreshBakeTime', props.refreshBakeTime, { min: Duration.seconds(0), max: Duration.hours(48) });
  checkNumber(where, 'max5xxPercent', props.max5xxPercent, { min: 0.01, max: 100 });

  const autoRollback = app.rollout.autoRollback ?? true;
  if (props.refreshAlarms?.length && !autoRollback) {
    throw new OrchestrationError(where, 'refreshAlarms', `${props.refreshAlarms.length} alarm(s)`, 'need app.rollout.autoRollback (it is false: no alarm stops the refresh)');
  }
  if ((props.refreshAlarms?.length ?? 0) > 8) {
    throw new OrchestrationError(where, 'refreshAlarms', `${props.refreshAlarms!.length} alarms`, 'must be at most 8 (instance refresh takes 10 alarms, two are built in)');
  }
  if (app.rollout.maxFailurePercent !== undefined) {
    Annotations.of(where).addWarningV2('cdk-orchestration:vm-max-failure-ignored', 'app.rollout.maxFailurePercent does not apply to the vm style: an instance refresh fails at the first instance that does not become healthy.');
  }

  // Scaling
  checkOneOf(where, 'scaleOn', props.scaleOn, ['cpu', 'requests'] as const);
  checkInteger(where, 'targetRequestsPerMinute', props.targetRequestsPerMinute, { min: 1, max: 1_000_000 });
  if (props.targetRequestsPerMinute !== undefined && props.scaleOn !== 'requests') {
    throw new OrchestrationError(where, 'targetRequestsPerMinute', props.targetRequestsPerMinute, `only applies with scaleOn 'requests' (scaleOn is '${props.scaleOn ?? 'cpu'}')`);
  }

  // Load balancer
  checkDuration(where, 'healthCheckInterval', props.healthCheckInterval, { min: Duration.seconds(5), max: Duration.seconds(300) });
  checkInteger(where, 'healthyThresholdCount', props.healthyThresholdCount, { min: 2, max: 10 });
  checkInteger(where, 'unhealthyThresholdCount', props.unhealthyThresholdCount, { min: 2, max: 10 });
  checkDuration(where, 'deregistrationDelay', props.deregistrationDelay, { min: Duration.seconds(0), max: Duration.seconds(3600) });
  if (props.accessLogs === false && props.accessLogsBucket) {
    throw new OrchestrationError(where, 'accessLogsBucket', '(a bucket)', 'needs accessLogs (it is false)');
  }
  if (props.accessLogsBucket && props.accessLogsRemovalPolicy !== undefined) {
    throw new OrchestrationError(where, 'accessLogsRemovalPolicy', props.accessLogsRemovalPolicy, 'only applies to the bucket the construct creates, not to accessLogsBucket');
  }

  // Configuration that reaches a systemd EnvironmentFile
  for (const [k, v] of Object.entries(app.environment)) {
    if (!Token.isUnresolved(v) && /[\n\r\0]/.test(v)) {
      throw new OrchestrationError(where, `app.environment.${k}`, v, 'must be a single line (it goes into a systemd EnvironmentFile)');
    }
  }

  return {
    instanceTypes,
    architecture,
    rootVolumeSizeGiB: props.rootVolumeSizeGiB ?? VM_DEFAULTS.rootVolumeSizeGiB,
    minCapacity,
    maxCapacity,
    minHealthyPercentage,
    maxHealthyPercentage,
    instanceWarmupSeconds,
    bootAndStartSeconds,
    checkpointPercentages: cps,
    checkpointDelaySeconds: seconds(props.checkpointDelay, 3600),
    refreshBakeSeconds: seconds(props.refreshBakeTime, 0),
    max5xxPercent: props.max5xxPercent ?? VM_DEFAULTS.max5xxPercent,
    scaleOn: props.scaleOn ?? 'cpu',
    targetRequestsPerMinute: props.targetRequestsPerMinute ?? VM_DEFAULTS.targetRequestsPerMinute,
    healthCheckIntervalSeconds: seconds(props.healthCheckInterval, VM_DEFAULTS.healthCheckIntervalSeconds),
    healthyThresholdCount: props.healthyThresholdCount ?? VM_DEFAULTS.healthyThresholdCount,
    unhealthyThresholdCount: props.unhealthyThresholdCount ?? VM_DEFAULTS.unhealthyThresholdCount,
    deregistrationDelaySeconds: seconds(props.deregistrationDelay, VM_DEFAULTS.deregistrationDelaySeconds),
    accessLogs: props.accessLogs ?? true,
    autoRollback,
  };
}
