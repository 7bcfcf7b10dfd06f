import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkKnownProps, checkOneOf, checkType } from '../../lib/validate';
import { acknowledgeNag } from '../shared/nag';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { type NginxBalancingOptions, NGINX_DEFAULTS, NGINX_METRICS, type NginxUpstream, nginxMetricFilterPattern, renderNginxConfig, validateNginxBalancing, validateNginxUpstreams } from './nginx-config';
import { RolloutWaiter } from './rollout-waiter';
import { renderNginxBootstrap, serverAsset } from './server-files';
import { base64, checkVpc, hardenedInstance, SERVER_INSTANCE_OPTION_NAMES, type ServerInstanceOptions, shellDocument, stringParameter, validateInstanceOptions } from './server-instance';

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
   * Who may connect to nginx's port.
   * @default ec2.Peer.anyIpv4() (a public load balancer, like the book's)
   */
  readonly allowFrom?: ec2.IPeer;
  /**
   * Give nginx a stable public address (Elastic IP) that survives stop/start.
   * @default true
   */
  readonly elasticIp?: boolean;
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
   * Where nginx goes.
   * @default - the first public subnet
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
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
};

/** The names of {@link NginxLoadBalancerProps}. */
export const NGINX_LOAD_BALANCER_PROP_NAMES: Record<keyof NginxLoadBalancerProps, true> = {
  ...NGINX_LOAD_BALANCER_OPTION_NAMES,
  upstreams: true,
  vpc: true,
  network: true,
  vpcSubnets: true,
};

/**
 * One nginx server (the AL2023 package, no SSH key, IMDSv2, encrypted volume, recover alarm)
 * balancing a list of servers. Its nginx.conf is {@link renderNginxConfig}'s output, installed
 * by an SSM association that checks it with `nginx -t` and reloads nginx gracefully whenever
 * it changes, so adding or replacing a server reloads nginx with the new membership.
 * Only nginx's port is open (to `allowFrom`); nginx's logs go to CloudWatch Logs, where three
 * metric filters turn the access log into metrics (`metricRequests()`, `metricErrors()`,
 * `metricLatency()`; nginx publishes none itself).
 *
 * @example
 * const lb = new NginxLoadBalancer(this, 'LoadBalancer', { vpc, upstreams: fleet.upstreams });
 * fleet.allowFrom(lb);
 */
export class NginxLoadBalancer extends Construct implements ec2.IConnectable {
  /** The nginx server. */
  public readonly instance: ec2.Instance;
  /** Its recover alarm. */
  public readonly recoverAlarm: cloudwatch.Alarm;
  /** The association that installs nginx.conf and reloads nginx. */
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
  public readonly connections: ec2.Connections;
  /** The nginx server's role. */
  public readonly role: iam.Role;
  /** nginx's access and error logs. */
  public readonly logGroup: logs.LogGroup;
  /** The Elastic IP, when `elasticIp` is on. */
  public readonly elasticIp?: ec2.CfnEIP;
  /** The public address. */
  public readonly publicAddress: string;
  /** `http://<public address>[:port]`. */
  public readonly url: string;
  /** The port nginx listens on. */
  public readonly listenPort: number;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The network created when no `vpc` was given. */
  public readonly network?: AppNetwork;
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
    this.listenPort = props.listenPort ?? NGINX_DEFAULTS.listenPort;

    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    const subnet = this.selectSubnet(props.vpcSubnets);
    this.logTag = Names.uniqueResourceName(this, { maxLength: 255 });
    this.metricDimensions = { [NGINX_METRICS.dimension]: this.logTag };
    this.config = renderNginxConfig({ ...props, upstreams: props.upstreams, logTag: this.logTag }, this);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.metricFilters = this.createMetricFilters();
    this.role = this.createRole();
    this.securityGroup = this.createSecurityGroup(props.allowFrom ?? ec2.Peer.anyIpv4());
    this.connections = this.securityGroup.connections;

    ({ instance: this.instance, recoverAlarm: this.recoverAlarm } = this.createServer(props, subnet));
    if (props.elasticIp ?? true) {
      this.elasticIp = new ec2.CfnEIP(this, 'Address', { domain: 'vpc', instanceId: this.instance.instanceId });
      this.publicAddress = this.elasticIp.attrPublicIp;
    } else {
      this.publicAddress = this.instance.instancePublicIp;
    }
    this.url = `http://${this.publicAddress}${this.listenPort === 80 ? '' : `:${this.listenPort}`}`;

    this.document = this.createConfigDocument();
    this.association = this.createConfigAssociation(props.healthCheckPath ?? NGINX_DEFAULTS.healthCheckPath);
    const wait = this.association.waitForSuccessTimeoutSeconds!;
    this.configWaiter = new RolloutWaiter(this, 'ConfigWaiter', { association: this.association, waitForSuccessSeconds: wait, maxWaitForSuccessSeconds: wait });
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
    return new cloudwatch.MathExpression({
      expression: 'rt * 1000',
      usingMetrics: { rt: this.metric(NGINX_METRICS.latency, { statistic: cloudwatch.Stats.p(99), ...metricProps, period }) },
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

  /** nginx's subnet: the first one selected (public by default). */
  private selectSubnet(selection: ec2.SubnetSelection | undefined): ec2.ISubnet {
    const subnets = this.vpc.selectSubnets(selection ?? { subnetType: ec2.SubnetType.PUBLIC }).subnets;
    if (subnets.length === 0) throw new OrchestrationError(this, 'vpcSubnets', selection, 'must select at least one subnet of the VPC');
    return subnets[0]!;
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

  /** nginx's security group: its port only, to `peer`. */
  private createSecurityGroup(peer: ec2.IPeer): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `nginx load balancer: port ${this.listenPort} only; no SSH`,
      allowAllOutbound: true,
    });
    sg.addIngressRule(peer, ec2.Port.tcp(this.listenPort), `HTTP to nginx on ${this.listenPort}`);
    if (peer.uniqueId === ec2.Peer.anyIpv4().uniqueId) {
      acknowledgeNag(sg, 'AwsSolutions-EC23', `This is the public entry point: only nginx's HTTP port ${this.listenPort} is open to the internet (no SSH, no app port).`);
    }
    return sg;
  }

  /** The nginx server (the AL2023 package; its configuration arrives by SSM) and its recover alarm. */
  private createServer(props: NginxLoadBalancerProps, subnet: ec2.ISubnet): { instance: ec2.Instance; recoverAlarm: cloudwatch.Alarm } {
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...renderNginxBootstrap({ logGroupName: this.logGroup.logGroupName }));
    return hardenedInstance(this, 'Resource', {
      ...props,
      vpc: this.vpc,
      subnet,
      securityGroup: this.securityGroup,
      role: this.role,
      userData,
      associatePublicIpAddress: true,
      purpose: 'The nginx load balancer',
    });
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
      targets: [{ key: 'InstanceIds', values: [this.instance.instanceId] }],
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
  if (o.allowFrom !== undefined && (o.allowFrom === null || typeof o.allowFrom !== 'object' || typeof o.allowFrom.toIngressRuleConfig !== 'function')) {
    throw new OrchestrationError(where, `${prefix}allowFrom`, o.allowFrom, "must be an ec2.IPeer, for example ec2.Peer.ipv4('203.0.113.0/24')");
  }
}
