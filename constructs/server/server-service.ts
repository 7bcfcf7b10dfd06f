import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { type AppNetwork, vpcOrNewNetwork } from '../shared/network';
import { validateNginxBalancing } from './nginx-config';
import { NginxLoadBalancer, type NginxLoadBalancerOptions } from './nginx-load-balancer';
import { ServerFleet, type ServerFleetProps } from './server-fleet';

/** Props of {@link ServerService}: the fleet's, plus the load balancer's options. */
export interface ServerServiceProps extends ServerFleetProps {
  /**
   * The nginx load balancer's settings (balancing, passive health, retries, timeouts, port,
   * instance). Its `failTimeout` also paces the fleet's rollout.
   * @default - round-robin on port 80, max_fails 1, fail_timeout 1 s, retries on error, timeout, 502 and 503
   */
  readonly loadBalancer?: NginxLoadBalancerOptions;
}

/**
 * The server style, complete: a {@link ServerFleet} behind one {@link NginxLoadBalancer} in
 * one network, wired so that only nginx reaches the app port, nginx reloads when the fleet's
 * membership changes (its configuration is installed after the fleet's rollout), and each
 * server's update pauses longer than nginx's `fail_timeout`.
 *
 * @example
 * const service = new ServerService(this, 'Service', {
 *   app: { source: { directory: path.join(__dirname, 'app') } },
 * });
 * new CfnOutput(this, 'Url', { value: service.url });
 */
export class ServerService extends Construct {
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

  constructor(scope: Construct, id: string, props: ServerServiceProps) {
    super(scope, id);
    const lbOptions = props?.loadBalancer ?? {};
    // Checked here first, so that errors name the prop as the caller wrote it (loadBalancer.x).
    validateNginxBalancing(this, lbOptions, 'loadBalancer.');
    const lbFail = lbOptions.failTimeout;
    const fleetFail = props?.loadBalancerFailTimeout;
    if (lbFail && fleetFail && !lbFail.isUnresolved() && !fleetFail.isUnresolved() && lbFail.toMilliseconds() !== fleetFail.toMilliseconds()) {
      throw new OrchestrationError(this, 'loadBalancerFailTimeout and loadBalancer.failTimeout', { loadBalancerFailTimeout: fleetFail.toHumanString(), 'loadBalancer.failTimeout': lbFail.toHumanString() }, 'disagree: set loadBalancer.failTimeout only (the rollout paces itself against it)');
    }

    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    this.fleet = new ServerFleet(this, 'Fleet', { ...props, vpc: this.vpc, network: undefined, loadBalancerFailTimeout: lbFail ?? fleetFail });
    this.loadBalancer = new NginxLoadBalancer(this, 'LoadBalancer', { ...lbOptions, vpc: this.vpc, upstreams: this.fleet.upstreams });
    this.fleet.allowFrom(this.loadBalancer);
    // nginx gets the new membership once the fleet's rollout succeeded (first deploy, scaling, replacement).
    this.loadBalancer.association.addResourceDependency(this.fleet.association);
    this.url = this.loadBalancer.url;
  }
}
