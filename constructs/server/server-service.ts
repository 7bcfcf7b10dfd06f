import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ResolvedApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import type { RolloutEstimate } from '../../lib/rollout-estimate';
import { checkConcrete, checkIsDuration, checkKnownProps, checkType } from '../../lib/validate';
import { ServiceDashboard } from '../shared/dashboard';
import { checkDomain, type ServiceDomain } from '../shared/domain';
import { type AppNetwork, vpcOrNewNetwork } from '../shared/network';
import type { IAppService } from '../shared/service';
import { NGINX_LOAD_BALANCER_OPTION_NAMES, NginxLoadBalancer, planFront, type NginxLoadBalancerOptions, validateLoadBalancerOptions } from './nginx-load-balancer';
import { checkVpc } from './server-instance';
import { SERVER_FLEET_PROP_NAMES, ServerFleet, type ServerFleetProps } from './server-fleet';

/** Props of {@link ServerService}: the fleet's, plus the load balancer's options. */
export interface ServerServiceProps extends ServerFleetProps {
  /**
   * The nginx load balancer's settings (balancing, passive health, retries, timeouts, port,
   * instance). Its `failTimeout` also paces the fleet's rollout.
   * @default - round-robin on port 80, max_fails 1, fail_timeout 1 s, retries on error, timeout, 502 and 503
   */
  readonly loadBalancer?: NginxLoadBalancerOptions;
  /**
   * The name the service answers at over HTTPS. nginx stays the load balancer of the servers; a
   * network load balancer in front of it terminates TLS with an ACM certificate (validated through DNS
   * in the zone, or the given one), redirects port 80 to HTTPS, and gets an alias record. Turns on
   * `loadBalancer.networkLoadBalancer`; `url` becomes `https://<domainName>`.
   * @default - no name, HTTP only
   */
  readonly domain?: ServiceDomain;
  /**
   * A CloudWatch dashboard of the service: requests, errors, p50/p99 latency (nginx's metrics), app
   * servers up (EC2 status checks), healthy nginx servers (with a network load balancer), and the
   * alarms. The server style's fleet is fixed: there is no scaling activity to show.
   * @default false
   */
  readonly dashboard?: boolean;
}

/**
 * The server style, complete: a {@link ServerFleet} behind one {@link NginxLoadBalancer} in
 * one network, wired so that only nginx reaches the app port, nginx reloads when the fleet's
 * membership changes (its configuration is installed after the fleet's rollout), and each
 * server's update pauses longer than nginx's `fail_timeout`.
 *
 * As an {@link IAppService}: its metrics are nginx's, published by the load balancer's metric
 * filters on nginx's access log (namespace `CdkOrchestration/Nginx`, dimension `LoadBalancer`);
 * its rollout is bounded by `rolloutEstimate` and stopped by failed SSM steps, not alarms.
 *
 * @example
 * const service = new ServerService(this, 'Service', {
 *   app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) },
 * });
 * new CfnOutput(this, 'Url', { value: service.url });
 */
export class ServerService extends Construct implements IAppService, ec2.IConnectable, iam.IGrantable {
  /** The app servers and their rollout. */
  public readonly fleet: ServerFleet;
  /** The nginx load balancer. */
  public readonly loadBalancer: NginxLoadBalancer;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The network created when no `vpc` was given. */
  public readonly network?: AppNetwork;
  /** The load balancer's URL. */
  public readonly url: string;
  /**
   * The app servers' network face: what the app calls allows it (`db.connections.allowDefaultPortFrom(service)`).
   * Clients reach the service through nginx: `loadBalancer.connections`.
   */
  public readonly connections: ec2.Connections;
  /** The app servers' role: `table.grantReadData(service)` lets the app read the table. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The app description with its defaults filled in (the fleet's). */
  public readonly app: ResolvedApp;
  /** The version the servers run (`APP_VERSION`, the `x-app-version` header). */
  public readonly appVersion: string;
  /**
   * The rollout's worst case (the fleet's: `ceil(servers / serial)` steps; `fleet.rolloutEstimate` is the same,
   * never undefined). Always set; optional in the type because the shared {@link IAppService} contract has
   * styles without one (jsii: an implementation may not make an optional property required).
   */
  public readonly rolloutEstimate?: RolloutEstimate;
  /**
   * Always empty: no alarm stops the server style's rollout. It stops when a step fails on a
   * server (the app does not become healthy within `healthCheckTimeout`) beyond the
   * association's MaxErrors, and CloudFormation rolls back; the recover alarms heal instances
   * and do not touch the rollout.
   */
  public readonly rolloutAlarms: cloudwatch.IAlarm[] = [];
  /** The service's dashboard, with `dashboard: true`. */
  public readonly dashboard?: ServiceDashboard;

  constructor(scope: Construct, id: string, props: ServerServiceProps) {
    super(scope, id);
    const { loadBalancer: lbOptions = {}, domain, dashboard, ...fleetProps } = props ?? ({} as ServerServiceProps);
    const failTimeout = this.validateProps(props, lbOptions);

    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props ?? {}));
    this.fleet = new ServerFleet(this, 'Fleet', { ...fleetProps, vpc: this.vpc, network: undefined, loadBalancerFailTimeout: failTimeout });
    // nginx gets the fail timeout the rollout paces itself against, whichever of the two props set it.
    this.loadBalancer = new NginxLoadBalancer(this, 'LoadBalancer', {
      ...lbOptions,
      failTimeout,
      vpc: this.vpc,
      upstreams: this.fleet.upstreams,
      domain,
      logEncryptionKey: props.logEncryptionKey,
      alarmTopic: props.alarmTopic,
    });
    this.fleet.allowFrom(this.loadBalancer);
    // nginx gets the new membership once the fleet's rollout succeeded (first deploy, scaling, replacement).
    this.loadBalancer.association.addResourceDependency(this.fleet.association);
    this.loadBalancer.association.node.addDependency(this.fleet.rolloutWaiter.legs[this.fleet.rolloutWaiter.legs.length - 1]!);
    this.url = this.loadBalancer.url;
    this.connections = this.fleet.connections;
    this.grantPrincipal = this.fleet.grantPrincipal;
    this.app = this.fleet.app;
    this.appVersion = this.fleet.appVersion;
    this.rolloutEstimate = this.fleet.rolloutEstimate;
    if (dashboard) this.dashboard = this.createDashboard();
  }

  /**
   * App servers up: the fleet's size minus the servers failing an EC2 status check (`StatusCheckFailed`,
   * Maximum per minute, a missing point counted as passing). nginx has passive health checks only,
   * so no metric says which servers nginx currently skips; `metricErrors()` shows what that costs.
   */
  public metricServersUp(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const period = props?.period ?? Duration.minutes(1);
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    this.fleet.instances.forEach((instance, i) => {
      usingMetrics[`s${i + 1}`] = new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'StatusCheckFailed',
        dimensionsMap: { InstanceId: instance.instanceId },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      });
    });
    const failing = Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + ');
    return new cloudwatch.MathExpression({
      expression: `${this.fleet.instances.length} - (${failing})`,
      usingMetrics,
      period,
      label: props?.label ?? 'App servers up (passing EC2 status checks)',
      color: props?.color,
    });
  }

  /** The dashboard: the shared widgets from the contract's metrics, plus nginx's health behind the network load balancer. */
  private createDashboard(): ServiceDashboard {
    const dashboard = new ServiceDashboard(this, 'Dashboard', { service: this, healthyReplicas: this.metricServersUp() });
    const healthyNginx = this.loadBalancer.metricHealthyNginx();
    if (healthyNginx) {
      dashboard.dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Healthy nginx servers (network load balancer)', left: [healthyNginx], width: 12 }),
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms: recover (app servers, nginx) and unhealthy nginx',
          alarms: [...this.fleet.recoverAlarms, ...this.loadBalancer.recoverAlarms, ...(this.loadBalancer.unhealthyNginxAlarm ? [this.loadBalancer.unhealthyNginxAlarm] : [])],
          width: 12,
        }),
      );
    } else {
      dashboard.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms: recover (app servers, nginx)', alarms: [...this.fleet.recoverAlarms, ...this.loadBalancer.recoverAlarms], width: 24 }),
      );
    }
    return dashboard;
  }

  /** Requests nginx answered (`Requests`, Sum per minute): see {@link NginxLoadBalancer.metricRequests}. */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.loadBalancer.metricRequests(props);
  }

  /** 5xx answers, the app's or nginx's (`ServerErrors`, Sum per minute): see {@link NginxLoadBalancer.metricErrors}. */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.loadBalancer.metricErrors(props);
  }

  /** nginx's request time in milliseconds (p99 per minute): see {@link NginxLoadBalancer.metricLatency}. */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.loadBalancer.metricLatency(props);
  }

  /**
   * Checks what only the service sees, so that errors name the prop as the caller wrote it
   * (`loadBalancer.x`, `app.port`), and returns the fail timeout both halves use.
   */
  private validateProps(props: ServerServiceProps, lbOptions: NginxLoadBalancerOptions): Duration | undefined {
    checkKnownProps(this, props, SERVER_SERVICE_PROP_NAMES);
    checkKnownProps(this, lbOptions, NGINX_LOAD_BALANCER_OPTION_NAMES, 'loadBalancer.');
    validateLoadBalancerOptions(this, lbOptions, 'loadBalancer.');
    checkVpc(this, props?.vpc);
    checkType(this, 'dashboard', props?.dashboard, 'boolean');
    if (props?.domain !== undefined) checkDomain(this, 'domain', props.domain);
    planFront(this, { ...lbOptions, domain: props?.domain }, 'loadBalancer.');
    const port = (props?.app as { port?: unknown } | undefined)?.port;
    checkConcrete(this, 'app.port', port, "nginx.conf, which lists each server's address and the app port, is rendered and checked at synth");
    const lbFail = lbOptions.failTimeout;
    const fleetFail = props?.loadBalancerFailTimeout;
    checkIsDuration(this, 'loadBalancerFailTimeout', fleetFail);
    if (lbFail && fleetFail && !lbFail.isUnresolved() && !fleetFail.isUnresolved() && lbFail.toMilliseconds({ integral: false }) !== fleetFail.toMilliseconds({ integral: false })) {
      throw new OrchestrationError(this, 'loadBalancerFailTimeout', fleetFail, `must equal loadBalancer.failTimeout (${lbFail.toHumanString()}): set loadBalancer.failTimeout only (the rollout paces itself against it)`);
    }
    return lbFail ?? fleetFail;
  }
}

/**
 * The names of {@link ServerServiceProps}, for the unknown-prop check of callers without a type
 * checker. Typed by the interface, so the list cannot drift from it.
 */
export const SERVER_SERVICE_PROP_NAMES: Record<keyof ServerServiceProps, true> = {
  ...SERVER_FLEET_PROP_NAMES,
  loadBalancer: true,
  domain: true,
  dashboard: true,
};
