import { Annotations, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { estimateRollout, type RolloutEstimate } from '../../lib/rollout-estimate';
import { secretRefEnvName } from '../../lib/secret-ref';
import { checkDuration, checkInteger, checkNumber, checkPattern, checkWholeUnits } from '../../lib/validate';
import { acknowledgeNag } from '../shared/nag';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { bindSecrets } from '../shared/secrets';
import { appVersion, DEFAULT_CODE_EXCLUDE, sourceDirectory } from '../shared/source';
import { NGINX_DEFAULTS, type NginxUpstream, rolloutPause } from './nginx-config';
import { APP_USER, renderEnvironmentFile, renderServerBootstrap, renderUnitFile, serverAsset, serverLauncher } from './server-files';
import { base64, hardenedInstance, type ServerInstanceOptions, shellDocument, stringParameter } from './server-instance';

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
   * How many servers, from 1 to 100. The server style does not auto scale: change this
   * number to scale (one new server per step; nginx reloads with the new membership).
   * @default - app.replicas.min, else 3 (the book's)
   */
  readonly fleetSize?: number;

  /**
   * How many servers a rollout updates at a time (Ansible's `serial`, the association's
   * MaxConcurrency), from 1 to fleetSize.
   * @default - from app.rollout.maxUnavailablePercent (at least one server), else 1 (the book's)
   */
  readonly serial?: number;

  /**
   * The rollout stops sending the update to more servers once more than this percentage of
   * servers failed (Ansible's `max_fail_percentage`, the association's MaxErrors), 0 to 100.
   * @default - app.rollout.maxFailurePercent, else 30 (the book's)
   */
  readonly maxFailPercentage?: number;

  /**
   * The `fail_timeout` of the nginx in front of the fleet. Each server's update waits longer
   * than this after its health check passes, so nginx routes to it again before the next
   * server goes down. Whole seconds.
   * @default Duration.seconds(1), the NginxLoadBalancer's default
   */
  readonly loadBalancerFailTimeout?: Duration;

  /**
   * How long one server may take to answer its health check after the restart before its
   * update fails.
   * @default Duration.minutes(2)
   */
  readonly healthCheckTimeout?: Duration;

  /**
   * How long the app gets to drain on SIGTERM before systemd kills it (TimeoutStopSec).
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;

  /**
   * How long CloudFormation waits for the rollout (the association) to succeed before it
   * fails the deploy and rolls back. Between 15 seconds and 48 hours.
   * @default - the rollout's worst case: servers ÷ serial steps, each bounded by the step
   *   timeout (download, stop, health check timeout, pause), plus 10 minutes for the first boot
   */
  readonly waitForSuccessTimeout?: Duration;

  /**
   * The AL2023 package that provides `node`.
   * @default 'nodejs24'
   */
  readonly nodejsPackage?: string;

  /**
   * Releases kept on each server's disk (the current one included), for fast rollbacks.
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
}

/** The inputs of the rollout's worst-case duration (for an estimator and for humans). */
export interface ServerRolloutTiming {
  /** Servers in the fleet. */
  readonly servers: number;
  /** Servers updated at a time. */
  readonly serial: number;
  /** ceil(servers / serial): steps one after the other. */
  readonly steps: number;
  /** Upper bound of the download + unpack of a release. */
  readonly installBudget: Duration;
  /** systemd's TimeoutStopSec: the app's drain on restart. */
  readonly stopTimeout: Duration;
  /** How long a server may take to answer its health check. */
  readonly healthCheckTimeout: Duration;
  /** The pause after a server is healthy (> nginx fail_timeout). */
  readonly pause: Duration;
  /** Hard limit of one server's step (the document's timeoutSeconds). */
  readonly stepTimeout: Duration;
  /** Allowance for the servers' first boot (cloud-init) on the first rollout. */
  readonly bootstrapAllowance: Duration;
  /** What CloudFormation waits at most (WaitForSuccessTimeoutSeconds). */
  readonly waitForSuccessTimeout: Duration;
}

const INSTALL_BUDGET = Duration.minutes(2);
const BOOTSTRAP_ALLOWANCE = Duration.minutes(10);

/**
 * The server style's fleet: N EC2 instances (Amazon Linux 2023, IMDSv2, no SSH key,
 * encrypted volumes) spread over AZs in private subnets, each running the app as `app-user`
 * under systemd (`Restart=always`) with its log in CloudWatch Logs, each watched by a recover
 * alarm, and updated in place by an SSM association: `serial` servers at a time, stopping past
 * `maxFailPercentage` failures, re-applied whenever the app's code asset or configuration
 * changes, with CloudFormation waiting for it (a failed rollout fails the deploy and
 * CloudFormation's rollback re-applies the previous version).
 *
 * Usable alone (with your own load balancer) or through {@link ServerService} with nginx.
 *
 * @example
 * const fleet = new ServerFleet(this, 'Fleet', { app: { source: { directory: path.join(__dirname, 'app') } } });
 */
export class ServerFleet extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The servers. */
  public readonly instances: ec2.Instance[];
  /** One recover alarm per server (StatusCheckFailed_System → EC2 recover). */
  public readonly recoverAlarms: cloudwatch.Alarm[];
  /** The rollout: the association that installs the current release on every server. */
  public readonly association: ssm.CfnAssociation;
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
    const app = resolveApp(this, props?.app);
    this.app = app;
    const r = resolveFleetSettings(this, props, app);

    const dir = sourceDirectory(this, app);
    this.appVersion = appVersion(app, dir);
    this.asset = new s3assets.Asset(this, 'Code', { path: dir, exclude: app.source.exclude ?? DEFAULT_CODE_EXCLUDE });

    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    const subnets = this.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    if (subnets.length === 0) throw new OrchestrationError(this, 'vpcSubnets', props.vpcSubnets, 'must select at least one subnet of the VPC');

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `App servers of ${app.name}: Session Manager, rollout (code asset), logs and the app's secrets`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.grantPrincipal = this.role;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [this.logGroup.logGroupArn] }),
    );
    // Exactly this release, not the whole assets bucket (Asset.grantRead would grant s3:GetObject* on bucket/*).
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)] }));
    const secrets = bindSecrets(this, app.secrets);
    for (const s of secrets) s.grantRead(this.role);
    this.acknowledgeRole();

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `App servers of ${app.name}: no inbound rule except from its load balancer on the app port; no SSH`,
      allowAllOutbound: true,
    });
    this.connections = this.securityGroup.connections;

    const userData = ec2.UserData.forLinux();
    userData.addCommands(...renderServerBootstrap({ appName: app.name, logGroupName: this.logGroup.logGroupName, nodejsPackage: props.nodejsPackage ?? 'nodejs24' }));

    this.instances = [];
    this.recoverAlarms = [];
    for (let i = 0; i < r.fleetSize; i++) {
      const { instance, recoverAlarm } = hardenedInstance(this, `Server${i + 1}`, {
        ...props,
        vpc: this.vpc,
        subnet: subnets[i % subnets.length]!,
        securityGroup: this.securityGroup,
        role: this.role,
        userData,
        purpose: `App server ${i + 1} of ${app.name}`,
      });
      this.instances.push(instance);
      this.recoverAlarms.push(recoverAlarm);
    }
    this.upstreams = this.instances.map((i) => ({ address: i.instancePrivateIp, port: app.port }));

    const environment: Record<string, string> = { ...app.environment, PORT: String(app.port), APP_VERSION: this.appVersion };
    for (const s of secrets) environment[secretRefEnvName(s.envName)] = s.reference;
    this.unitFile = renderUnitFile({ appName: app.name, command: app.command, stopTimeoutSeconds: r.stopTimeout.toSeconds(), hardening: props.systemdHardening ?? true });

    this.document = new ssm.CfnDocument(this, 'RolloutDocument', {
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

    const steps = Math.ceil(r.fleetSize / r.serial);
    const stepTimeout = Duration.seconds(INSTALL_BUDGET.toSeconds() + r.stopTimeout.toSeconds() + r.healthCheckTimeout.toSeconds() + r.pause.toSeconds() + 30);
    const waitForSuccessTimeout = props.waitForSuccessTimeout ?? Duration.seconds(steps * stepTimeout.toSeconds() + BOOTSTRAP_ALLOWANCE.toSeconds());
    this.rolloutTiming = {
      servers: r.fleetSize,
      serial: r.serial,
      steps,
      installBudget: INSTALL_BUDGET,
      stopTimeout: r.stopTimeout,
      healthCheckTimeout: r.healthCheckTimeout,
      pause: r.pause,
      stepTimeout,
      bootstrapAllowance: BOOTSTRAP_ALLOWANCE,
      waitForSuccessTimeout,
    };
    this.rolloutEstimate = estimateRollout({
      groupSize: r.fleetSize,
      replacedPerBatch: r.serial,
      bootAndStartSeconds: INSTALL_BUDGET.toSeconds() + r.healthCheckTimeout.toSeconds(),
      warmupSeconds: r.pause.toSeconds(),
      healthCheckIntervalSeconds: 0, // nginx has passive checks only: the pause covers its failure window
      healthyThreshold: 1,
      deregistrationDelaySeconds: r.stopTimeout.toSeconds(),
    });

    const parameters: Record<string, string> = {
      appName: app.name,
      source: this.asset.s3ObjectUrl,
      version: this.appVersion,
      port: String(app.port),
      healthCheckPath: app.healthCheckPath,
      healthCheckTimeoutSeconds: String(r.healthCheckTimeout.toSeconds()),
      pauseSeconds: String(r.pause.toSeconds()),
      keepReleases: String(r.keepReleases),
      stepTimeoutSeconds: String(stepTimeout.toSeconds()),
      unitFile: base64(this.unitFile),
      environmentFile: base64(renderEnvironmentFile(environment)),
      launcher: base64(serverLauncher()),
    };
    this.association = new ssm.CfnAssociation(this, 'Rollout', {
      name: this.document.ref,
      targets: [{ key: 'InstanceIds', values: this.instances.map((i) => i.instanceId) }],
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])),
      maxConcurrency: String(r.serial),
      maxErrors: `${r.maxFailPercentage}%`,
      waitForSuccessTimeoutSeconds: waitForSuccessTimeout.toSeconds(),
      complianceSeverity: 'HIGH',
    });
    // The servers must be allowed to read the new release before the association runs.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) this.association.node.addDependency(policy);
  }

  /** Lets a peer (a load balancer) reach the app port of every server. */
  public allowFrom(peer: ec2.IConnectable, description?: string): void {
    this.connections.allowFrom(peer, ec2.Port.tcp(this.app.port), description ?? `${this.app.name} app port from its load balancer`);
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

interface FleetSettings {
  fleetSize: number;
  serial: number;
  maxFailPercentage: number;
  pause: Duration;
  healthCheckTimeout: Duration;
  stopTimeout: Duration;
  keepReleases: number;
}

/** Maps the shared app description onto the fleet, rejecting contradictions and bad values. */
function resolveFleetSettings(where: Construct, props: ServerFleetProps, app: ResolvedApp): FleetSettings {
  checkInteger(where, 'fleetSize', props.fleetSize, { min: 1, max: 100 });
  if (app.replicas.min !== undefined && app.replicas.min < 1 && props.fleetSize === undefined) {
    throw new OrchestrationError(where, 'app.replicas.min', app.replicas.min, 'must be at least 1 for the server style (the fleet size)');
  }
  if (props.fleetSize !== undefined && app.replicas.min !== undefined && props.fleetSize !== app.replicas.min) {
    throw new OrchestrationError(where, 'fleetSize and app.replicas.min', { fleetSize: props.fleetSize, 'app.replicas.min': app.replicas.min }, 'disagree: set one of them (they are the same number for the server style)');
  }
  const fleetSize = props.fleetSize ?? app.replicas.min ?? 3;
  checkInteger(where, 'app.replicas.min', fleetSize, { min: 1, max: 100 });
  if (app.replicas.max !== undefined && app.replicas.max !== fleetSize) {
    throw new OrchestrationError(where, 'app.replicas.max', app.replicas.max, `must equal the fleet size (${fleetSize}) or be unset: the server style does not auto scale`);
  }

  checkInteger(where, 'serial', props.serial, { min: 1, max: fleetSize });
  const fromPercent = app.rollout.maxUnavailablePercent !== undefined ? Math.max(1, Math.floor((fleetSize * app.rollout.maxUnavailablePercent) / 100)) : undefined;
  if (props.serial !== undefined && fromPercent !== undefined && props.serial !== fromPercent) {
    throw new OrchestrationError(where, 'serial and app.rollout.maxUnavailablePercent', { serial: props.serial, 'app.rollout.maxUnavailablePercent': app.rollout.maxUnavailablePercent }, `disagree (${app.rollout.maxUnavailablePercent}% of ${fleetSize} servers is ${fromPercent} at a time): set one of them`);
  }
  const serial = props.serial ?? fromPercent ?? 1;

  checkNumber(where, 'maxFailPercentage', props.maxFailPercentage, { min: 0, max: 100 });
  if (props.maxFailPercentage !== undefined && !Token.isUnresolved(props.maxFailPercentage) && !Number.isInteger(props.maxFailPercentage)) {
    throw new OrchestrationError(where, 'maxFailPercentage', props.maxFailPercentage, 'must be a whole percentage from 0 to 100 (SSM MaxErrors)');
  }
  if (props.maxFailPercentage !== undefined && app.rollout.maxFailurePercent !== undefined && props.maxFailPercentage !== app.rollout.maxFailurePercent) {
    throw new OrchestrationError(where, 'maxFailPercentage and app.rollout.maxFailurePercent', { maxFailPercentage: props.maxFailPercentage, 'app.rollout.maxFailurePercent': app.rollout.maxFailurePercent }, 'disagree: set one of them');
  }
  const maxFailPercentage = props.maxFailPercentage ?? (app.rollout.maxFailurePercent !== undefined ? Math.floor(app.rollout.maxFailurePercent) : 30);

  const failTimeout = props.loadBalancerFailTimeout ?? NGINX_DEFAULTS.failTimeout;
  checkWholeUnits(where, 'loadBalancerFailTimeout', failTimeout, 'seconds', 'must be whole seconds, like nginx fail_timeout');
  checkDuration(where, 'loadBalancerFailTimeout', failTimeout, { min: Duration.seconds(1), max: Duration.hours(1) });
  const bake = app.rollout.bakeTime;
  checkDuration(where, 'app.rollout.bakeTime', bake, { min: Duration.seconds(0), max: Duration.hours(1) });
  if (bake && !bake.isUnresolved() && bake.toMilliseconds() <= failTimeout.toMilliseconds()) {
    throw new OrchestrationError(where, 'app.rollout.bakeTime', bake, `must be longer than the load balancer's fail_timeout (${failTimeout.toHumanString()}), or unset (then ${rolloutPause(failTimeout).toHumanString()}): a shorter pause lets nginx mark every server failed at once`);
  }
  const pause = rolloutPause(failTimeout, bake);

  const healthCheckTimeout = props.healthCheckTimeout ?? Duration.minutes(2);
  checkDuration(where, 'healthCheckTimeout', healthCheckTimeout, { min: Duration.seconds(5), max: Duration.hours(1) });
  const stopTimeout = props.stopTimeout ?? Duration.seconds(30);
  checkDuration(where, 'stopTimeout', stopTimeout, { min: Duration.seconds(1), max: Duration.minutes(15) });
  checkDuration(where, 'waitForSuccessTimeout', props.waitForSuccessTimeout, { min: Duration.seconds(15), max: Duration.hours(48) });
  checkInteger(where, 'keepReleases', props.keepReleases, { min: 1, max: 20 });
  checkInteger(where, 'rootVolumeSize', props.rootVolumeSize, { min: 8, max: 16384 });
  checkPattern(where, 'nodejsPackage', props.nodejsPackage, /^[a-z0-9][a-z0-9._+-]*$/, 'a dnf package name, for example "nodejs24"');

  if (app.port < 1024) {
    throw new OrchestrationError(where, 'app.port', app.port, `must be from 1024 to 65535: the app runs as the non-root ${APP_USER}, which cannot bind privileged ports (nginx listens on 80)`);
  }
  if (app.source.image !== undefined) {
    throw new OrchestrationError(where, 'app.source.image', app.source.image, 'is for the container style; the server style runs code from app.source.directory');
  }
  if (app.rollout.maxSurgePercent !== undefined) {
    Annotations.of(where).addWarningV2('cdk-orchestration:server-no-surge', `app.rollout.maxSurgePercent (${app.rollout.maxSurgePercent}) is ignored by the server style: servers are updated in place, never surged.`);
  }
  if (app.rollout.autoRollback === false) {
    Annotations.of(where).addWarningV2('cdk-orchestration:server-rollback-is-cloudformation', 'app.rollout.autoRollback false: the server style rolls back through CloudFormation; deploy with `cdk deploy --no-rollback` to keep a failed rollout in place.');
  }
  return { fleetSize, serial, maxFailPercentage, pause, healthCheckTimeout, stopTimeout, keepReleases: props.keepReleases ?? 3 };
}
