import { Annotations, Duration, RemovalPolicy, type Size, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APP_DEFAULTS, type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { DEFAULT_BOOT_AND_START_SECONDS, estimateRollout, replicasPerBatch, type RolloutEstimate } from '../../lib/rollout-estimate';
import {
  checkAgrees,
  checkConcrete,
  checkInteger,
  checkIsDuration,
  checkKnownProps,
  checkNumber,
  checkOneOf,
  checkOrdered,
  checkType,
  checkUserDataSize,
  isDeployTime,
  sizeInGiB,
} from '../../lib/validate';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { albMetricErrors, albMetricLatency, albMetricRequests } from '../shared/alb-metrics';
import { acknowledgeNag } from '../shared/nag';
import { addAliasRecords, checkDomain, domainCertificate, type ServiceDomain, TLS_POLICY } from '../shared/domain';
import { notifyOnAlarms } from '../shared/alarm-topic';
import { ServiceDashboard } from '../shared/dashboard';
import { grantLogsUse } from '../shared/log-encryption';
import type { IAppService } from '../shared/service';
import { type BoundSecret, bindSecrets } from '../shared/secrets';
import { appVersion, DEFAULT_CODE_EXCLUDE, sourceDirectory } from '../shared/source';
import { createAccessLogsBucket, enableAccessLogs } from '../shared/access-logs';
import { AppImage } from './app-image';
import { APP_USER } from '../shared/app-runtime';
import { renderUserDataCommands } from './boot';
import { checkSeconds, knownOr, secondsOr } from './deploy-time';
import { VM_SERVICE_PROPS } from './known-props';
import { checkVmImage, VmImage } from './vm-image';
import { checkVmScaling, VmScaling } from './vm-scaling';

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
   * Where the machine image comes from: baked in the stack by EC2 Image Builder
   * (`VmImage.bake(options)`), an AMI id (`VmImage.fromAmiId()`, may be a deploy-time value) or an
   * AMI id in an SSM parameter read at deploy time (`VmImage.fromSsmParameter()`). An image you bring
   * must contain Node.js at /usr/local/bin/node (or `node` on the PATH), the user `app-user` and the
   * app in /opt/app.
   * @default VmImage.bake() - Node.js 22, a t4g.small (or t3.small) build instance, image tests on
   */
  readonly image?: VmImage;

  /**
   * Root volume size (encrypted gp3), whole GiB from 8 to 16384, for example `Size.gibibytes(20)`.
   * A deploy-time value (`Size.gibibytes(param.valueAsNumber)`) only with an image you bring (a
   * baked image's recipe version is a hash of its content).
   * @default Size.gibibytes(8)
   */
  readonly rootVolumeSize?: Size;

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
   * feeds {@link rolloutEstimate}. Must be known at synth: no template property takes it.
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
   * What target tracking follows: average CPU (`VmScaling.cpuUtilization(targetPercent)`, which
   * must agree with `app.replicas.targetCpuPercent` when both are set) or the load balancer's
   * requests per instance (`VmScaling.requestsPerTarget(perMinute)`). Targets may be deploy-time values.
   * @default VmScaling.cpuUtilization() - app.replicas.targetCpuPercent, else 50
   */
  readonly scaling?: VmScaling;

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
   * A certificate for HTTPS on 443; HTTP on 80 then redirects to HTTPS. Without `domain`, the
   * URL is `https://` and the load balancer's DNS name (the certificate must cover the name your
   * clients call). With `domain`, it is the domain's certificate: set it here or as
   * `domain.certificate`, not both.
   * @default - with `domain`, `domain.certificate` or a new DNS-validated certificate; without, HTTP on 80 only
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The name the service answers at: HTTPS on 443 with `TLS_POLICY` (TLS 1.3 and restricted
   * TLS 1.2), HTTP on 80 redirecting to HTTPS (the HTTP listener's default action), an alias
   * A record for `domain.domainName` to the load balancer in `domain.hostedZone`, and
   * {@link VmService.url} `https://<domainName>`. The certificate is `domain.certificate`, else
   * `certificate`, else a new ACM certificate validated through DNS in the hosted zone.
   * @default - no name: the load balancer's DNS name (HTTPS only with `certificate`)
   */
  readonly domain?: ServiceDomain;

  /**
   * The SNS topic every alarm this construct creates notifies, on ALARM and on OK (the 5xx-rate
   * and unhealthy-hosts alarms). An encrypted topic's key must let CloudWatch use it
   * (`AlarmTopic` does). With `app.rollout.autoRollback: false` the two alarms are still created
   * to notify, but do not fail the instance refresh. Separate from `notificationsTopic` (the
   * group's launch and terminate events, which Auto Scaling publishes): one topic may serve both
   * if its key policy (when it has a customer-managed key) lets Auto Scaling use the key too.
   * @default - alarms notify nobody
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * A CloudWatch dashboard for the service ({@link ServiceDashboard}): requests, errors, p50 and
   * p99 latency, healthy instances (the target group's `HealthyHostCount`), scaling activity
   * (the group's `GroupDesiredCapacity` and `GroupInServiceInstances`; the construct enables
   * group metrics) and the rollout's alarms.
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * A KMS key for every log group this construct creates: the app's and, when the construct
   * creates the network, the VPC flow logs' (unless `network.flowLogEncryptionKey` names another).
   * The key policy must let CloudWatch Logs use it (`LogsKey` does; for a key of this app the
   * construct adds the statement).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Turn on the load balancer's deletion protection: deleting it (also by `cdk destroy` or a
   * replacement) fails until the attribute is turned off again, by a deploy with this false.
   * @default false
   */
  readonly deletionProtection?: boolean;

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
   * An SNS topic for the group's launch, terminate and failure notifications. Auto Scaling
   * publishes them, not CloudWatch: a topic encrypted with a customer-managed key needs a key
   * policy that lets Auto Scaling use the key too. Not for alarms: see `alarmTopic`.
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
  rootVolumeSizeGiB: 8,
  instanceType: 't4g.micro',
} as const;

/**
 * The largest values the construct accepts, used instead of a deploy-time value (a token) where
 * the construct must compute with it at synth: the health check grace period, the unhealthy-hosts
 * alarm, the app's stop timeout and {@link VmService.rolloutEstimate} then take the worst case.
 */
const BOUNDS = {
  capacity: 1000,
  healthCheckIntervalSeconds: 300,
  healthyThresholdCount: 10,
  deregistrationDelaySeconds: 3600,
  instanceWarmupSeconds: 3600,
  checkpointDelaySeconds: 48 * 3600,
  refreshBakeSeconds: 48 * 3600,
} as const;

/**
 * The vm style: the app baked into an AMI (EC2 Image Builder, or your own AMI), run by an
 * Auto Scaling group behind an Application Load Balancer, rolled out by CloudFormation's
 * instance refresh update policy and stopped by CloudWatch alarms, which roll the stack back.
 *
 * Numbers, durations and strings may be deploy-time values (a `CfnParameter`, for example)
 * wherever CloudFormation accepts one; the few the construct needs at synth say so with an
 * `OrchestrationError` (see the README's "Deploy-time values").
 *
 * @example
 * new VmService(this, 'Service', {
 *   app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) },
 * });
 */
export class VmService extends Construct implements IAppService, ec2.IConnectable {
  /** The Auto Scaling group. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The launch template (explicit, whatever the app's feature flags). */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The Application Load Balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTP listener (forwards, or redirects to HTTPS with a certificate). */
  public readonly httpListener: elbv2.ApplicationListener;
  /** The HTTPS listener, with a certificate or a domain. */
  public readonly httpsListener?: elbv2.ApplicationListener;
  /** The HTTPS listener's certificate (given, or created for `domain`). */
  public readonly certificate?: acm.ICertificate;
  /** The alias A record of `domain` to the load balancer. */
  public readonly aliasRecord?: route53.ARecord;
  /**
   * Every alarm this construct created (the 5xx-rate and unhealthy-hosts alarms), each notifying
   * `alarmTopic` when given. Empty with `app.rollout.autoRollback: false` and no `alarmTopic`.
   */
  public readonly alarms: cloudwatch.Alarm[];
  /** The dashboard, with `dashboard: true`. */
  public readonly dashboard?: ServiceDashboard;
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
  /** The image baked in the stack (with `VmImage.bake()`, the default). */
  public readonly image?: AppImage;
  /** The access log bucket, when access logs are on. */
  public readonly accessLogsBucket?: s3.IBucket;
  /** The app description with its defaults filled in. */
  public readonly app: ResolvedApp;
  /** The version string the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The URL users call: `https://<domain.domainName>` with `domain`, else the load balancer's DNS name (`https://` with `certificate`, `http://` without). */
  public readonly url: string;
  /**
   * The worst-case duration of a rollout at the group's minimum size. A setting that is only
   * known at deploy time counts with the largest value the construct accepts (a warning says which).
   * Always set by the vm style; optional in the type because the shared {@link IAppService} contract
   * has styles without one (jsii: an implementation may not make an optional property required).
   */
  public readonly rolloutEstimate?: RolloutEstimate;
  public readonly connections: ec2.Connections;
  public readonly grantPrincipal: iam.IPrincipal;

  /** The alarms that fail an instance refresh, so that CloudFormation rolls it back (the same as `refreshAlarms`). */
  public get rolloutAlarms(): cloudwatch.IAlarm[] {
    return this.refreshAlarms;
  }

  /** Requests the load balancer answered (`RequestCount`, published by Elastic Load Balancing), Sum per minute. */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return albMetricRequests(this.loadBalancer, props);
  }

  /**
   * 5xx answers: the instances' (`HTTPCode_Target_5XX_Count`) plus the load balancer's own
   * (`HTTPCode_ELB_5XX_Count`, e.g. no healthy target), both published by Elastic Load Balancing, Sum per minute.
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return albMetricErrors(this.loadBalancer, 'instances', props);
  }

  /** Time the instances take to answer, in milliseconds (`TargetResponseTime`, seconds, published by Elastic Load Balancing, × 1000), p99 per minute. */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return albMetricLatency(this.loadBalancer, props);
  }

  constructor(scope: Construct, id: string, props: VmServiceProps) {
    super(scope, id);
    checkPropTypes(this, props);
    this.app = resolveApp(this, props?.app);
    const s = resolveSettings(this, props, this.app);

    const network = this.configureNetwork(props);
    ({ vpc: this.vpc, network: this.network } = network);
    const image = this.configureImage(s, network.vpcSubnets);
    ({ appVersion: this.appVersion, image: this.image } = image);

    this.logGroup = this.createLogGroup(props);
    this.role = this.createInstanceRole();
    this.grantPrincipal = this.role;
    const secrets = this.bindSecrets();
    this.securityGroup = this.createSecurityGroup();
    this.connections = this.securityGroup.connections;
    this.launchTemplate = this.createLaunchTemplate(props, s, image.machineImage, secrets);

    this.loadBalancer = this.createLoadBalancer(props);
    this.accessLogsBucket = this.configureAccessLogs(props, s);
    this.targetGroup = this.createTargetGroup(s);
    this.certificate = this.resolveCertificate(props);
    ({ http: this.httpListener, https: this.httpsListener } = this.addListeners(this.certificate));
    if (props.domain) {
      // A deploy-time name as a fully qualified one (trailing dot): aws-cdk-lib cannot tell whether a
      // token already ends in the zone's name and would append it (`vm.example.com.example.com.`).
      const name = props.domain.domainName;
      const recordDomain = Token.isUnresolved(name) && !name.endsWith('.') ? { ...props.domain, domainName: `${name}.` } : props.domain;
      this.aliasRecord = addAliasRecords(this, 'AliasRecord', recordDomain, route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)));
    }
    this.url = props.domain ? `https://${props.domain.domainName}` : `${this.certificate ? 'https' : 'http'}://${this.loadBalancer.loadBalancerDnsName}`;

    // Rollout: instance refresh, stopped by alarms that fail it (and so roll the stack back).
    // The alarms exist to notify alarmTopic too, even when they do not stop the refresh.
    const gracePeriod = this.healthCheckGracePeriod(s);
    this.alarms = s.autoRollback || props.alarmTopic ? this.createAlarms(s, gracePeriod) : [];
    notifyOnAlarms(props.alarmTopic, this.alarms);
    this.refreshAlarms = s.autoRollback ? [...this.alarms, ...(props.refreshAlarms ?? [])] : [];
    this.autoScalingGroup = this.createAutoScalingGroup(props, s, network.vpcSubnets, gracePeriod);
    this.targetGroup.addTarget(this.autoScalingGroup);
    this.configureScaling(s);
    this.rolloutEstimate = this.estimateRollout(s);
    if (props.dashboard) this.dashboard = this.createDashboard();
  }

  /** The VPC (given, or a new AppNetwork) and the instances' subnets, which must span two zones. */
  private configureNetwork(props: VmServiceProps): { vpc: ec2.IVpc; network?: AppNetwork; vpcSubnets: ec2.SubnetSelection } {
    // AppNetwork checks its other props itself; a deploy-time removal policy still fails inside aws-cdk-lib there.
    checkConcrete(this, 'network.flowLogRemovalPolicy', props.network?.flowLogRemovalPolicy, 'CloudFormation\'s DeletionPolicy takes no deploy-time value');
    // logEncryptionKey covers the flow logs of the network this construct creates (the other log
    // group it creates), unless network.flowLogEncryptionKey names another key.
    const networkProps = props.logEncryptionKey && !props.vpc ? { ...props.network, flowLogEncryptionKey: props.network?.flowLogEncryptionKey ?? props.logEncryptionKey } : props.network;
    const { vpc, network } = this.networkInCallerTerms(() => vpcOrNewNetwork(this, { vpc: props.vpc, network: networkProps }));
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    let zones: string[];
    try {
      zones = vpc.selectSubnets(vpcSubnets).availabilityZones;
    } catch (e) {
      throw new OrchestrationError(this, 'vpcSubnets', describeSelection(vpcSubnets), `must select subnets of the VPC (${(e as Error).message.split('\n')[0]})`);
    }
    if (zones.length < 2 && !zones.some((z) => Token.isUnresolved(z))) {
      throw new OrchestrationError(this, 'vpcSubnets', zones, 'must span at least two Availability Zones, so that losing one zone leaves instances running');
    }
    return { vpc, network, vpcSubnets };
  }

  /** The network's own errors (path `.../Network`, prop `maxAzs`) named as the caller wrote them: `network.maxAzs` on this construct. */
  private networkInCallerTerms<T>(create: () => T): T {
    try {
      return create();
    } catch (e) {
      if (e instanceof OrchestrationError && e.path === `${this.node.path}/Network`) throw new OrchestrationError(this, `network.${e.prop}`, e.value, e.allowed);
      throw e;
    }
  }

  /** The machine image (an AMI id, an SSM parameter, or an {@link AppImage} baked in the stack) and the app's version. */
  private configureImage(s: Settings, vpcSubnets: ec2.SubnetSelection): { machineImage: ec2.IMachineImage; appVersion: string; image?: AppImage } {
    const app = this.app;
    const { amiId, parameterName, bakeOptions } = s.image;
    // With an AMI the directory is not shipped; it still names the version unless the AMI id does.
    const dir = sourceDirectory(this, app);
    const version = app.version ?? amiId ?? appVersion(app, dir);
    if (amiId !== undefined) return { machineImage: fixedImage(amiId), appVersion: version };
    if (parameterName !== undefined) {
      return { machineImage: ec2.MachineImage.fromSsmParameter(parameterName, { os: ec2.OperatingSystemType.LINUX }), appVersion: version };
    }
    const image = new AppImage(this, 'Image', {
      ...bakeOptions,
      sourceDirectory: dir,
      exclude: app.source.exclude ?? DEFAULT_CODE_EXCLUDE,
      command: app.command,
      port: app.port,
      healthCheckPath: app.healthCheckPath,
      appVersion: version,
      architecture: s.architecture!,
      rootVolumeSize: s.rootVolumeSize,
      vpc: this.vpc,
      vpcSubnets,
    });
    return { machineImage: fixedImage(image.imageId), appVersion: version, image };
  }

  private createLogGroup(props: VmServiceProps): logs.LogGroup {
    if (props.logEncryptionKey) grantLogsUse(props.logEncryptionKey);
    return new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
  }

  /** The instances' role: Session Manager and their own log group (secrets are granted by {@link bindSecrets}). */
  private createInstanceRole(): iam.Role {
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Instances of ${this.app.name}: SSM Session Manager, its log group, its secrets`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    acknowledgeNag(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', 'The instances have no SSH key; Session Manager access and the SSM agent need this AWS-managed policy, which AWS keeps in step with the agent.');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [this.logGroup.logGroupArn] }),
    );
    return role;
  }

  /** The app's secret references, each readable by the instance role. */
  private bindSecrets(): BoundSecret[] {
    const secrets = bindSecrets(this, this.app.secrets);
    for (const secret of secrets) secret.grantRead(this.role);
    return secrets;
  }

  /** The instances' security group: HTTPS out, and in only from the load balancer (added with the target group). */
  private createSecurityGroup(): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Instances of ${this.app.name}: inbound from the load balancer only`,
      allowAllOutbound: false,
    });
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (SSM, CloudWatch Logs, Secrets Manager) and package repositories');
    return sg;
  }

  /** The launch template: the image, the user data that configures and starts the app, IMDSv2, an encrypted root volume. */
  private createLaunchTemplate(props: VmServiceProps, s: Settings, machineImage: ec2.IMachineImage, secrets: BoundSecret[]): ec2.LaunchTemplate {
    const app = this.app;
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...renderUserDataCommands({
        command: app.command,
        region: Stack.of(this).region,
        environment: { ...app.environment, PORT: Tokenization.stringifyNumber(app.port), APP_VERSION: this.appVersion },
        secrets,
        logGroupName: this.logGroup.logGroupName,
        // systemd's stop budget: the drain, at least 10 s, plus 5 s (the largest drain when it is a deploy-time value)
        stopTimeoutSeconds: Math.max(secondsOr(s.deregistrationDelay, BOUNDS.deregistrationDelaySeconds), 10) + 5,
      }),
    );
    checkUserDataSize(this, 'app.environment', userData, 'it carries app.environment, app.command and the secret references; move large values to a secret or a file in the app');
    const requireImdsv2 = props.requireImdsv2 ?? true;
    return new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage,
      userData,
      instanceType: s.instanceTypes[0],
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2,
      httpTokens: requireImdsv2 ? ec2.LaunchTemplateHttpTokens.REQUIRED : ec2.LaunchTemplateHttpTokens.OPTIONAL,
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
  }

  private createLoadBalancer(props: VmServiceProps): elbv2.ApplicationLoadBalancer {
    return new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection ?? false, // aws-cdk-lib always writes the attribute ('false' before this prop)
    });
  }

  /**
   * The HTTPS listener's certificate: `domain.certificate`, else `certificate`, else (with a
   * domain) a new DNS-validated one; without a domain, `certificate` or none. Two different
   * certificates for one listener are a conflict.
   */
  private resolveCertificate(props: VmServiceProps): acm.ICertificate | undefined {
    const domain = props.domain;
    if (!domain) return props.certificate;
    if (props.certificate && domain.certificate && props.certificate !== domain.certificate) {
      throw new OrchestrationError(this, 'certificate', props.certificate.node.path, `conflicts with domain.certificate (${domain.certificate.node.path}): the HTTPS listener has one default certificate; set one of them`);
    }
    return domainCertificate(this, 'Certificate', { ...domain, certificate: domain.certificate ?? props.certificate });
  }

  /** Access logs into the given bucket or a new SSE-S3 one; returns the bucket (none with `accessLogs: false`). */
  private configureAccessLogs(props: VmServiceProps, s: Settings): s3.IBucket | undefined {
    if (!s.accessLogs) {
      acknowledgeNag(this.loadBalancer, 'AwsSolutions-ELB2', 'Access logs were switched off with accessLogs: false.');
      return undefined;
    }
    // A new bucket: the shared ALB access-log bucket (SSE-S3, TLS only, private, 90-day expiry) with its acknowledgements.
    const bucket = props.accessLogsBucket ?? createAccessLogsBucket(this, 'AccessLogs', { removalPolicy: props.accessLogsRemovalPolicy });
    enableAccessLogs(this, this.loadBalancer, bucket, 'alb');
    return bucket;
  }

  /** The target group: the app's port and health path, the health check timing and the drain. */
  private createTargetGroup(s: Settings): elbv2.ApplicationTargetGroup {
    // The timeout must stay below the interval, at most 5 s. With a deploy-time interval it is 4 s
    // (below every interval allowed, 5 s and up), set on the L1 resource: aws-cdk-lib's target group
    // validation converts interval and timeout to milliseconds, which throws for a token in seconds.
    const deployTimeInterval = s.healthCheckInterval.isUnresolved();
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: this.app.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: s.deregistrationDelay,
      healthCheck: {
        path: this.app.healthCheckPath,
        protocol: elbv2.Protocol.HTTP,
        interval: s.healthCheckInterval,
        timeout: deployTimeInterval ? undefined : Duration.seconds(Math.min(5, s.healthCheckInterval.toSeconds() - 1)),
        healthyThresholdCount: s.healthyThresholdCount,
        unhealthyThresholdCount: s.unhealthyThresholdCount,
        healthyHttpCodes: '200',
      },
    });
    if (deployTimeInterval) (targetGroup.node.defaultChild as elbv2.CfnTargetGroup).healthCheckTimeoutSeconds = 4;
    return targetGroup;
  }

  /** HTTP on 80 forwarding to the group, or, with a certificate, HTTPS on 443 and a redirect on 80. */
  private addListeners(certificate: acm.ICertificate | undefined): { http: elbv2.ApplicationListener; https?: elbv2.ApplicationListener } {
    let listeners: { http: elbv2.ApplicationListener; https?: elbv2.ApplicationListener };
    if (certificate) {
      const https = this.loadBalancer.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)],
        sslPolicy: TLS_POLICY,
        defaultTargetGroups: [this.targetGroup],
      });
      const http = this.loadBalancer.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      listeners = { http, https };
    } else {
      listeners = { http: this.loadBalancer.addListener('Http', { protocol: elbv2.ApplicationProtocol.HTTP, port: 80, defaultTargetGroups: [this.targetGroup] }) };
    }
    for (const sg of this.loadBalancer.connections.securityGroups) {
      acknowledgeNag(sg, 'AwsSolutions-EC23', `The internet-facing load balancer accepts the public web on ${certificate ? '80 (redirect) and 443' : '80'} only; instances accept the app port from this security group only.`);
    }
    return listeners;
  }

  /**
   * How long a new instance may fail its load balancer checks: boot and start, then enough checks
   * to become healthy. A deploy-time interval or threshold counts with its largest allowed value.
   */
  private healthCheckGracePeriod(s: Settings): Duration {
    const interval = secondsOr(s.healthCheckInterval, BOUNDS.healthCheckIntervalSeconds);
    const threshold = knownOr(s.healthyThresholdCount, BOUNDS.healthyThresholdCount);
    return Duration.seconds(s.bootAndStartSeconds + interval * threshold);
  }

  /** The 5xx-rate and unhealthy-hosts alarms: they fail the refresh with auto rollback, and notify `alarmTopic`. */
  private createAlarms(s: Settings, gracePeriod: Duration): cloudwatch.Alarm[] {
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
    const effect = s.autoRollback ? `Fails the instance refresh of ${this.node.path} (and rolls the stack back)` : `Notifies about ${this.node.path} (it does not stop a refresh: app.rollout.autoRollback is false)`;
    return [
      new cloudwatch.Alarm(this, 'Http5xxAlarm', {
        metric: rate,
        threshold: s.max5xxPercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${effect} when 5xx answers reach ${Tokenization.stringifyNumber(s.max5xxPercent)} % of requests in a minute.`,
      }),
      new cloudwatch.Alarm(this, 'UnhealthyHostsAlarm', {
        metric: this.targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: unhealthyMinutes,
        datapointsToAlarm: unhealthyMinutes,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${effect} when an instance stays unhealthy for ${unhealthyMinutes} minutes, longer than an instance needs to start.`,
      }),
    ];
  }

  /** The group: the launch template (or a mixed instances policy), its size, ELB health checks and the instance refresh. */
  private createAutoScalingGroup(props: VmServiceProps, s: Settings, vpcSubnets: ec2.SubnetSelection, gracePeriod: Duration): autoscaling.AutoScalingGroup {
    const asg = new autoscaling.AutoScalingGroup(this, 'Resource', {
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
      defaultInstanceWarmup: s.instanceWarmup,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: props.notificationsTopic ? [{ topic: props.notificationsTopic }] : undefined,
      updatePolicy: this.updatePolicy(s),
    });
    // The zones of the instances' subnets, also as AvailabilityZones (CT.AUTOSCALING.PR.1 reads
    // that property): CloudFormation accepts both when the subnets lie in the zones listed.
    const zones = [...new Set(this.vpc.selectSubnets(vpcSubnets).availabilityZones)];
    (asg.node.defaultChild as autoscaling.CfnAutoScalingGroup).availabilityZones = zones;
    if (s.instanceTypes.length > 1) {
      acknowledgeNag(asg, 'AwsSolutions-EC26', 'The launch template in the mixed instances policy encrypts the root volume (tested); cdk-nag 3.0.2\'s EC26 rule cannot follow a launch template inside MixedInstancesPolicy and throws.');
    }
    if (!props.notificationsTopic) {
      acknowledgeNag(asg, 'AwsSolutions-AS3', 'Scaling and refresh events are kept in the group\'s activity history and group metrics; pass notificationsTopic to also get SNS notifications.');
    }
    return asg;
  }

  private updatePolicy(s: Settings): autoscaling.UpdatePolicy {
    return autoscaling.UpdatePolicy.instanceRefresh({
      strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
      minHealthyPercentage: s.minHealthyPercentage,
      maxHealthyPercentage: s.maxHealthyPercentage,
      instanceWarmup: s.instanceWarmup,
      skipMatching: true,
      checkpointPercentages: s.checkpointPercentages,
      checkpointDelay: s.checkpointDelay,
      bakeTime: s.refreshBakeTime,
      alarms: this.refreshAlarms.length ? this.refreshAlarms : undefined,
    });
  }

  /**
   * The service dashboard: the contract's metrics, healthy instances (the target group's
   * `HealthyHostCount`) and scaling activity (the group metrics `GroupDesiredCapacity` and
   * `GroupInServiceInstances`, published because the group enables group metrics collection).
   */
  private createDashboard(): ServiceDashboard {
    const asgMetric = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/AutoScaling',
        metricName,
        dimensionsMap: { AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName },
        statistic: 'Average',
        period: Duration.minutes(1),
        label,
      });
    return new ServiceDashboard(this, 'Dashboard', {
      service: this,
      healthyReplicas: this.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum', label: 'Healthy instances (target group)' }),
      scalingActivity: [asgMetric('GroupDesiredCapacity', 'Desired capacity'), asgMetric('GroupInServiceInstances', 'In service')],
    });
  }

  /** Target tracking on average CPU or on requests per target. */
  private configureScaling(s: Settings): void {
    if (s.targetRequestsPerMinute === undefined) {
      this.autoScalingGroup.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: s.targetCpuPercent });
    } else {
      this.autoScalingGroup.scaleOnRequestCount('RequestScaling', { targetRequestsPerMinute: s.targetRequestsPerMinute });
    }
  }

  /** The worst-case rollout; a deploy-time setting counts with its largest allowed value, and a warning names it. */
  private estimateRollout(s: Settings): RolloutEstimate {
    const assumed: string[] = [];
    const worst = (prop: string, known: boolean, value: () => number, bound: number, unit = '') => {
      if (known) return value();
      assumed.push(`${prop} as ${bound}${unit}`);
      return bound;
    };
    const num = (prop: string, value: number, bound: number) => worst(prop, !Token.isUnresolved(value), () => value, bound);
    const secs = (prop: string, value: Duration, bound: number) => worst(prop, !value.isUnresolved(), () => value.toSeconds(), bound, ' s');
    const groupSize = Math.max(1, num('minCapacity', s.minCapacity, BOUNDS.capacity));
    const percentagesKnown = !Token.isUnresolved(s.minHealthyPercentage) && !Token.isUnresolved(s.maxHealthyPercentage);
    if (!percentagesKnown) assumed.push('one instance replaced at a time (minHealthyPercentage / maxHealthyPercentage)');
    const estimate = estimateRollout({
      groupSize,
      replacedPerBatch: percentagesKnown ? replicasPerBatch(groupSize, s.minHealthyPercentage, s.maxHealthyPercentage) : 1,
      bootAndStartSeconds: s.bootAndStartSeconds,
      warmupSeconds: secs('instanceWarmup', s.instanceWarmup, BOUNDS.instanceWarmupSeconds),
      healthCheckIntervalSeconds: secs('healthCheckInterval', s.healthCheckInterval, BOUNDS.healthCheckIntervalSeconds),
      healthyThreshold: num('healthyThresholdCount', s.healthyThresholdCount, BOUNDS.healthyThresholdCount),
      deregistrationDelaySeconds: secs('deregistrationDelay', s.deregistrationDelay, BOUNDS.deregistrationDelaySeconds),
      checkpoints: s.checkpointPercentages
        ? { count: s.checkpointPercentages.length - 1, delaySeconds: secs('checkpointDelay', s.checkpointDelay!, BOUNDS.checkpointDelaySeconds) }
        : undefined,
      bakeSeconds: secs('refreshBakeTime', s.refreshBakeTime, BOUNDS.refreshBakeSeconds),
    });
    if (assumed.length) {
      Annotations.of(this).addWarningV2(
        'cdk-orchestration:vm-deploy-time-estimate',
        `Deploy-time values: rolloutEstimate and the health check grace period take the worst case (${assumed.join(', ')}).`,
      );
    }
    return estimate;
  }
}

/** A subnet selection for an error message (its subnets are objects; their ids may be tokens). */
function describeSelection(selection: ec2.SubnetSelection): Record<string, unknown> {
  return {
    ...selection,
    subnets: selection.subnets?.map((subnet) => subnet.node.path),
    subnetFilters: selection.subnetFilters ? `${selection.subnetFilters.length} filter(s)` : undefined,
  };
}

/** An AMI known by id (or by a token that resolves to one at deploy time). */
function fixedImage(imageId: string): ec2.IMachineImage {
  return {
    getImage: () => ({ imageId, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }),
  };
}

/** The props checked and the defaults filled in. Numbers and Durations may be deploy-time values. */
interface Settings {
  /** The image source (`VmImage.bake()` when not given). */
  readonly image: VmImage;
  /** Whether the construct bakes the image. */
  readonly baking: boolean;
  readonly instanceTypes: ec2.InstanceType[];
  /** The fleet's architecture; unknown only when the first instance type is a deploy-time value (then an AMI is given). */
  readonly architecture?: ec2.InstanceArchitecture;
  /** The root volume in GiB for the launch template (may be a deploy-time value), and as given for the baked image. */
  readonly rootVolumeSizeGiB: number;
  readonly rootVolumeSize?: Size;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
  readonly instanceWarmup: Duration;
  readonly bootAndStartSeconds: number;
  readonly checkpointPercentages?: number[];
  /** Set with checkpointPercentages only. */
  readonly checkpointDelay?: Duration;
  readonly refreshBakeTime: Duration;
  readonly max5xxPercent: number;
  readonly targetCpuPercent: number;
  /** Set when the group tracks requests per target (`VmScaling.requestsPerTarget`); CPU otherwise. */
  readonly targetRequestsPerMinute?: number;
  readonly healthCheckInterval: Duration;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  readonly deregistrationDelay: Duration;
  readonly accessLogs: boolean;
  readonly autoRollback: boolean;
}

const NUMBER_PROPS = [
  'minCapacity', 'maxCapacity', 'minHealthyPercentage', 'maxHealthyPercentage', 'max5xxPercent',
  'healthyThresholdCount', 'unhealthyThresholdCount', 'logRetention',
] as const satisfies readonly (keyof VmServiceProps)[];
const BOOLEAN_PROPS = ['accessLogs', 'requireImdsv2', 'detailedMonitoring', 'dashboard', 'deletionProtection'] as const satisfies readonly (keyof VmServiceProps)[];
const DURATION_PROPS = ['instanceWarmup', 'bootAndStartTime', 'checkpointDelay', 'refreshBakeTime', 'healthCheckInterval', 'deregistrationDelay'] as const satisfies readonly (keyof VmServiceProps)[];

/**
 * For callers without a type checker (plain JavaScript, other languages): unknown props (typos),
 * values of the wrong type and NaN get our error naming the prop, never a TypeError from inside.
 */
function checkPropTypes(where: Construct, props: VmServiceProps): void {
  checkKnownProps(where, props, VM_SERVICE_PROPS);
  if (props === undefined) return;
  for (const p of NUMBER_PROPS) checkType(where, p, props[p], 'number');
  for (const p of BOOLEAN_PROPS) checkType(where, p, props[p], 'boolean');
  for (const p of DURATION_PROPS) checkIsDuration(where, p, props[p]);
  checkList(where, 'instanceTypes', props.instanceTypes, (t) => t instanceof ec2.InstanceType, 'ec2.InstanceType objects, for example [new ec2.InstanceType(\'t4g.micro\')]', 'an ec2.InstanceType, for example new ec2.InstanceType(\'t4g.micro\')');
  checkList(where, 'checkpointPercentages', props.checkpointPercentages, (p) => typeof p === 'number' && !Number.isNaN(p), 'numbers, for example [50, 100]', 'a number');
  checkList(where, 'refreshAlarms', props.refreshAlarms, (a) => typeof a === 'object' && a !== null, 'CloudWatch alarms', 'a CloudWatch alarm');
  for (const p of ['logRemovalPolicy', 'accessLogsRemovalPolicy'] as const) {
    checkConcrete(where, p, props[p], 'CloudFormation\'s DeletionPolicy takes no deploy-time value');
    checkOneOf(where, p, props[p], Object.values(RemovalPolicy));
  }
  checkObject(where, 'vpc', props.vpc, 'selectSubnets', 'an ec2.IVpc, for example new ec2.Vpc(...) or ec2.Vpc.fromVpcAttributes(...)');
  checkObject(where, 'vpcSubnets', props.vpcSubnets, undefined, 'an ec2.SubnetSelection, for example { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }');
  checkObject(where, 'network', props.network, undefined, 'AppNetwork settings, for example { maxAzs: 3 }');
  checkObject(where, 'certificate', props.certificate, 'certificateArn', 'an ACM certificate, for example acm.Certificate.fromCertificateArn(...)');
  checkObject(where, 'accessLogsBucket', props.accessLogsBucket, 'bucketName', 'an s3.IBucket');
  checkObject(where, 'keyPair', props.keyPair, 'keyPairName', 'an ec2.IKeyPair, for example ec2.KeyPair.fromKeyPairName(...)');
  checkObject(where, 'notificationsTopic', props.notificationsTopic, 'topicArn', 'an sns.ITopic');
  checkObject(where, 'alarmTopic', props.alarmTopic, 'topicArn', 'an sns.ITopic, for example new AlarmTopic(this, \'Alarms\').topic');
  checkObject(where, 'logEncryptionKey', props.logEncryptionKey, 'keyArn', 'a KMS key (kms.IKey), for example new LogsKey(this, \'LogsKey\').key');
  if (props.domain !== undefined) checkDomain(where, 'domain', props.domain);

  checkVmImage(where, 'image', props.image);
  checkVmScaling(where, 'scaling', props.scaling);

  // The shared app field the vm style reads and resolveApp does not type-check (it checks the others)
  const app = props.app as AppDescription | undefined;
  if (app === undefined || app === null || typeof app !== 'object') return;
  checkList(where, 'app.source.exclude', app.source?.exclude, (g) => typeof g === 'string', 'glob patterns (strings)', 'a glob pattern (a string)');
}

/** A list whose every element passes `ok`: `list` says what the list holds, `element` what each element must be. */
function checkList(where: Construct, prop: string, value: unknown, ok: (element: unknown) => boolean, list: string, element: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Array.isArray(value)) throw new OrchestrationError(where, prop, value, `must be a list of ${list}`);
  const bad = value.findIndex((e) => !Token.isUnresolved(e) && !ok(e));
  if (bad >= 0) throw new OrchestrationError(where, `${prop}[${bad}]`, value[bad], `must be ${element}`);
}

/** An object (with `member`, when given), for the props that take constructs or option objects. */
function checkObject(where: Construct, prop: string, value: unknown, member: string | undefined, what: string): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || (member !== undefined && !(member in value))) {
    throw new OrchestrationError(where, prop, typeof value === 'object' && value !== null && !Array.isArray(value) ? '(an object without ' + member + ')' : value, `must be ${what}`);
  }
}

/** Checks the props against each other and the app description, and fills in the defaults. */
function resolveSettings(where: Construct, props: VmServiceProps, app: ResolvedApp): Settings {
  if (app.source.image !== undefined) {
    throw new OrchestrationError(where, 'app.source.image', app.source.image, 'is for the container style; the vm style bakes app.source.directory into an AMI (or runs VmImage.fromAmiId() / VmImage.fromSsmParameter())');
  }
  if (!Token.isUnresolved(app.port) && app.port < 1024) {
    throw new OrchestrationError(where, 'app.port', app.port, `must be from 1024 to 65535: the app runs as the non-root ${APP_USER}, which cannot bind privileged ports (the load balancer listens on 80 and 443)`);
  }
  checkHealthCheckPathLength(where, app.healthCheckPath);
  const image = resolveImage(where, props, app);
  return {
    ...image,
    ...resolveCapacity(where, props, app),
    ...resolveRefresh(where, props, app),
    ...resolveLoadBalancer(where, props),
    ...resolveScaling(where, props, app),
  };
}

/** The target group's HealthCheckPath takes 1 to 1,024 characters (Elastic Load Balancing API). */
const MAX_HEALTH_CHECK_PATH = 1024;

/** app.healthCheckPath within the target group's limit (a deploy-time value passes through). */
function checkHealthCheckPathLength(where: Construct, path: string): void {
  if (Token.isUnresolved(path) || path.length <= MAX_HEALTH_CHECK_PATH) return;
  throw new OrchestrationError(where, 'app.healthCheckPath', path, `must be at most ${MAX_HEALTH_CHECK_PATH} characters: it is the target group's HealthCheckPath`);
}

/** The image source, the instance types and their architecture, the root volume. */
function resolveImage(where: Construct, props: VmServiceProps, app: ResolvedApp): Pick<Settings, 'image' | 'baking' | 'instanceTypes' | 'architecture' | 'rootVolumeSizeGiB' | 'rootVolumeSize'> {
  const image = props.image ?? VmImage.bake();
  const baking = image.bakeOptions !== undefined;
  const rootVolumeSizeGiB = sizeInGiB(where, 'rootVolumeSize', props.rootVolumeSize, { min: 8, max: 16384 }) ?? VM_DEFAULTS.rootVolumeSizeGiB;
  requireKnownAtSynth(where, app, baking, rootVolumeSizeGiB);

  const instanceTypes = props.instanceTypes ?? [new ec2.InstanceType(VM_DEFAULTS.instanceType)];
  if (instanceTypes.length < 1 || instanceTypes.length > 20) {
    throw new OrchestrationError(where, 'instanceTypes', instanceTypes.map(String), 'must list from 1 to 20 instance types');
  }
  if (baking) checkConcrete(where, 'instanceTypes[0]', instanceTypes[0], 'the baked image\'s architecture (arm64 or x86_64) comes from it; with VmImage.fromAmiId() it may be a deploy-time value');
  const known = instanceTypes.filter((t) => !isDeployTime(t));
  known.forEach((t) => checkInstanceType(where, `instanceTypes[${instanceTypes.indexOf(t)}]`, t));
  const architecture = known[0]?.architecture;
  const mixed = known.filter((t) => t.architecture !== architecture);
  if (mixed.length) {
    throw new OrchestrationError(where, 'instanceTypes', instanceTypes.map(String), `must share one architecture (one AMI serves them all): ${known[0]} is ${architecture}, ${mixed[0]} is ${mixed[0]!.architecture}`);
  }
  const build = image.bakeOptions?.buildInstanceType;
  if (build && !isDeployTime(build) && architecture && build.architecture !== architecture) {
    throw new OrchestrationError(where, 'image.bakeOptions.buildInstanceType', String(build), `must have the fleet's architecture (${architecture})`);
  }
  return { image, baking, instanceTypes, architecture, rootVolumeSizeGiB, rootVolumeSize: props.rootVolumeSize };
}

/** The values the construct needs at synth (it reads, renders or hashes them): our error for a deploy-time value, saying why. */
function requireKnownAtSynth(where: Construct, app: ResolvedApp, baking: boolean, rootVolumeSizeGiB: number): void {
  checkConcrete(where, 'app.source.directory', app.source.directory, 'the directory is read at synth (its fingerprint is the app\'s version, and the baked image ships it)');
  checkConcrete(where, 'app.source.exclude', app.source.exclude, 'the patterns filter the directory at synth');
  checkConcrete(where, 'app.command', app.command, 'it is written into the systemd unit of the user data (and the image\'s test) at synth');

  if (baking) {
    const why = 'the image is baked in the stack and its version is a hash of its content, computed at synth';
    checkConcrete(where, 'app.version', app.version, why);
    checkConcrete(where, 'app.healthCheckPath', app.healthCheckPath, `the image's test phase calls it, and ${why}`);
    checkConcrete(where, 'rootVolumeSize', rootVolumeSizeGiB, `it is the image recipe's volume size, and ${why}`);
  }
}

/** An instance type aws-cdk-lib can read the architecture of (`t4g.micro`, not `t4g-micro`). */
function checkInstanceType(where: Construct, prop: string, instanceType: ec2.InstanceType): void {
  try {
    void instanceType.architecture;
  } catch {
    throw new OrchestrationError(where, prop, String(instanceType), 'must be an EC2 instance type such as t4g.micro (family, generation and attributes, a dot, the size)');
  }
}

/** The group's minimum and maximum, from the style props or app.replicas. */
function resolveCapacity(where: Construct, props: VmServiceProps, app: ResolvedApp): Pick<Settings, 'minCapacity' | 'maxCapacity'> {
  checkInteger(where, 'minCapacity', props.minCapacity, { min: 0, max: 1000 });
  checkInteger(where, 'maxCapacity', props.maxCapacity, { min: 1, max: 1000 });
  checkAgrees(where, 'minCapacity', props.minCapacity, 'app.replicas.min', app.replicas.min);
  checkAgrees(where, 'maxCapacity', props.maxCapacity, 'app.replicas.max', app.replicas.max);
  const minCapacity = props.minCapacity ?? app.replicas.min ?? VM_DEFAULTS.minCapacity;
  const minProp = props.minCapacity !== undefined ? 'minCapacity' : 'app.replicas.min';
  let maxCapacity = props.maxCapacity ?? app.replicas.max;
  if (maxCapacity === undefined) {
    checkConcrete(where, minProp, minCapacity, 'the default maximum is the larger of 10 and the minimum; set maxCapacity (or app.replicas.max) too, which may be a deploy-time value');
    maxCapacity = Math.max(VM_DEFAULTS.maxCapacity, minCapacity);
  }
  const maxProp = props.maxCapacity !== undefined ? 'maxCapacity' : 'app.replicas.max';
  if (props.minCapacity !== undefined || props.maxCapacity !== undefined) checkOrdered(where, minProp, minCapacity, maxProp, maxCapacity);
  return { minCapacity, maxCapacity };
}

/** The instance refresh: healthy percentages (or the shared rollout limits), warmup, checkpoints, bake time, alarms. */
function resolveRefresh(where: Construct, props: VmServiceProps, app: ResolvedApp): Pick<Settings, 'minHealthyPercentage' | 'maxHealthyPercentage' | 'instanceWarmup' | 'bootAndStartSeconds' | 'checkpointPercentages' | 'checkpointDelay' | 'refreshBakeTime' | 'max5xxPercent' | 'autoRollback'> {
  const percentages = resolveHealthyPercentages(where, props, app);

  checkAgrees(where, 'instanceWarmup', props.instanceWarmup, 'app.rollout.bakeTime', app.rollout.bakeTime);
  const warmupProp = props.instanceWarmup !== undefined ? 'instanceWarmup' : 'app.rollout.bakeTime';
  const instanceWarmup = props.instanceWarmup ?? app.rollout.bakeTime;
  checkSeconds(where, warmupProp, instanceWarmup, { min: Duration.seconds(0), max: Duration.hours(1) });
  checkSeconds(where, 'bootAndStartTime', props.bootAndStartTime, { min: Duration.seconds(1), max: Duration.hours(1) });
  checkConcrete(where, 'bootAndStartTime', props.bootAndStartTime, 'no template property takes it: the construct computes the health check grace period and the unhealthy-hosts alarm from it at synth');

  const cps = props.checkpointPercentages;
  if (cps !== undefined) {
    const known = (p: number | undefined) => p !== undefined && !Token.isUnresolved(p);
    const last = cps[cps.length - 1];
    const bad =
      cps.length === 0 ||
      cps.some((p, i) => known(p) && (!Number.isInteger(p) || p < 1 || p > 100 || (i > 0 && known(cps[i - 1]) && p <= cps[i - 1]!))) ||
      (known(last) && last !== 100);
    if (bad) throw new OrchestrationError(where, 'checkpointPercentages', cps.map((p) => (Token.isUnresolved(p) ? Stack.of(where).resolve(p) : p)), 'must be ascending unique integers from 1 to 100, the last one 100');
  }
  if (props.checkpointDelay && !cps) throw new OrchestrationError(where, 'checkpointDelay', props.checkpointDelay, 'needs checkpointPercentages');
  checkSeconds(where, 'checkpointDelay', props.checkpointDelay, { min: Duration.seconds(0), max: Duration.hours(48) });
  checkSeconds(where, 'refreshBakeTime', props.refreshBakeTime, { min: Duration.seconds(0), max: Duration.hours(48) });
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
  return {
    ...percentages,
    instanceWarmup: instanceWarmup ?? Duration.seconds(VM_DEFAULTS.instanceWarmupSeconds),
    bootAndStartSeconds: props.bootAndStartTime?.toSeconds() ?? VM_DEFAULTS.bootAndStartSeconds,
    checkpointPercentages: cps,
    checkpointDelay: cps ? (props.checkpointDelay ?? Duration.hours(1)) : undefined,
    refreshBakeTime: props.refreshBakeTime ?? Duration.seconds(0),
    max5xxPercent: props.max5xxPercent ?? VM_DEFAULTS.max5xxPercent,
    autoRollback,
  };
}

/** MinHealthyPercentage and MaxHealthyPercentage, from the style props or the shared rollout limits. */
function resolveHealthyPercentages(where: Construct, props: VmServiceProps, app: ResolvedApp): Pick<Settings, 'minHealthyPercentage' | 'maxHealthyPercentage'> {
  checkNumber(where, 'minHealthyPercentage', props.minHealthyPercentage, { min: 0, max: 100 });
  checkNumber(where, 'maxHealthyPercentage', props.maxHealthyPercentage, { min: 100, max: 200 });
  for (const [p, v] of [['minHealthyPercentage', props.minHealthyPercentage], ['maxHealthyPercentage', props.maxHealthyPercentage]] as const) {
    if (v !== undefined && !Token.isUnresolved(v) && !Number.isInteger(v)) throw new OrchestrationError(where, p, v, 'must be an integer percentage');
  }
  const cannotSubtract = (style: string) => `the vm style renders it as ${style} at synth and CloudFormation cannot do arithmetic; set ${style.split(' ')[0]} instead, which may be a deploy-time value`;
  checkConcrete(where, 'app.rollout.maxUnavailablePercent', app.rollout.maxUnavailablePercent, cannotSubtract('minHealthyPercentage = 100 - maxUnavailablePercent'));
  checkConcrete(where, 'app.rollout.maxSurgePercent', app.rollout.maxSurgePercent, cannotSubtract('maxHealthyPercentage = 100 + maxSurgePercent'));
  const sharedMin = app.rollout.maxUnavailablePercent === undefined ? undefined : 100 - app.rollout.maxUnavailablePercent;
  const sharedMax = app.rollout.maxSurgePercent === undefined ? undefined : 100 + app.rollout.maxSurgePercent;
  checkAgrees(where, 'minHealthyPercentage', props.minHealthyPercentage, 'app.rollout.maxUnavailablePercent', sharedMin, `which means ${sharedMin}`);
  checkAgrees(where, 'maxHealthyPercentage', props.maxHealthyPercentage, 'app.rollout.maxSurgePercent', sharedMax, `which means ${sharedMax}`);
  const pick = (own: number | undefined, shared: number | undefined, fallback: number) => own ?? (shared === undefined ? fallback : Math.round(shared));
  const minHealthyPercentage = pick(props.minHealthyPercentage, sharedMin, VM_DEFAULTS.minHealthyPercentage);
  const maxHealthyPercentage = pick(props.maxHealthyPercentage, sharedMax, VM_DEFAULTS.maxHealthyPercentage);
  if (!Token.isUnresolved(minHealthyPercentage) && !Token.isUnresolved(maxHealthyPercentage)) {
    if (maxHealthyPercentage - minHealthyPercentage > 100) {
      // Each side named as the caller wrote it: the style prop, the shared limit, or the default.
      const side = (own: number | undefined, style: string, sharedProp: string, shared: number | undefined, value: number) =>
        own !== undefined ? { prop: style, value: own, note: '' } : shared !== undefined ? { prop: sharedProp, value: sharedProp.endsWith('SurgePercent') ? app.rollout.maxSurgePercent : app.rollout.maxUnavailablePercent, note: '' } : { prop: style, value, note: ' by default' };
      const max = side(props.maxHealthyPercentage, 'maxHealthyPercentage', 'app.rollout.maxSurgePercent', sharedMax, maxHealthyPercentage);
      const min = side(props.minHealthyPercentage, 'minHealthyPercentage', 'app.rollout.maxUnavailablePercent', sharedMin, minHealthyPercentage);
      throw new OrchestrationError(
        where,
        max.prop,
        max.value,
        `${max.note.trim() ? `${max.note.trim()} ` : ''}and ${min.prop} (${min.value})${min.note} give MaxHealthyPercentage ${maxHealthyPercentage} - MinHealthyPercentage ${minHealthyPercentage} = ${maxHealthyPercentage - minHealthyPercentage}: an instance refresh allows at most 100`,
      );
    }
    if (minHealthyPercentage === 100 && maxHealthyPercentage === 100) {
      throw new OrchestrationError(where, 'minHealthyPercentage and maxHealthyPercentage', { minHealthyPercentage, maxHealthyPercentage }, 'cannot both be 100: the refresh could neither add nor remove an instance');
    }
  }
  return { minHealthyPercentage, maxHealthyPercentage };
}

/** The target group's health check and drain, access logs, and what reaches the user data. */
function resolveLoadBalancer(where: Construct, props: VmServiceProps): Pick<Settings, 'healthCheckInterval' | 'healthyThresholdCount' | 'unhealthyThresholdCount' | 'deregistrationDelay' | 'accessLogs'> {
  checkSeconds(where, 'healthCheckInterval', props.healthCheckInterval, { min: Duration.seconds(5), max: Duration.seconds(300) });
  checkInteger(where, 'healthyThresholdCount', props.healthyThresholdCount, { min: 2, max: 10 });
  checkInteger(where, 'unhealthyThresholdCount', props.unhealthyThresholdCount, { min: 2, max: 10 });
  checkSeconds(where, 'deregistrationDelay', props.deregistrationDelay, { min: Duration.seconds(0), max: Duration.seconds(3600) });
  if (props.accessLogs === false && props.accessLogsBucket) {
    throw new OrchestrationError(where, 'accessLogsBucket', props.accessLogsBucket.node.path, 'needs accessLogs (it is false)');
  }
  if (props.accessLogsBucket?.encryptionKey) {
    throw new OrchestrationError(where, 'accessLogsBucket', props.accessLogsBucket.node.path, 'must be encrypted with SSE-S3, not a KMS key: load balancers cannot write access logs to a KMS-encrypted bucket');
  }
  if (props.accessLogsBucket && props.accessLogsRemovalPolicy !== undefined) {
    throw new OrchestrationError(where, 'accessLogsRemovalPolicy', props.accessLogsRemovalPolicy, 'only applies to the bucket the construct creates, not to accessLogsBucket');
  }
  return {
    healthCheckInterval: props.healthCheckInterval ?? Duration.seconds(VM_DEFAULTS.healthCheckIntervalSeconds),
    healthyThresholdCount: props.healthyThresholdCount ?? VM_DEFAULTS.healthyThresholdCount,
    unhealthyThresholdCount: props.unhealthyThresholdCount ?? VM_DEFAULTS.unhealthyThresholdCount,
    deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(VM_DEFAULTS.deregistrationDelaySeconds),
    accessLogs: props.accessLogs ?? true,
  };
}

/** Target tracking (CPU, or requests per target), and the configuration that reaches a systemd EnvironmentFile. */
function resolveScaling(where: Construct, props: VmServiceProps, app: ResolvedApp): Pick<Settings, 'targetCpuPercent' | 'targetRequestsPerMinute'> {
  const scaling = props.scaling ?? VmScaling.cpuUtilization();
  const shared = app.replicas.targetCpuPercent;
  checkAgrees(where, 'scaling.targetCpuPercent', scaling.targetCpuPercent, 'app.replicas.targetCpuPercent', shared);
  if (scaling.targetRequestsPerMinute !== undefined && shared !== undefined) {
    Annotations.of(where).addWarningV2('cdk-orchestration:vm-cpu-target-ignored', 'app.replicas.targetCpuPercent does not apply: scaling is VmScaling.requestsPerTarget(), which tracks requests per instance, not CPU.');
  }
  for (const [k, v] of Object.entries(app.environment)) {
    if (!Token.isUnresolved(v) && /[\n\r\0]/.test(v)) {
      throw new OrchestrationError(where, `app.environment.${k}`, v, 'must be a single line (it goes into a systemd EnvironmentFile)');
    }
  }
  return {
    targetCpuPercent: scaling.targetCpuPercent ?? shared ?? APP_DEFAULTS.targetCpuPercent,
    targetRequestsPerMinute: scaling.targetRequestsPerMinute,
  };
}
