import { CfnResource, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2Targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkDuration, checkInteger, checkIsDuration, checkKnownProps, checkOneOf, checkType, checkWholeUnits } from '../../lib/validate';
import { acknowledgeAutoDeleteProvider } from '../shared/access-logs';
import { notifyOnAlarms } from '../shared/alarm-topic';
import { acknowledgeControl } from '../shared/compliance';
import { addAliasRecords, checkDomain, domainCertificate, type ServiceDomain, TLS_POLICY } from '../shared/domain';
import { grantLogsUse } from '../shared/log-encryption';
import { acknowledgeNag } from '../shared/nag';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { type NginxBalancingOptions, NGINX_DEFAULTS, NGINX_METRICS, type NginxUpstream, nginxMetricFilterPattern, renderNginxConfig, validateNginxBalancing, validateNginxUpstreams } from './nginx-config';
import { RolloutWaiter } from './rollout-waiter';
import { renderNginxBootstrap, serverAsset } from './server-files';
import { base64, checkLogKeyAndTopic, checkVpc, hardenedInstance, SERVER_INSTANCE_OPTION_NAMES, type ServerInstanceOptions, shellDocument, stringParameter, validateInstanceOptions } from './server-instance';

/** The metric filters of an {@link NginxLoadBalancer}, one per metric it publishes from nginx's access log. */
export interface NginxMetricFilters {
  /** Publishes `Requests` (1 per access-log line). */
  readonly requests: logs.MetricFilter;
  /** Publishes `ServerErrors` (1 per 5xx answer). */
  readonly errors: logs.MetricFilter;
  /** Publishes `RequestTime` (nginx's `$request_time`, seconds). */
  readonly latency: logs.MetricFilter;
}

/** The load balancer's settings, without its servers (used by {@link ServerService}). */
export interface NginxLoadBalancerOptions extends NginxBalancingOptions, ServerInstanceOptions {
  /**
   * Who may connect: to nginx's port, or with a network load balancer to its listeners (443 and 80;
   * nginx then accepts the load balancer's security group only).
   * @default ec2.Peer.anyIpv4() (a public load balancer, like the book's)
   */
  readonly allowFrom?: ec2.IPeer;
  /**
   * Give nginx a stable public address (Elastic IP) that survives stop/start. Not with a network
   * load balancer (nginx has no public address then).
   * @default - true without a network load balancer, false with one
   */
  readonly elasticIp?: boolean;
  /**
   * How many nginx servers, 1 to 10, each with the same nginx.conf (one SSM association installs it
   * on all of them, one server at a time), spread round-robin over the subnets of `vpcSubnets` (so
   * over AZs). More than one needs the network load balancer, which spreads clients over them.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * A network load balancer in front of nginx: internet-facing in the public subnets, with its own
   * security group (only `allowFrom`, on 443 and 80), cross-zone load balancing, and the nginx
   * servers as instance targets (client IP preserved, health checked on nginx's `healthCheckPath`).
   * nginx then goes into private subnets without a public address. With a `domain` it terminates TLS
   * on 443 with an ACM certificate and sends port 80 to a nginx port that redirects to HTTPS;
   * without one it forwards TCP 80 to nginx.
   *
   * It does not retry: when a nginx server dies, connections sent to it fail until the health checks
   * mark it unhealthy, within `healthCheckInterval` × `unhealthyThresholdCount` (see
   * {@link NginxLoadBalancer.failureDetectionWindow}).
   * @default - on when instanceCount is more than 1 or a domain is given, off otherwise
   */
  readonly networkLoadBalancer?: boolean;
  /**
   * Time between two health checks of each nginx server by the network load balancer, 5 to 300
   * whole seconds.
   * @default Duration.seconds(10)
   */
  readonly healthCheckInterval?: Duration;
  /**
   * Consecutive failed health checks that mark a nginx server unhealthy (2 to 10).
   * @default 2
   */
  readonly unhealthyThresholdCount?: number;
  /**
   * Consecutive passed health checks that bring an unhealthy nginx server back (2 to 10).
   * @default 2
   */
  readonly healthyThresholdCount?: number;
  /**
   * Deletion protection of the network load balancer (`deletion_protection.enabled`): CloudFormation
   * cannot delete it while on. Turn it off (deploy) before destroying the stack.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * The bucket the network load balancer writes its access logs to (TLS connections only: a network
   * load balancer logs nothing for TCP listeners).
   * @default - a new SSE-S3 bucket, objects expire after 90 days (with a domain; none without)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * What happens to the access logs bucket this construct creates when it leaves the stack
   * (DESTROY empties it first).
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogsRemovalPolicy?: RemovalPolicy;
  /**
   * How long nginx's access and error logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** Props of {@link NginxLoadBalancer}. */
export interface NginxLoadBalancerProps extends NginxLoadBalancerOptions {
  /** The app servers nginx balances (for a {@link ServerFleet}: `fleet.upstreams`). */
  readonly upstreams: NginxUpstream[];
  /**
   * The VPC. nginx goes into a public subnet.
   * @default - a new {@link AppNetwork}
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Settings of the network created when `vpc` is not given.
   * @default - AppNetwork's defaults
   */
  readonly network?: AppNetworkProps;
  /**
   * Where nginx goes: each server in the next selected subnet, round-robin.
   * @default - the first public subnet; with a network load balancer, the private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The name users call, served over HTTPS by the network load balancer (a `domain` turns it on): an
   * ACM certificate validated through DNS (or the given one), a TLS listener on 443 with
   * {@link TLS_POLICY}, port 80 redirected to `https://<domainName>`, and an alias record.
   * @default - no name and no TLS: `url` is the load balancer's own address over HTTP
   */
  readonly domain?: ServiceDomain;
  /**
   * The KMS key nginx's log group and the config waiter's log group are encrypted with.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * The SNS topic every alarm of the load balancer notifies (the recover alarms; with a network load
   * balancer, the unhealthy-nginx alarm).
   * @default - alarms notify nobody
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The names of {@link NginxLoadBalancerOptions} (the `loadBalancer` prop of {@link ServerService}),
 * for the unknown-prop check. Typed by the interface, so the list cannot drift from it.
 */
export const NGINX_LOAD_BALANCER_OPTION_NAMES: Record<keyof NginxLoadBalancerOptions, true> = {
  ...SERVER_INSTANCE_OPTION_NAMES,
  algorithm: true,
  maxFails: true,
  failTimeout: true,
  proxyNextUpstream: true,
  proxyNextUpstreamTries: true,
  proxyNextUpstreamTimeout: true,
  keepaliveConnections: true,
  connectTimeout: true,
  readTimeout: true,
  sendTimeout: true,
  healthCheckPath: true,
  listenPort: true,
  allowFrom: true,
  elasticIp: true,
  logRetention: true,
  logRemovalPolicy: true,
  instanceCount: true,
  networkLoadBalancer: true,
  healthCheckInterval: true,
  unhealthyThresholdCount: true,
  healthyThresholdCount: true,
  deletionProtection: true,
  accessLogsBucket: true,
  accessLogsRemovalPolicy: true,
};

/** The names of {@link NginxLoadBalancerProps}. */
export const NGINX_LOAD_BALANCER_PROP_NAMES: Record<keyof NginxLoadBalancerProps, true> = {
  ...NGINX_LOAD_BALANCER_OPTION_NAMES,
  upstreams: true,
  vpc: true,
  network: true,
  vpcSubnets: true,
  domain: true,
  logEncryptionKey: true,
  alarmTopic: true,
};

/**
 * nginx balancing a list of servers: one nginx server by default (the AL2023 package, no SSH key,
 * IMDSv2, encrypted volume, recover alarm), or `instanceCount` of them spread over AZs behind a
 * network load balancer, so that no single nginx is a single point of failure. Every nginx runs the
 * same nginx.conf, {@link renderNginxConfig}'s output, installed by one SSM association that checks
 * it with `nginx -t` and reloads nginx gracefully whenever it changes, so adding or replacing a
 * server reloads nginx with the new membership. Only nginx's port is open (to `allowFrom`, or to the
 * network load balancer's security group only); nginx's logs go to CloudWatch Logs, where three
 * metric filters turn the access log into metrics (`metricRequests()`, `metricErrors()`,
 * `metricLatency()`; nginx publishes none itself).
 *
 * With a network load balancer, a nginx server that dies (process killed, instance lost) fails the
 * connections the load balancer sends to it until its health checks mark it unhealthy: a network
 * load balancer does not retry a connection on another target. That failure window is at most
 * `healthCheckInterval` × `unhealthyThresholdCount` plus one interval (the check that was under
 * way), 10 s × 2 + 10 s = 30 s by default ({@link failureDetectionWindow}); the load balancer's
 * passive health checks often notice sooner. test/constructs/server/nginx-failover.test.ts runs
 * two real nginx behind a front that behaves so, kills one, and bounds the failures by that window.
 *
 * @example
 * const lb = new NginxLoadBalancer(this, 'LoadBalancer', { vpc, upstreams: fleet.upstreams });
 * fleet.allowFrom(lb);
 */
export class NginxLoadBalancer extends Construct implements ec2.IConnectable {
  /** The first nginx server (the only one unless `instanceCount` is more than 1). */
  public readonly instance: ec2.Instance;
  /** Every nginx server, in the order they are spread over the subnets. */
  public readonly instances: ec2.Instance[];
  /** The first nginx server's recover alarm. */
  public readonly recoverAlarm: cloudwatch.Alarm;
  /** Every nginx server's recover alarm. */
  public readonly recoverAlarms: cloudwatch.Alarm[];
  /** The association that installs nginx.conf and reloads nginx (on every nginx server, one at a time). */
  public readonly association: ssm.CfnAssociation;
  /**
   * Waits on every config change until the association's execution of its new version succeeds (a config
   * `nginx -t` rejects fails the deploy), whatever status the association's own wait saw first.
   */
  public readonly configWaiter: RolloutWaiter;
  /** The Command document behind it. */
  public readonly document: ssm.CfnDocument;
  /** The rendered nginx.conf (addresses may be deploy-time tokens). */
  public readonly config: string;
  /** nginx's security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** nginx's network face (what the servers allow: `fleet.allowFrom(lb)`). */
  public readonly connections: ec2.Connections;
  /** The nginx servers' role. */
  public readonly role: iam.Role;
  /** nginx's access and error logs (one stream per server and file). */
  public readonly logGroup: logs.LogGroup;
  /** The Elastic IP, when `elasticIp` is on. */
  public readonly elasticIp?: ec2.CfnEIP;
  /** The public address: the network load balancer's DNS name, else nginx's (Elastic) IP. */
  public readonly publicAddress: string;
  /** `https://<domain>` with a domain, else `http://<public address>[:port]`. */
  public readonly url: string;
  /** The port nginx listens on. */
  public readonly listenPort: number;
  /** The port nginx redirects to HTTPS on, when a domain is given (the network load balancer's port 80 goes there). */
  public readonly redirectPort?: number;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The network created when no `vpc` was given. */
  public readonly network?: AppNetwork;
  /** The network load balancer in front of nginx, when there is one. */
  public readonly networkLoadBalancer?: elbv2.NetworkLoadBalancer;
  /** Its security group: `allowFrom` on its listener ports; egress only to nginx. */
  public readonly networkLoadBalancerSecurityGroup?: ec2.SecurityGroup;
  /** The nginx servers as targets of the network load balancer (nginx's `listenPort`). */
  public readonly targetGroup?: elbv2.NetworkTargetGroup;
  /** The nginx servers' redirect port as targets of the load balancer's port 80, with a domain. */
  public readonly redirectTargetGroup?: elbv2.NetworkTargetGroup;
  /** The TLS listener on 443, with a domain. */
  public readonly tlsListener?: elbv2.NetworkListener;
  /** The TCP listener on 80 (to the redirect port with a domain, to nginx's port without). */
  public readonly httpListener?: elbv2.NetworkListener;
  /** The certificate the TLS listener presents, with a domain. */
  public readonly certificate?: acm.ICertificate;
  /** The alias record of the domain, with a domain. */
  public readonly aliasRecord?: route53.ARecord;
  /** The network load balancer's access logs bucket (TLS connections), with a domain. */
  public readonly accessLogsBucket?: s3.IBucket;
  /** Alarms when a nginx server fails the network load balancer's health checks, with a network load balancer. */
  public readonly unhealthyNginxAlarm?: cloudwatch.Alarm;
  /**
   * The longest a dead nginx server keeps receiving (and failing) new connections from the network
   * load balancer: `healthCheckInterval` × (`unhealthyThresholdCount` + 1). Undefined without one.
   */
  public readonly failureDetectionWindow?: Duration;
  /**
   * This load balancer's name in its access log (7th field of every line) and the value of the
   * `LoadBalancer` dimension of its metrics: the construct's unique id (stack name and path,
   * letters and digits, with a hash), so two load balancers in one account and region never share metrics.
   */
  public readonly logTag: string;
  /** The dimensions of every metric of this load balancer: `{ LoadBalancer: logTag }`. */
  public readonly metricDimensions: cloudwatch.DimensionsMap;
  /**
   * The metric filters on {@link logGroup} that publish `Requests`, `ServerErrors` and
   * `RequestTime` in `CdkOrchestration/Nginx` ({@link NGINX_METRICS}).
   */
  public readonly metricFilters: NginxMetricFilters;

  constructor(scope: Construct, id: string, props: NginxLoadBalancerProps) {
    super(scope, id);
    checkKnownProps(this, props, NGINX_LOAD_BALANCER_PROP_NAMES);
    validateNginxUpstreams(this, props?.upstreams);
    validateLoadBalancerOptions(this, props);
    checkVpc(this, props.vpc);
    checkLogKeyAndTopic(this, props);
    if (props.domain !== undefined) checkDomain(this, 'domain', props.domain);
    const plan = planFront(this, props);
    this.listenPort = props.listenPort ?? NGINX_DEFAULTS.listenPort;
    this.redirectPort = plan.redirectPort;

    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    const subnets = this.selectSubnets(props.vpcSubnets, plan.nlb);
    this.logTag = Names.uniqueResourceName(this, { maxLength: 255 });
    this.metricDimensions = { [NGINX_METRICS.dimension]: this.logTag };
    this.config = renderNginxConfig({
      ...props,
      upstreams: props.upstreams,
      logTag: this.logTag,
      // The redirect names the domain; a deploy-time domain name cannot be rendered, so the request's own host is used then.
      ...(plan.redirectPort !== undefined
        ? { redirectPort: plan.redirectPort, redirectHost: Token.isUnresolved(props.domain!.domainName) ? undefined : props.domain!.domainName, behindTls: true }
        : {}),
    }, this);
    if (props.logEncryptionKey) grantLogsUse(props.logEncryptionKey);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
    this.metricFilters = this.createMetricFilters();
    this.role = this.createRole();
    this.securityGroup = this.createSecurityGroup(plan.nlb ? undefined : (props.allowFrom ?? ec2.Peer.anyIpv4()));
    this.connections = this.securityGroup.connections;

    ({ instances: this.instances, recoverAlarms: this.recoverAlarms } = this.createServers(props, subnets, plan));
    this.instance = this.instances[0]!;
    this.recoverAlarm = this.recoverAlarms[0]!;
    if (plan.nlb) {
      const front = this.createNetworkLoadBalancer(props, plan);
      ({ loadBalancer: this.networkLoadBalancer, securityGroup: this.networkLoadBalancerSecurityGroup, targetGroup: this.targetGroup } = front);
      ({ redirectTargetGroup: this.redirectTargetGroup, tlsListener: this.tlsListener, httpListener: this.httpListener } = front);
      ({ certificate: this.certificate, aliasRecord: this.aliasRecord, accessLogsBucket: this.accessLogsBucket } = front);
      this.unhealthyNginxAlarm = front.unhealthyAlarm;
      this.failureDetectionWindow = Duration.seconds(plan.interval.toSeconds() * (plan.unhealthyThreshold + 1));
      this.publicAddress = this.networkLoadBalancer.loadBalancerDnsName;
      this.url = props.domain ? `https://${props.domain.domainName}` : `http://${this.publicAddress}`;
    } else {
      if (props.elasticIp ?? true) {
        this.elasticIp = new ec2.CfnEIP(this, 'Address', { domain: 'vpc', instanceId: this.instance.instanceId });
        this.publicAddress = this.elasticIp.attrPublicIp;
      } else {
        this.publicAddress = this.instance.instancePublicIp;
      }
      this.url = `http://${this.publicAddress}${this.listenPort === 80 ? '' : `:${this.listenPort}`}`;
    }

    this.document = this.createConfigDocument();
    this.association = this.createConfigAssociation(props.healthCheckPath ?? NGINX_DEFAULTS.healthCheckPath);
    const wait = this.association.waitForSuccessTimeoutSeconds!;
    this.configWaiter = new RolloutWaiter(this, 'ConfigWaiter', {
      association: this.association,
      waitForSuccessSeconds: wait,
      maxWaitForSuccessSeconds: wait,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
    });
    notifyOnAlarms(props.alarmTopic, [...this.recoverAlarms, ...(this.unhealthyNginxAlarm ? [this.unhealthyNginxAlarm] : [])]);
  }

  /**
   * nginx servers the network load balancer finds healthy (`HealthyHostCount` of the target group,
   * Minimum per minute). Undefined without a network load balancer.
   */
  public metricHealthyNginx(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    return this.targetGroup?.metrics.healthyHostCount({ statistic: cloudwatch.Stats.MINIMUM, period: Duration.minutes(1), label: 'Healthy nginx servers (NLB)', ...props });
  }

  /**
   * Requests nginx answered: one per access-log line (its own `healthCheckPath` is not logged),
   * from this construct's metric filter. Sum per minute by default.
   */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(NGINX_METRICS.requests, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Requests answered with a 5xx status, the app's or nginx's own (502 when no server answers,
   * 504 on a timeout), from this construct's metric filter. Sum per minute by default.
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(NGINX_METRICS.errors, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * nginx's `$request_time` (from the first byte of the request read to the last byte of the
   * answer sent) in milliseconds: `rt * 1000` over the `RequestTime` metric (seconds) of this
   * construct's metric filter. p99 per minute by default; `statistic` applies to `rt`.
   */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    const { label, color, period = Duration.minutes(1), ...metricProps } = props ?? {};
    // The id is `rt` for the default p99 and `rt_<statistic>` otherwise, so that p50 and p99 can share a graph
    // (CloudWatch rejects two different metrics with one id in a graph).
    const statistic = metricProps.statistic ?? cloudwatch.Stats.p(99);
    const id = statistic === cloudwatch.Stats.p(99) ? 'rt' : `rt_${statistic.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
    return new cloudwatch.MathExpression({
      expression: `${id} * 1000`,
      usingMetrics: { [id]: this.metric(NGINX_METRICS.latency, { ...metricProps, statistic, period }) },
      period,
      label: label ?? 'nginx request time (ms)',
      color,
    });
  }

  /** One of this load balancer's metrics: its namespace and dimension, one minute by default. */
  private metric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: NGINX_METRICS.namespace,
      metricName,
      period: Duration.minutes(1),
      ...props,
      dimensionsMap: { ...props.dimensionsMap, ...this.metricDimensions },
    });
  }

  /**
   * The metric filters on nginx's log group (access and error log; the patterns match access-log
   * lines of this load balancer only, see {@link nginxMetricFilterPattern}).
   */
  private createMetricFilters(): NginxMetricFilters {
    const filter = (id: string, metric: 'requests' | 'errors' | 'latency', metricValue: string, unit: cloudwatch.Unit) =>
      this.logGroup.addMetricFilter(id, {
        filterPattern: logs.FilterPattern.literal(nginxMetricFilterPattern(metric, this.logTag)),
        metricNamespace: NGINX_METRICS.namespace,
        metricName: NGINX_METRICS[metric],
        metricValue,
        unit,
        dimensions: { [NGINX_METRICS.dimension]: '$lb' },
      });
    return {
      requests: filter('RequestsFilter', 'requests', '1', cloudwatch.Unit.COUNT),
      errors: filter('ServerErrorsFilter', 'errors', '1', cloudwatch.Unit.COUNT),
      latency: filter('RequestTimeFilter', 'latency', '$rt', cloudwatch.Unit.SECONDS),
    };
  }

  /** nginx's subnets: the first public one by default; the private ones with egress behind a network load balancer. */
  private selectSubnets(selection: ec2.SubnetSelection | undefined, nlb: boolean): ec2.ISubnet[] {
    const subnets = this.vpc.selectSubnets(selection ?? { subnetType: nlb ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC }).subnets;
    if (subnets.length === 0) throw new OrchestrationError(this, 'vpcSubnets', selection, 'must select at least one subnet of the VPC');
    return nlb ? subnets : [subnets[0]!];
  }

  /** nginx's role: Session Manager, its configuration by SSM, its log group. */
  private createRole(): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'nginx load balancer: Session Manager, configuration by SSM, logs',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [this.logGroup.logGroupArn] }),
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'nginx has no SSH: Session Manager and the SSM association that installs its configuration need the SSM agent permissions of this AWS-managed policy.',
    );
    return role;
  }

  /** nginx's security group: its port only, to `peer` (none yet behind a network load balancer: its security group is added later). */
  private createSecurityGroup(peer: ec2.IPeer | undefined): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: peer ? `nginx load balancer: port ${this.listenPort} only; no SSH` : 'nginx behind a network load balancer: its security group only; no SSH',
      allowAllOutbound: true,
    });
    if (!peer) return sg;
    sg.addIngressRule(peer, ec2.Port.tcp(this.listenPort), `HTTP to nginx on ${this.listenPort}`);
    if (peer.uniqueId === ec2.Peer.anyIpv4().uniqueId) {
      acknowledgeNag(sg, 'AwsSolutions-EC23', `This is the public entry point: only nginx's HTTP port ${this.listenPort} is open to the internet (no SSH, no app port).`);
    }
    return sg;
  }

  /**
   * The nginx servers (the AL2023 package; their configuration arrives by SSM) and their recover alarms.
   * The first keeps the id `Resource` (a single nginx's template is unchanged); the others are `Nginx2`, `Nginx3`...
   */
  private createServers(props: NginxLoadBalancerProps, subnets: ec2.ISubnet[], plan: FrontPlan): { instances: ec2.Instance[]; recoverAlarms: cloudwatch.Alarm[] } {
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...renderNginxBootstrap({ logGroupName: this.logGroup.logGroupName }));
    const instances: ec2.Instance[] = [];
    const recoverAlarms: cloudwatch.Alarm[] = [];
    for (let i = 0; i < plan.instanceCount; i++) {
      const { instance, recoverAlarm } = hardenedInstance(this, i === 0 ? 'Resource' : `Nginx${i + 1}`, {
        ...props,
        vpc: this.vpc,
        subnet: subnets[i % subnets.length]!,
        securityGroup: this.securityGroup,
        role: this.role,
        userData,
        // Behind a network load balancer nginx has no public address; saying so explicitly (in NetworkInterfaces) is what CT.EC2.PR.8 checks.
        associatePublicIpAddress: !plan.nlb,
        purpose: plan.instanceCount > 1 ? `nginx server ${i + 1} of ${plan.instanceCount}` : 'The nginx load balancer',
      });
      if (!plan.nlb) {
        acknowledgeControl(instance, 'CT.EC2.PR.8', 'A single nginx without a network load balancer is the public entry point itself (the book\'s design): it needs its public address. Put a network load balancer in front (networkLoadBalancer: true) to keep nginx private.');
      }
      instances.push(instance);
      recoverAlarms.push(recoverAlarm);
    }
    return { instances, recoverAlarms };
  }

  /** The network load balancer in front of nginx, its listeners and targets, and (with a domain) TLS and the name. */
  private createNetworkLoadBalancer(props: NginxLoadBalancerProps, plan: FrontPlan): NetworkFront {
    const allowFrom = props.allowFrom ?? ec2.Peer.anyIpv4();
    const securityGroup = new ec2.SecurityGroup(this, 'NlbSecurityGroup', {
      vpc: this.vpc,
      description: `Network load balancer in front of nginx: ${props.domain ? '443 and 80' : '80'} from clients, to nginx only`,
      allowAllOutbound: false,
    });
    const ports = props.domain ? [443, 80] : [80];
    for (const port of ports) securityGroup.addIngressRule(allowFrom, ec2.Port.tcp(port), `Clients to the load balancer's port ${port}`);
    if (allowFrom.uniqueId === ec2.Peer.anyIpv4().uniqueId) {
      acknowledgeNag(securityGroup, 'AwsSolutions-EC23', `The public entry point: only the network load balancer's listener ports (${ports.join(', ')}) are open to the internet; nginx accepts this security group only.`);
    }
    const loadBalancer = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [securityGroup],
      // Each load balancer node sends to the healthy nginx in every AZ, not only its own: with one nginx per AZ, a dead nginx
      // would otherwise leave its AZ's node with no healthy target (CT.ELASTICLOADBALANCING.PR.14 asks for it too).
      crossZoneEnabled: true,
      deletionProtection: props.deletionProtection ?? false,
    });
    // nginx accepts the load balancer's security group only (client IP preservation keeps the client's address as the
    // source, and a reference to the load balancer's security group still matches: ELB guide, "security groups for your NLB").
    const targetPorts = plan.redirectPort !== undefined ? [this.listenPort, plan.redirectPort] : [this.listenPort];
    for (const port of targetPorts) this.securityGroup.connections.allowFrom(securityGroup, ec2.Port.tcp(port), `The network load balancer (traffic and health checks) to nginx on ${port}`);

    const targetGroup = this.createTargetGroup('TargetGroup', this.listenPort, plan);
    const redirectTargetGroup = plan.redirectPort !== undefined ? this.createTargetGroup('RedirectTargetGroup', plan.redirectPort, plan) : undefined;
    let tlsListener: elbv2.NetworkListener | undefined;
    let certificate: acm.ICertificate | undefined;
    let aliasRecord: route53.ARecord | undefined;
    let accessLogsBucket: s3.IBucket | undefined;
    if (props.domain) {
      certificate = domainCertificate(this, 'Certificate', props.domain);
      tlsListener = loadBalancer.addListener('Tls', {
        port: 443,
        protocol: elbv2.Protocol.TLS,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)],
        sslPolicy: TLS_POLICY,
        defaultTargetGroups: [targetGroup],
      });
      aliasRecord = addAliasRecords(this, 'AliasRecord', props.domain, route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(loadBalancer)));
      accessLogsBucket = this.configureAccessLogs(loadBalancer, props);
    } else {
      acknowledgeNag(loadBalancer, 'AwsSolutions-ELB2', 'Without a domain this network load balancer has TCP listeners only, and a network load balancer writes access logs for TLS listeners only; nginx logs every request to CloudWatch Logs.');
      acknowledgeControl(loadBalancer, 'CT.ELASTICLOADBALANCING.PR.6', 'Without a domain this network load balancer has TCP listeners only, and a network load balancer writes access logs for TLS listeners only; nginx logs every request to CloudWatch Logs.');
    }
    const httpListener = loadBalancer.addListener('Http', { port: 80, protocol: elbv2.Protocol.TCP, defaultTargetGroups: [redirectTargetGroup ?? targetGroup] });
    const unhealthyAlarm = new cloudwatch.Alarm(this, 'UnhealthyNginxAlarm', {
      metric: targetGroup.metrics.unHealthyHostCount({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `A nginx server behind ${this.node.path} fails the network load balancer's health checks (2 minutes): the others carry its traffic; its recover alarm or a redeploy brings it back.`,
    });
    return { loadBalancer, securityGroup, targetGroup, redirectTargetGroup, tlsListener, httpListener, certificate, aliasRecord, accessLogsBucket, unhealthyAlarm };
  }

  /** Why the access logs bucket this construct makes is as it is (cdk-nag and Control Tower findings on it). */
  private acknowledgeAccessLogsBucket(bucket: s3.IBucket, autoDelete: boolean): void {
    const why = "This bucket only receives the network load balancer's access logs (TLS connections)";
    acknowledgeNag(bucket, 'AwsSolutions-S1', `${why}; logging access to it into another bucket would add a bucket per bucket with no new information.`);
    acknowledgeControl(bucket, 'CT.S3.PR.10', `${why}. It is SSE-S3: SSE-KMS needs a customer-managed key whose policy lets the log delivery service (delivery.logs.amazonaws.com) use it, a key per load balancer for logs that hold no secret; pass accessLogsBucket with such a bucket to meet the control.`);
    acknowledgeControl(bucket, 'CT.S3.PR.2', `${why}; server access logs of it would go to yet another bucket and record only the log delivery's writes and rare reads.`);
    acknowledgeControl(bucket, 'CT.S3.PR.4', `${why}; nothing consumes its events: the logs are read on demand (Athena, downloads).`);
    acknowledgeControl(bucket, 'CT.S3.PR.9', `${why}, which its 90-day lifecycle rule expires and a teardown empties; Object Lock would keep them past both, and it cannot be turned off once on.`);
    acknowledgeControl(bucket, 'CT.S3.PR.11', `${why}: each log object is written once under a unique name and never overwritten, so versioning would keep nothing but noncurrent copies.`);
    if (autoDelete) acknowledgeAutoDeleteProvider(this);
  }

  /** The nginx servers on one port, health checked over HTTP on nginx's own health path and port. */
  private createTargetGroup(id: string, port: number, plan: FrontPlan): elbv2.NetworkTargetGroup {
    return new elbv2.NetworkTargetGroup(this, id, {
      vpc: this.vpc,
      port,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.INSTANCE,
      targets: this.instances.map((i) => new elbv2Targets.InstanceTarget(i, port)),
      // The client's address reaches nginx ($remote_addr, X-Real-IP): on by default for instance targets, set to say so.
      preserveClientIp: true,
      // A deregistered (replaced) nginx gets 30 s to finish its connections instead of the default 300 s.
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        port: String(this.listenPort),
        path: plan.healthCheckPath,
        interval: plan.interval,
        timeout: Duration.seconds(Math.min(5, plan.interval.toSeconds() - 1)),
        healthyThresholdCount: plan.healthyThreshold,
        unhealthyThresholdCount: plan.unhealthyThreshold,
      },
    });
  }

  /** Access logs (TLS connections) into the given bucket or a new SSE-S3 one. */
  private configureAccessLogs(loadBalancer: elbv2.NetworkLoadBalancer, props: NginxLoadBalancerProps): s3.IBucket {
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
    if (!props.accessLogsBucket) this.acknowledgeAccessLogsBucket(bucket, props.accessLogsRemovalPolicy === RemovalPolicy.DESTROY);
    // Network Load Balancer access logs are delivered by the log delivery service (delivery.logs.amazonaws.com), in any region.
    const prefix = 'nlb';
    loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
    const delivery = new iam.ServicePrincipal('delivery.logs.amazonaws.com');
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      principals: [delivery],
      resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${Stack.of(this).account}/*`)],
      conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': Stack.of(this).account } },
    }));
    bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketAcl'], principals: [delivery], resources: [bucket.bucketArn], conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }));
    const lb = loadBalancer.node.defaultChild;
    const policy = bucket.policy?.node.defaultChild;
    if (lb && policy && CfnResource.isCfnResource(lb) && CfnResource.isCfnResource(policy)) lb.addResourceDependency(policy);
    return bucket;
  }

  /** The Command document that installs nginx.conf (checked with `nginx -t`) and reloads nginx. */
  private createConfigDocument(): ssm.CfnDocument {
    return new ssm.CfnDocument(this, 'ConfigDocument', {
      documentType: 'Command',
      documentFormat: 'JSON',
      targetType: '/AWS::EC2::Instance',
      content: shellDocument(
        'cdk-orchestration server style: install nginx.conf (checked with nginx -t) and reload nginx',
        {
          config: stringParameter('nginx.conf (base64).', '^[A-Za-z0-9+/=]*$'),
          listenPort: stringParameter('The port nginx listens on.', '^[0-9]{1,5}$'),
          healthCheckPath: stringParameter('nginx\'s own health endpoint.', '^/[A-Za-z0-9._~/-]*$'),
          timeoutSeconds: stringParameter('Hard limit of the step.', '^[0-9]{1,6}$'),
        },
        serverAsset('nginx-apply.sh'),
        'timeoutSeconds',
      ),
    });
  }

  /** The association that runs it whenever nginx.conf changes; CloudFormation waits for it. */
  private createConfigAssociation(healthCheckPath: string): ssm.CfnAssociation {
    return new ssm.CfnAssociation(this, 'Config', {
      name: this.document.ref,
      targets: [{ key: 'InstanceIds', values: this.instances.map((i) => i.instanceId) }],
      parameters: {
        config: [base64(this.config)],
        listenPort: [String(this.listenPort)],
        healthCheckPath: [healthCheckPath],
        timeoutSeconds: ['900'],
      },
      maxConcurrency: '1',
      maxErrors: '0',
      waitForSuccessTimeoutSeconds: Duration.minutes(20).toSeconds(),
      complianceSeverity: 'HIGH',
    });
  }
}

/**
 * Checks the load balancer's options for every caller (types, ranges, values nginx.conf needs at
 * synth). `prefix` names the object they came in (`'loadBalancer.'` in {@link ServerService}).
 */
export function validateLoadBalancerOptions(where: IConstruct, options: NginxLoadBalancerOptions | undefined, prefix = ''): void {
  const o = options ?? {};
  validateNginxBalancing(where, o, prefix);
  validateInstanceOptions(where, o, prefix);
  checkType(where, `${prefix}elasticIp`, o.elasticIp, 'boolean');
  checkType(where, `${prefix}logRetention`, o.logRetention, 'number');
  checkOneOf(where, `${prefix}logRemovalPolicy`, o.logRemovalPolicy, Object.values(RemovalPolicy));
  checkType(where, `${prefix}instanceCount`, o.instanceCount, 'number');
  checkConcrete(where, `${prefix}instanceCount`, o.instanceCount, 'it decides how many nginx servers the stack creates');
  checkInteger(where, `${prefix}instanceCount`, o.instanceCount, { min: 1, max: MAX_NGINX_INSTANCES });
  for (const k of ['networkLoadBalancer', 'deletionProtection'] as const) checkType(where, `${prefix}${k}`, o[k], 'boolean');
  checkIsDuration(where, `${prefix}healthCheckInterval`, o.healthCheckInterval);
  checkConcrete(where, `${prefix}healthCheckInterval`, o.healthCheckInterval, 'the health check timeout and the failure detection window are computed from it at synth');
  checkWholeUnits(where, `${prefix}healthCheckInterval`, o.healthCheckInterval, 'seconds', 'must be whole seconds (HealthCheckIntervalSeconds)');
  checkDuration(where, `${prefix}healthCheckInterval`, o.healthCheckInterval, { min: Duration.seconds(5), max: Duration.seconds(300) });
  for (const k of ['unhealthyThresholdCount', 'healthyThresholdCount'] as const) {
    checkType(where, `${prefix}${k}`, o[k], 'number');
    checkConcrete(where, `${prefix}${k}`, o[k], 'the failure detection window is computed from it at synth');
    checkInteger(where, `${prefix}${k}`, o[k], { min: 2, max: 10 });
  }
  checkOneOf(where, `${prefix}accessLogsRemovalPolicy`, o.accessLogsRemovalPolicy, Object.values(RemovalPolicy));
  const bucket = o.accessLogsBucket as { bucketArn?: unknown } | null | undefined;
  if (bucket !== undefined && (bucket === null || typeof bucket !== 'object' || typeof bucket.bucketArn !== 'string')) {
    throw new OrchestrationError(where, `${prefix}accessLogsBucket`, bucket, 'must be an S3 bucket (s3.IBucket), not its name');
  }
  if (o.allowFrom !== undefined && (o.allowFrom === null || typeof o.allowFrom !== 'object' || typeof o.allowFrom.toIngressRuleConfig !== 'function')) {
    throw new OrchestrationError(where, `${prefix}allowFrom`, o.allowFrom, "must be an ec2.IPeer, for example ec2.Peer.ipv4('203.0.113.0/24')");
  }
}

/** At most this many nginx servers (one association targets them by instance id; two to three AZs is the point). */
export const MAX_NGINX_INSTANCES = 10;

/** The network load balancer's health check defaults: a dead nginx is out within 10 s × 2 (+ 10 s). */
export const NGINX_NLB_DEFAULTS = {
  healthCheckInterval: Duration.seconds(10),
  unhealthyThresholdCount: 2,
  healthyThresholdCount: 2,
  /** nginx's port for the load balancer's port 80 when it terminates TLS: it redirects to HTTPS. */
  redirectPort: 81,
} as const;

/** What the front of nginx looks like, decided from the props (combinations checked). */
export interface FrontPlan {
  readonly instanceCount: number;
  readonly nlb: boolean;
  readonly redirectPort?: number;
  readonly interval: Duration;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  readonly healthCheckPath: string;
}

interface NetworkFront {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly redirectTargetGroup?: elbv2.NetworkTargetGroup;
  readonly tlsListener?: elbv2.NetworkListener;
  readonly httpListener: elbv2.NetworkListener;
  readonly certificate?: acm.ICertificate;
  readonly aliasRecord?: route53.ARecord;
  readonly accessLogsBucket?: s3.IBucket;
  readonly unhealthyAlarm: cloudwatch.Alarm;
}

/** How many nginx, whether a network load balancer fronts them, and the combinations that make no sense. */
export function planFront(where: IConstruct, props: NginxLoadBalancerOptions & { readonly domain?: ServiceDomain }, prefix = ''): FrontPlan {
  const instanceCount = props.instanceCount ?? 1;
  const explicit = props.networkLoadBalancer;
  if (explicit === false && instanceCount > 1) {
    throw new OrchestrationError(where, `${prefix}networkLoadBalancer`, explicit, `must not be false with instanceCount ${instanceCount}: more than one nginx needs the network load balancer in front to spread clients over them`);
  }
  if (explicit === false && props.domain !== undefined) {
    throw new OrchestrationError(where, `${prefix}networkLoadBalancer`, explicit, 'must not be false with a domain: TLS for the domain is terminated by the network load balancer (no private key is handled on nginx)');
  }
  const nlb = explicit ?? (instanceCount > 1 || props.domain !== undefined);
  const nlbOnly = (k: 'healthCheckInterval' | 'unhealthyThresholdCount' | 'healthyThresholdCount' | 'deletionProtection' | 'accessLogsBucket' | 'accessLogsRemovalPolicy') => {
    if (!nlb && props[k] !== undefined) {
      throw new OrchestrationError(where, `${prefix}${k}`, props[k], 'only applies with a network load balancer (networkLoadBalancer: true, instanceCount above 1, or a domain)');
    }
  };
  for (const k of ['healthCheckInterval', 'unhealthyThresholdCount', 'healthyThresholdCount', 'deletionProtection'] as const) nlbOnly(k);
  if (props.domain === undefined) {
    for (const k of ['accessLogsBucket', 'accessLogsRemovalPolicy'] as const) {
      if (props[k] !== undefined) throw new OrchestrationError(where, `${prefix}${k}`, props[k], 'only applies with a domain: a network load balancer writes access logs for its TLS listener only');
    }
  }
  if (nlb && props.elasticIp === true) {
    throw new OrchestrationError(where, `${prefix}elasticIp`, props.elasticIp, 'must not be true with a network load balancer: nginx then stays private, and clients reach the load balancer');
  }
  const listenPort = props.listenPort ?? NGINX_DEFAULTS.listenPort;
  let redirectPort: number | undefined;
  if (props.domain !== undefined) {
    redirectPort = listenPort === NGINX_NLB_DEFAULTS.redirectPort ? NGINX_NLB_DEFAULTS.redirectPort + 1 : NGINX_NLB_DEFAULTS.redirectPort;
  }
  const interval = props.healthCheckInterval ?? NGINX_NLB_DEFAULTS.healthCheckInterval;
  return {
    instanceCount,
    nlb,
    redirectPort,
    interval,
    unhealthyThreshold: props.unhealthyThresholdCount ?? NGINX_NLB_DEFAULTS.unhealthyThresholdCount,
    healthyThreshold: props.healthyThresholdCount ?? NGINX_NLB_DEFAULTS.healthyThresholdCount,
    healthCheckPath: props.healthCheckPath ?? NGINX_DEFAULTS.healthCheckPath,
  };
}
