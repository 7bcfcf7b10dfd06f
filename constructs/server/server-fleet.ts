import { Annotations, Duration, RemovalPolicy, Token, Tokenization } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { estimateRollout, type RolloutEstimate } from '../../lib/rollout-estimate';
import { secretRefEnvName } from '../../lib/secret-ref';
import { checkAgrees, checkConcrete, checkDocumentParameter, checkDuration, durationIn, checkInteger, checkIsDuration, checkKnownProps, checkNumber, checkOneOf, checkPattern, checkType, checkUserDataSize, checkWholeUnits } from '../../lib/validate';
import { notifyOnAlarms } from '../shared/alarm-topic';
import { acknowledgeControl } from '../shared/compliance';
import { grantLogsUse } from '../shared/log-encryption';
import { acknowledgeNag } from '../shared/nag';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { type BoundSecret, bindSecrets } from '../shared/secrets';
import { appVersion, DEFAULT_CODE_EXCLUDE, sourceDirectory } from '../shared/source';
import { NGINX_DEFAULTS, type NginxUpstream, rolloutPause } from './nginx-config';
import { RolloutWaiter } from './rollout-waiter';
import { APP_USER, renderEnvironmentFile, renderServerBootstrap, renderUnitFile, serverAsset, serverLauncher } from './server-files';
import { base64, checkLogKeyAndTopic, checkVpc, hardenedInstance, SERVER_INSTANCE_OPTION_NAMES, type ServerInstanceOptions, shellDocument, stringParameter, validateInstanceOptions } from './server-instance';

/** Props of {@link ServerFleet}. */
export interface ServerFleetProps extends ServerInstanceOptions {
  /**
   * The app: its code (`source.directory`, ready-to-run JavaScript shipped as an S3 asset),
   * command, port, health check, configuration, secrets, fleet size (`replicas.min`) and
   * rollout limits (`rollout.maxUnavailablePercent` → serial, `rollout.maxFailurePercent` →
   * maxFailPercentage, `rollout.bakeTime` → pause after each server).
   */
  readonly app: AppDescription;

  /**
   * The VPC. The servers go into its private subnets (see `vpcSubnets`).
   * @default - a new {@link AppNetwork} (two AZs, NAT instance, S3 endpoint, flow logs)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Settings of the network created when `vpc` is not given (for example
   * `flowLogRemovalPolicy`).
   * @default - AppNetwork's defaults
   */
  readonly network?: AppNetworkProps;

  /**
   * Where the servers go; they are spread round-robin over the selected subnets (and so AZs).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * How many servers, from 1 to 50 (the rollout association targets the servers by instance id,
   * and SSM takes at most 50 values per target). The server style does not auto scale: change this
   * number to scale (one new server per step; nginx reloads with the new membership).
   * Must be known at synth: it decides how many instances the stack creates.
   * @default - app.replicas.min, else 3 (the book's)
   */
  readonly fleetSize?: number;

  /**
   * How many servers a rollout updates at a time (Ansible's `serial`, the association's
   * MaxConcurrency), from 1 to fleetSize. May be a deploy-time value (the rollout's wait and
   * estimate then count one server per step).
   * @default - from app.rollout.maxUnavailablePercent (at least one server), else 1 (the book's)
   */
  readonly serial?: number;

  /**
   * The rollout stops sending the update to more servers once more than this percentage of
   * servers failed (Ansible's `max_fail_percentage`, the association's MaxErrors), 0 to 100.
   * May be a deploy-time value.
   * @default - app.rollout.maxFailurePercent, else 30 (the book's)
   */
  readonly maxFailPercentage?: number;

  /**
   * The `fail_timeout` of the nginx in front of the fleet. Each server's update waits longer
   * than this after its health check passes, so nginx routes to it again before the next
   * server goes down. Whole seconds, known at synth (the pause is computed from it).
   * @default Duration.seconds(1), the NginxLoadBalancer's default
   */
  readonly loadBalancerFailTimeout?: Duration;

  /**
   * How long one server may take to answer its health check after the restart before its
   * update fails. Whole seconds, up to 1 hour. May be a deploy-time value in `Duration.seconds`
   * (the step timeout then counts the maximum).
   * @default Duration.minutes(2)
   */
  readonly healthCheckTimeout?: Duration;

  /**
   * How long the app gets to drain on SIGTERM before systemd kills it (TimeoutStopSec).
   * Whole seconds, known at synth (it is rendered into the unit file).
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;

  /**
   * How long CloudFormation waits for the rollout to succeed before it fails the deploy and rolls
   * back: the association's WaitForSuccessTimeoutSeconds, and the budget of the rollout waiter
   * (counted from the execution's start; past 55 minutes it waits in chained legs). Between 15
   * seconds and 48 hours, whole seconds. May be a deploy-time value in `Duration.seconds` (the
   * waiter then has legs for 48 hours).
   * @default - the rollout's worst case: servers ÷ serial steps, each bounded by the step
   *   timeout (download, stop, health check timeout, pause), plus 10 minutes for the first boot
   */
  readonly waitForSuccessTimeout?: Duration;

  /**
   * The AL2023 package that provides `node`. Known at synth (it goes into the bootstrap script).
   * @default 'nodejs24'
   */
  readonly nodejsPackage?: string;

  /**
   * Releases kept on each server's disk (the current one included), for fast rollbacks.
   * May be a deploy-time value.
   * @default 3
   */
  readonly keepReleases?: number;

  /**
   * Apply systemd's sandboxing to the app (read-only system, private /tmp, no privilege gain).
   * @default true
   */
  readonly systemdHardening?: boolean;

  /**
   * How long the app's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The KMS key every log group of the fleet (the app's, the rollout waiter's) is encrypted with.
   * A key made in this app gets the key policy statement CloudWatch Logs needs (`grantLogsUse`);
   * an imported key's policy must already allow `logs.<region>.amazonaws.com`.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * The SNS topic every alarm of the fleet (the recover alarms) notifies, on alarm and back to OK.
   * Its key, if any, must let CloudWatch use it (`AlarmTopic` does).
   * @default - alarms notify nobody
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The names of {@link ServerFleetProps}, for the unknown-prop check of callers without a type checker.
 * Typed by the interface: a prop added there and not here (or a name here that is not there) fails to compile.
 */
export const SERVER_FLEET_PROP_NAMES: Record<keyof ServerFleetProps, true> = {
  ...SERVER_INSTANCE_OPTION_NAMES,
  app: true,
  vpc: true,
  network: true,
  vpcSubnets: true,
  fleetSize: true,
  serial: true,
  maxFailPercentage: true,
  loadBalancerFailTimeout: true,
  healthCheckTimeout: true,
  stopTimeout: true,
  waitForSuccessTimeout: true,
  nodejsPackage: true,
  keepReleases: true,
  systemdHardening: true,
  logRetention: true,
  logRemovalPolicy: true,
  logEncryptionKey: true,
  alarmTopic: true,
};

/** The inputs of the rollout's worst-case duration (for an estimator and for humans). */
export interface ServerRolloutTiming {
  /** Servers in the fleet. */
  readonly servers: number;
  /** Servers updated at a time (a deploy-time value when `serial` is one). */
  readonly serial: number;
  /** ceil(servers / serial): steps one after the other (with a deploy-time `serial`, servers: the longest case). */
  readonly steps: number;
  /** Upper bound of the download + unpack of a release. */
  readonly installBudget: Duration;
  /** systemd's TimeoutStopSec: the app's drain on restart. */
  readonly stopTimeout: Duration;
  /** How long a server may take to answer its health check (a deploy-time value when given as one). */
  readonly healthCheckTimeout: Duration;
  /** The pause after a server is healthy (> nginx fail_timeout). */
  readonly pause: Duration;
  /** Hard limit of one server's step (the document's timeoutSeconds); a deploy-time health check timeout counts as its maximum, 1 hour. */
  readonly stepTimeout: Duration;
  /** Allowance for the servers' first boot (cloud-init) on the first rollout. */
  readonly bootstrapAllowance: Duration;
  /** What CloudFormation waits at most (WaitForSuccessTimeoutSeconds). */
  readonly waitForSuccessTimeout: Duration;
}

const INSTALL_BUDGET = Duration.minutes(2);
/** Why a deploy-time waitForSuccessTimeout must be written in seconds. */
const WAIT_SECONDS = "the association's WaitForSuccessTimeoutSeconds counts seconds";
const BOOTSTRAP_ALLOWANCE = Duration.minutes(10);

/**
 * The server style's fleet: N EC2 instances (Amazon Linux 2023, IMDSv2, no SSH key,
 * encrypted volumes) spread over AZs in private subnets, each running the app as `app-user`
 * under systemd (`Restart=always`) with its log in CloudWatch Logs, each watched by a recover
 * alarm, and updated in place by an SSM association: `serial` servers at a time, stopping past
 * `maxFailPercentage` failures, re-applied whenever the app's code asset or configuration
 * changes, with CloudFormation waiting for it through a rollout waiter that checks the
 * association's execution of the new version (a failed rollout fails the deploy and
 * CloudFormation's rollback re-applies the previous version).
 *
 * Usable alone (with your own load balancer) or through {@link ServerService} with nginx.
 *
 * @example
 * const fleet = new ServerFleet(this, 'Fleet', { app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) } });
 */
export class ServerFleet extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The servers. */
  public readonly instances: ec2.Instance[];
  /** One recover alarm per server (StatusCheckFailed_System → EC2 recover). */
  public readonly recoverAlarms: cloudwatch.Alarm[];
  /** The rollout: the association that installs the current release on every server. */
  public readonly association: ssm.CfnAssociation;
  /**
   * Waits on every release until the association's execution of its new version succeeds, and fails the deploy
   * (CloudFormation rolls back) when it fails or outlasts `waitForSuccessTimeout`: the association's own wait may
   * end at the previous run's `Success`. Anything that must follow the rollout depends on its last leg.
   */
  public readonly rolloutWaiter: RolloutWaiter;
  /** The Command document each server runs during a rollout. */
  public readonly document: ssm.CfnDocument;
  /** The app's code, as an S3 asset. */
  public readonly asset: s3assets.Asset;
  /** The servers' security group: nothing may connect until you allow it (`connections.allowFrom`). */
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly connections: ec2.Connections;
  /** The servers' role (SSM, the code asset, the log group, the app's secrets). */
  public readonly role: iam.Role;
  public readonly grantPrincipal: iam.IPrincipal;
  /** The app's log group (one stream per server). */
  public readonly logGroup: logs.LogGroup;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The network created when no `vpc` was given. */
  public readonly network?: AppNetwork;
  /** The app description with its defaults filled in. */
  public readonly app: ResolvedApp;
  /** The version the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The app's systemd unit, as installed on every server. */
  public readonly unitFile: string;
  /** The rollout's timing (inputs of its worst-case duration). */
  public readonly rolloutTiming: ServerRolloutTiming;
  /**
   * The rollout's worst-case duration, from the shared estimator (`lib/rollout-estimate.ts`):
   * `ceil(servers / serial)` steps, each at worst the install budget plus the health wait
   * (boot-and-start), the pause past nginx's fail_timeout (warmup) and the graceful stop (drain).
   */
  public readonly rolloutEstimate: RolloutEstimate;
  /** The servers' private addresses and the app port, for a load balancer. */
  public readonly upstreams: NginxUpstream[];

  constructor(scope: Construct, id: string, props: ServerFleetProps) {
    super(scope, id);
    checkKnownProps(this, props, SERVER_FLEET_PROP_NAMES);
    this.app = resolveApp(this, props?.app);
    const settings = resolveFleetSettings(this, props, this.app);

    const dir = sourceDirectory(this, this.app);
    this.appVersion = appVersion(this.app, dir);
    this.asset = new s3assets.Asset(this, 'Code', { path: dir, exclude: this.app.source.exclude ?? DEFAULT_CODE_EXCLUDE });

    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    const subnets = this.selectSubnets(props.vpcSubnets);
    if (props.logEncryptionKey) grantLogsUse(props.logEncryptionKey);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
    this.role = this.createRole();
    this.grantPrincipal = this.role;
    const secrets = this.grantSecrets();
    this.acknowledgeRole();
    this.securityGroup = this.createSecurityGroup();
    this.connections = this.securityGroup.connections;

    ({ instances: this.instances, recoverAlarms: this.recoverAlarms } = this.createServers(props, subnets, settings.fleetSize));
    this.upstreams = this.instances.map((i) => ({ address: i.instancePrivateIp, port: this.app.port }));
    this.unitFile = renderUnitFile({ appName: this.app.name, command: this.app.command, stopTimeoutSeconds: settings.stopTimeout.toSeconds(), hardening: props.systemdHardening ?? true });

    this.document = this.createRolloutDocument();
    ({ timing: this.rolloutTiming, estimate: this.rolloutEstimate } = planRollout(settings, props.waitForSuccessTimeout));
    this.association = this.createRolloutAssociation(settings, secrets);
    this.rolloutWaiter = this.createRolloutWaiter(props);
    notifyOnAlarms(props.alarmTopic, this.recoverAlarms);
  }

  /** Lets a peer (a load balancer) reach the app port of every server. */
  public allowFrom(peer: ec2.IConnectable, description?: string): void {
    this.connections.allowFrom(peer, ec2.Port.tcp(this.app.port), description ?? `${this.app.name} app port from its load balancer`);
  }

  /** The subnets the servers are spread over (at least one). */
  private selectSubnets(selection: ec2.SubnetSelection | undefined): ec2.ISubnet[] {
    const subnets = this.vpc.selectSubnets(selection ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    if (subnets.length === 0) throw new OrchestrationError(this, 'vpcSubnets', selection, 'must select at least one subnet of the VPC');
    return subnets;
  }

  /** The servers' role: Session Manager, their log group, and exactly this release of the code. */
  private createRole(): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `App servers of ${this.app.name}: Session Manager, rollout (code asset), logs and the app's secrets`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [this.logGroup.logGroupArn] }),
    );
    // Exactly this release, not the whole assets bucket (Asset.grantRead would grant s3:GetObject* on bucket/*).
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)] }));
    return role;
  }

  /** The app's secrets, each readable by the servers' role (only references reach the servers). */
  private grantSecrets(): BoundSecret[] {
    const secrets = bindSecrets(this, this.app.secrets);
    for (const s of secrets) s.grantRead(this.role);
    return secrets;
  }

  /** The servers' security group: no inbound rule until {@link allowFrom}. */
  private createSecurityGroup(): ec2.SecurityGroup {
    return new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `App servers of ${this.app.name}: no inbound rule except from its load balancer on the app port; no SSH`,
      allowAllOutbound: true,
    });
  }

  /** `fleetSize` hardened servers spread round-robin over the subnets, each with its recover alarm. */
  private createServers(props: ServerFleetProps, subnets: ec2.ISubnet[], fleetSize: number): { instances: ec2.Instance[]; recoverAlarms: cloudwatch.Alarm[] } {
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...renderServerBootstrap({ appName: this.app.name, logGroupName: this.logGroup.logGroupName, nodejsPackage: props.nodejsPackage ?? 'nodejs24' }));
    checkUserDataSize(this, 'nodejsPackage', userData);
    const instances: ec2.Instance[] = [];
    const recoverAlarms: cloudwatch.Alarm[] = [];
    for (let i = 0; i < fleetSize; i++) {
      const { instance, recoverAlarm } = hardenedInstance(this, `Server${i + 1}`, {
        ...props,
        vpc: this.vpc,
        subnet: subnets[i % subnets.length]!,
        securityGroup: this.securityGroup,
        role: this.role,
        userData,
        purpose: `App server ${i + 1} of ${this.app.name}`,
      });
      instances.push(instance);
      recoverAlarms.push(recoverAlarm);
      if (!this.vpc.publicSubnets.includes(subnets[i % subnets.length]!)) {
        acknowledgeControl(instance, 'CT.EC2.PR.8', `App server ${i + 1} of ${this.app.name} is in a private subnet (no route from an internet gateway, no public IP mapped on launch), so it gets no public address; the control asks for AssociatePublicIpAddress: false inside NetworkInterfaces, which would move SubnetId into NetworkInterfaces and replace every running server of existing stacks.`);
      }
    }
    return { instances, recoverAlarms };
  }

  /** The Command document each server runs in a rollout (assets/rollout.sh). */
  private createRolloutDocument(): ssm.CfnDocument {
    return new ssm.CfnDocument(this, 'RolloutDocument', {
      documentType: 'Command',
      documentFormat: 'JSON',
      targetType: '/AWS::EC2::Instance',
      content: shellDocument(
        'cdk-orchestration server style: install a release on one server, restart it, succeed once it is healthy and paced past nginx fail_timeout',
        ROLLOUT_PARAMETERS,
        serverAsset('rollout.sh'),
        'stepTimeoutSeconds',
      ),
    });
  }

  /**
   * The rollout: the association that runs the document on every server, `serial` at a time, with
   * this release's parameters (a new release changes them, and SSM runs it again); CloudFormation
   * waits for it to succeed.
   */
  private createRolloutAssociation(settings: FleetSettings, secrets: BoundSecret[]): ssm.CfnAssociation {
    const app = this.app;
    const environment: Record<string, string> = { ...app.environment, PORT: Tokenization.stringifyNumber(app.port), APP_VERSION: this.appVersion };
    for (const s of secrets) environment[secretRefEnvName(s.envName)] = s.reference;
    const timing = this.rolloutTiming;
    const parameters: Record<string, string> = {
      appName: app.name,
      source: this.asset.s3ObjectUrl,
      version: this.appVersion,
      port: Tokenization.stringifyNumber(app.port),
      healthCheckPath: app.healthCheckPath,
      healthCheckTimeoutSeconds: Tokenization.stringifyNumber(settings.healthCheckTimeoutSeconds),
      pauseSeconds: String(timing.pause.toSeconds()),
      keepReleases: Tokenization.stringifyNumber(settings.keepReleases),
      stepTimeoutSeconds: String(timing.stepTimeout.toSeconds()),
      unitFile: base64(this.unitFile),
      environmentFile: base64(renderEnvironmentFile(environment)),
      launcher: base64(serverLauncher()),
    };
    for (const [name, value] of Object.entries(parameters)) {
      checkDocumentParameter(this, ROLLOUT_PARAMETER_PROPS[name] ?? `rollout parameter ${name}`, value, name, ROLLOUT_PARAMETERS[name]!.allowedPattern!);
    }
    const association = new ssm.CfnAssociation(this, 'Rollout', {
      name: this.document.ref,
      targets: [{ key: 'InstanceIds', values: this.instances.map((i) => i.instanceId) }],
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])),
      maxConcurrency: Tokenization.stringifyNumber(settings.serial),
      maxErrors: `${Tokenization.stringifyNumber(settings.maxFailPercentage)}%`,
      waitForSuccessTimeoutSeconds: durationIn(this, 'waitForSuccessTimeout', timing.waitForSuccessTimeout, 'seconds', WAIT_SECONDS),
      complianceSeverity: 'HIGH',
    });
    // The servers must be allowed to read the new release before the association runs.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) association.node.addDependency(policy);
    return association;
  }

  /** The waiter after the association, with the same budget (the wait counts from the execution's start). */
  private createRolloutWaiter(props: ServerFleetProps): RolloutWaiter {
    const budget = this.rolloutTiming.waitForSuccessTimeout;
    const seconds = durationIn(this, 'waitForSuccessTimeout', budget, 'seconds', WAIT_SECONDS);
    return new RolloutWaiter(this, 'RolloutWaiter', {
      association: this.association,
      waitForSuccessSeconds: seconds,
      maxWaitForSuccessSeconds: Token.isUnresolved(seconds) ? MAX_WAIT_FOR_SUCCESS.toSeconds() : seconds,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
    });
  }

  private acknowledgeRole(): void {
    acknowledgeNag(
      this.role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'The servers have no SSH: Session Manager and the SSM rollout association need the SSM agent permissions of this AWS-managed policy, which AWS keeps in step with the agent.',
    );
  }
}

/** The rollout document's parameters: every value is constrained, since SSM substitutes them into the script. */
const B64 = '^[A-Za-z0-9+/=]*$';
const NUMBER = '^[0-9]{1,6}$';
const ROLLOUT_PARAMETERS: Record<string, Record<string, string>> = {
  appName: stringParameter('The app name (unit, paths).', '^[a-z][a-z0-9-]{0,39}$'),
  source: stringParameter('The release zip (s3://bucket/key).', '^s3://[a-z0-9][a-z0-9.-]{1,62}/[A-Za-z0-9!_.*()/-]+$'),
  version: stringParameter('The version the app reports (APP_VERSION).', '^[A-Za-z0-9._+-]{1,64}$'),
  port: stringParameter('The app port.', '^[0-9]{1,5}$'),
  healthCheckPath: stringParameter('The path that must answer 200.', '^/[A-Za-z0-9._~/-]*$'),
  healthCheckTimeoutSeconds: stringParameter('How long the server may take to become healthy.', NUMBER),
  pauseSeconds: stringParameter('The pause after the health check (longer than nginx fail_timeout).', NUMBER),
  keepReleases: stringParameter('Releases kept on disk.', NUMBER),
  stepTimeoutSeconds: stringParameter('Hard limit of this server\'s step.', NUMBER),
  unitFile: stringParameter('The systemd unit (base64).', B64),
  environmentFile: stringParameter('The EnvironmentFile (base64): configuration and secret references, no secret values.', B64),
  launcher: stringParameter('The start script (base64).', B64),
};
/** The prop each rollout parameter's value comes from, for the allowedPattern check's error. */
const ROLLOUT_PARAMETER_PROPS: Record<string, string> = {
  appName: 'app.name',
  version: 'app.version',
  port: 'app.port',
  healthCheckPath: 'app.healthCheckPath',
  healthCheckTimeoutSeconds: 'healthCheckTimeout',
  keepReleases: 'keepReleases',
};

/**
 * SSM's limit on the values of one association target (`InstanceIds`): "at most 50", so at most 50
 * servers (AWS::SSM::Association Target, Values: Maximum 50).
 */
export const MAX_FLEET_SIZE = 50;

/** What the fleet reads from its props and the app description, checked, with defaults filled in. */
interface FleetSettings {
  /** Concrete: it decides how many instances exist. */
  fleetSize: number;
  /** May be a deploy-time value (MaxConcurrency). */
  serial: number;
  /** May be a deploy-time value (MaxErrors). */
  maxFailPercentage: number;
  /** Concrete: max(bakeTime, fail_timeout + 1 s). */
  pause: Duration;
  healthCheckTimeout: Duration;
  /** May be a deploy-time value (Duration.seconds(token)): the document's parameter. */
  healthCheckTimeoutSeconds: number;
  /** Concrete: it is rendered into the systemd unit. */
  stopTimeout: Duration;
  /** May be a deploy-time value (the document's parameter). */
  keepReleases: number;
}

const MAX_WAIT_FOR_SUCCESS = Duration.hours(48);
/** The bound a deploy-time health check timeout is given in the step and wait timeouts (its maximum). */
const MAX_HEALTH_CHECK_TIMEOUT = Duration.hours(1);

/** Maps the shared app description onto the fleet, rejecting contradictions and bad values. */
function resolveFleetSettings(where: Construct, props: ServerFleetProps, app: ResolvedApp): FleetSettings {
  checkFleetProps(where, props);
  checkAppForServers(where, app);
  const fleetSize = resolveFleetSize(where, props, app);
  const serial = resolveSerial(where, props, app, fleetSize);
  const maxFailPercentage = resolveMaxFailPercentage(where, props, app);
  const pause = resolvePause(where, props, app);

  const healthCheckTimeout = props.healthCheckTimeout ?? Duration.minutes(2);
  checkWholeUnits(where, 'healthCheckTimeout', healthCheckTimeout, 'seconds', 'must be whole seconds (the rollout script counts in seconds)');
  checkDuration(where, 'healthCheckTimeout', healthCheckTimeout, { min: Duration.seconds(5), max: MAX_HEALTH_CHECK_TIMEOUT });
  const healthCheckTimeoutSeconds = durationIn(where, 'healthCheckTimeout', healthCheckTimeout, 'seconds', 'the rollout document\'s healthCheckTimeoutSeconds counts seconds');
  const stopTimeout = props.stopTimeout ?? Duration.seconds(30);
  checkConcrete(where, 'stopTimeout', stopTimeout, "it is rendered into the app's systemd unit (TimeoutStopSec) at synth and bounds each server's step");
  checkWholeUnits(where, 'stopTimeout', stopTimeout, 'seconds', "must be whole seconds (systemd's TimeoutStopSec)");
  checkDuration(where, 'stopTimeout', stopTimeout, { min: Duration.seconds(1), max: Duration.minutes(15) });
  checkWholeUnits(where, 'waitForSuccessTimeout', props.waitForSuccessTimeout, 'seconds', 'must be whole seconds (WaitForSuccessTimeoutSeconds)');
  checkDuration(where, 'waitForSuccessTimeout', props.waitForSuccessTimeout, { min: Duration.seconds(15), max: MAX_WAIT_FOR_SUCCESS });
  if (props.waitForSuccessTimeout !== undefined) durationIn(where, 'waitForSuccessTimeout', props.waitForSuccessTimeout, 'seconds', WAIT_SECONDS);
  checkInteger(where, 'keepReleases', props.keepReleases, { min: 1, max: 20 });
  checkConcrete(where, 'nodejsPackage', props.nodejsPackage, "it is rendered into the servers' bootstrap script (user data) at synth, where it must match a package name");
  checkPattern(where, 'nodejsPackage', props.nodejsPackage, /^[a-z0-9][a-z0-9._+-]*$/, 'a dnf package name, for example "nodejs24"');
  warnAboutIgnoredFields(where, app);
  return { fleetSize, serial, maxFailPercentage, pause, healthCheckTimeout, healthCheckTimeoutSeconds, stopTimeout, keepReleases: props.keepReleases ?? 3 };
}

/** Types, for callers without a type checker (plain JavaScript, other languages). */
function checkFleetProps(where: Construct, props: ServerFleetProps): void {
  for (const k of ['fleetSize', 'serial', 'maxFailPercentage', 'keepReleases', 'logRetention'] as const) checkType(where, k, props[k], 'number');
  for (const k of ['loadBalancerFailTimeout', 'healthCheckTimeout', 'stopTimeout', 'waitForSuccessTimeout'] as const) checkIsDuration(where, k, props[k]);
  checkType(where, 'nodejsPackage', props.nodejsPackage, 'string');
  checkType(where, 'systemdHardening', props.systemdHardening, 'boolean');
  checkOneOf(where, 'logRemovalPolicy', props.logRemovalPolicy, Object.values(RemovalPolicy));
  checkLogKeyAndTopic(where, props);
  validateInstanceOptions(where, props);
  checkVpc(where, props.vpc);
}

/** The app fields the server style renders at synth must be known then; the rest may come from deploy-time values. */
function checkAppForServers(where: Construct, app: ResolvedApp): void {
  checkConcrete(where, 'app.name', app.name, 'the server style names the systemd unit, its directories and log files after it in the unit file and the bootstrap script it renders at synth');
  checkConcrete(where, 'app.command', app.command, "it is quoted for systemd into the unit's ExecStart at synth");
  checkConcrete(where, 'app.source.directory', app.source.directory, 'the code is packaged as an asset at synth');
  checkConcrete(where, 'app.source.exclude', app.source.exclude, "the code asset and its hash are made at synth");
  if (app.source.image !== undefined) {
    throw new OrchestrationError(where, 'app.source.image', app.source.image, 'is for the container style; the server style runs code from app.source.directory');
  }
  if (!Token.isUnresolved(app.port) && app.port < 1024) {
    throw new OrchestrationError(where, 'app.port', app.port, `must be from 1024 to 65535: the app runs as the non-root ${APP_USER}, which cannot bind privileged ports (nginx listens on 80)`);
  }
}

/** `fleetSize` or `app.replicas.min` (the same number for this style), else 3: how many instances exist. */
function resolveFleetSize(where: Construct, props: ServerFleetProps, app: ResolvedApp): number {
  const { min, max } = app.replicas;
  checkConcrete(where, 'fleetSize', props.fleetSize, 'it decides how many EC2 instances the stack creates');
  checkFleetSizeLimit(where, 'fleetSize', props.fleetSize);
  checkInteger(where, 'fleetSize', props.fleetSize, { min: 1, max: MAX_FLEET_SIZE });
  checkConcrete(where, 'app.replicas.min', min, 'for the server style it is the fleet size, which decides how many EC2 instances the stack creates');
  checkConcrete(where, 'app.replicas.max', max, 'the server style does not auto scale, so it must equal the fleet size, which is checked at synth');
  if (min !== undefined && min < 1 && props.fleetSize === undefined) {
    throw new OrchestrationError(where, 'app.replicas.min', min, 'must be at least 1 for the server style (the fleet size)');
  }
  checkAgrees(where, 'fleetSize', props.fleetSize, 'app.replicas.min', min, `${min}, the same number for the server style`);
  const fleetSize = props.fleetSize ?? min ?? 3;
  checkFleetSizeLimit(where, 'app.replicas.min', fleetSize);
  checkInteger(where, 'app.replicas.min', fleetSize, { min: 1, max: MAX_FLEET_SIZE });
  if (max !== undefined && max !== fleetSize) {
    throw new OrchestrationError(where, 'app.replicas.max', max, `must equal the fleet size (${fleetSize}) or be unset: the server style does not auto scale`);
  }
  return fleetSize;
}

/** Past SSM's 50 values per association target: our error, saying why (the range check follows). */
function checkFleetSizeLimit(where: Construct, prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value) || !(value > MAX_FLEET_SIZE)) return;
  throw new OrchestrationError(where, prop, value, `must be at most ${MAX_FLEET_SIZE}: the rollout association targets the servers by instance id, and SSM takes at most ${MAX_FLEET_SIZE} values per association target`);
}

/** `serial` (may be a deploy-time value), or `app.rollout.maxUnavailablePercent` of the fleet, else 1. */
function resolveSerial(where: Construct, props: ServerFleetProps, app: ResolvedApp, fleetSize: number): number {
  const percent = app.rollout.maxUnavailablePercent;
  checkInteger(where, 'serial', props.serial, { min: 1, max: fleetSize });
  checkConcrete(where, 'app.rollout.maxUnavailablePercent', percent, 'the server style turns it into a number of servers at synth (CloudFormation has no arithmetic); pass `serial` for a deploy-time value');
  const fromPercent = percent !== undefined ? Math.max(1, Math.floor((fleetSize * percent) / 100)) : undefined;
  checkAgrees(where, 'serial', props.serial, 'app.rollout.maxUnavailablePercent', fromPercent, `${percent}, that is ${percent}% of ${fleetSize} servers = ${fromPercent} at a time`);
  return props.serial ?? fromPercent ?? 1;
}

/** `maxFailPercentage` or `app.rollout.maxFailurePercent` (either may be a deploy-time value), else 30. */
function resolveMaxFailPercentage(where: Construct, props: ServerFleetProps, app: ResolvedApp): number {
  const own = props.maxFailPercentage;
  const shared = app.rollout.maxFailurePercent;
  checkNumber(where, 'maxFailPercentage', own, { min: 0, max: 100 });
  if (own !== undefined && !Token.isUnresolved(own) && !Number.isInteger(own)) {
    throw new OrchestrationError(where, 'maxFailPercentage', own, 'must be a whole percentage from 0 to 100 (SSM MaxErrors)');
  }
  checkAgrees(where, 'maxFailPercentage', own, 'app.rollout.maxFailurePercent', shared, `${shared}, the same limit`);
  if (own !== undefined) return own;
  if (shared === undefined) return 30;
  return Token.isUnresolved(shared) ? shared : Math.floor(shared);
}

/** The pause after each healthy server: max(app.rollout.bakeTime, fail_timeout + 1 s), both known at synth. */
function resolvePause(where: Construct, props: ServerFleetProps, app: ResolvedApp): Duration {
  const why = "each server's pause, max(app.rollout.bakeTime, fail_timeout + 1 s), is computed at synth and adds up into the step and CloudFormation wait timeouts (CloudFormation has no arithmetic)";
  checkConcrete(where, 'loadBalancerFailTimeout', props.loadBalancerFailTimeout, why);
  const failTimeout = props.loadBalancerFailTimeout ?? NGINX_DEFAULTS.failTimeout;
  checkWholeUnits(where, 'loadBalancerFailTimeout', failTimeout, 'seconds', 'must be whole seconds, like nginx fail_timeout');
  checkDuration(where, 'loadBalancerFailTimeout', failTimeout, { min: Duration.seconds(1), max: Duration.hours(1) });
  const bake = app.rollout.bakeTime;
  checkIsDuration(where, 'app.rollout.bakeTime', bake);
  checkConcrete(where, 'app.rollout.bakeTime', bake, why);
  checkWholeUnits(where, 'app.rollout.bakeTime', bake, 'seconds', 'must be whole seconds (the rollout script pauses in seconds)');
  checkDuration(where, 'app.rollout.bakeTime', bake, { min: Duration.seconds(0), max: Duration.hours(1) });
  if (bake && bake.toMilliseconds() <= failTimeout.toMilliseconds()) {
    throw new OrchestrationError(where, 'app.rollout.bakeTime', bake, `must be longer than the load balancer's fail_timeout (${failTimeout.toHumanString()}), or unset (then ${rolloutPause(failTimeout).toHumanString()}): a shorter pause lets nginx mark every server failed at once`);
  }
  return rolloutPause(failTimeout, bake);
}

/** Legal fields this style does not use: a warning each, with an id users can acknowledge. */
function warnAboutIgnoredFields(where: Construct, app: ResolvedApp): void {
  const shown = (v: number) => (Token.isUnresolved(v) ? 'a deploy-time value' : String(v));
  if (app.rollout.maxSurgePercent !== undefined) {
    Annotations.of(where).addWarningV2('cdk-orchestration:server-no-surge', `app.rollout.maxSurgePercent (${shown(app.rollout.maxSurgePercent)}) is ignored by the server style: servers are updated in place, never surged.`);
  }
  if (app.replicas.targetCpuPercent !== undefined) {
    Annotations.of(where).addWarningV2('cdk-orchestration:server-no-autoscaling', `app.replicas.targetCpuPercent (${shown(app.replicas.targetCpuPercent)}) is ignored by the server style: it does not auto scale (change fleetSize to scale).`);
  }
  if (app.rollout.autoRollback === false) {
    Annotations.of(where).addWarningV2('cdk-orchestration:server-rollback-is-cloudformation', 'app.rollout.autoRollback false: the server style rolls back through CloudFormation; deploy with `cdk deploy --no-rollback` to keep a failed rollout in place.');
  }
}

/**
 * The rollout's timing and worst-case estimate. A deploy-time `serial` counts as 1 (one server per
 * step, the longest) and a deploy-time health check timeout as its maximum, so the step and wait
 * timeouts still bound the rollout; the computed wait is capped at CloudFormation's 48 hours.
 */
function planRollout(s: FleetSettings, waitForSuccessTimeout: Duration | undefined): { timing: ServerRolloutTiming; estimate: RolloutEstimate } {
  const serialKnown = !Token.isUnresolved(s.serial);
  const steps = serialKnown ? Math.ceil(s.fleetSize / s.serial) : s.fleetSize;
  const healthSeconds = Token.isUnresolved(s.healthCheckTimeoutSeconds) ? MAX_HEALTH_CHECK_TIMEOUT.toSeconds() : s.healthCheckTimeoutSeconds;
  const stepTimeout = Duration.seconds(INSTALL_BUDGET.toSeconds() + s.stopTimeout.toSeconds() + healthSeconds + s.pause.toSeconds() + 30);
  const computedWait = Math.min(MAX_WAIT_FOR_SUCCESS.toSeconds(), steps * stepTimeout.toSeconds() + BOOTSTRAP_ALLOWANCE.toSeconds());
  const timing: ServerRolloutTiming = {
    servers: s.fleetSize,
    serial: s.serial,
    steps,
    installBudget: INSTALL_BUDGET,
    stopTimeout: s.stopTimeout,
    healthCheckTimeout: s.healthCheckTimeout,
    pause: s.pause,
    stepTimeout,
    bootstrapAllowance: BOOTSTRAP_ALLOWANCE,
    waitForSuccessTimeout: waitForSuccessTimeout ?? Duration.seconds(computedWait),
  };
  const estimate = estimateRollout({
    groupSize: s.fleetSize,
    replacedPerBatch: serialKnown ? s.serial : 1,
    bootAndStartSeconds: INSTALL_BUDGET.toSeconds() + healthSeconds,
    warmupSeconds: s.pause.toSeconds(),
    healthCheckIntervalSeconds: 0, // nginx has passive checks only: the pause covers its failure window
    healthyThreshold: 1,
    deregistrationDelaySeconds: s.stopTimeout.toSeconds(),
  });
  return { timing, estimate };
}

