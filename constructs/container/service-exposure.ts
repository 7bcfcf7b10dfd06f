import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import { checkDomain, type ServiceDomain } from '../shared/domain';
import { OrchestrationError } from '../../lib/errors';
import { checkKnownProps, checkOneOf, checkType } from '../../lib/validate';

/** Options of {@link ServiceExposure.loadBalancer}. */
export interface LoadBalancerExposureOptions {
  /**
   * Whether the load balancer is internet-facing (in the public subnets, port 80 open to the
   * internet) or internal (in the private subnets, port 80 open to the VPC's CIDR block).
   * @default true
   */
  readonly internetFacing?: boolean;
  /**
   * Write the load balancer's access logs to an S3 bucket (SSE-S3, 90-day expiry) the construct creates.
   * @default true
   */
  readonly accessLogs?: boolean;
  /**
   * What happens to the access log bucket when it leaves the stack (`DESTROY` also empties it).
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogsRemovalPolicy?: RemovalPolicy;
  /**
   * Versioning on the access log bucket (Control Tower's CT.S3.PR.11): a deleted or overwritten log object stays
   * as a noncurrent version for one day, then expires.
   * @default false
   */
  readonly accessLogsVersioned?: boolean;
  /**
   * Make a pod Ready only once its target is healthy in the target group (a pod readiness gate), so
   * a rolling update never stops old pods while the load balancer still sees the new ones as
   * `initial`: no 502/503 during a rollout. On a node group the pod template declares the AWS Load
   * Balancer Controller's gate (`target-health.elbv2.k8s.aws/<binding name>`) and the chart's
   * namespace carries `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`; on EKS Auto Mode the
   * namespace carries `eks.amazonaws.com/pod-readiness-gate-inject: enabled` and Auto Mode injects
   * the gate (the namespace `default` cannot be labelled by the chart: no gate there, with a warning).
   * @default true
   */
  readonly podReadinessGate?: boolean;
  /**
   * Serve the app at a domain name: an HTTPS listener on 443 (`TLS_POLICY`, the domain's certificate or a new
   * ACM certificate validated through DNS in its hosted zone), port 80 redirecting to HTTPS, and an alias
   * record for the domain in the zone. The service's `url` becomes `https://<domainName>`.
   * @default - HTTP on port 80 only, at the load balancer's DNS name
   */
  readonly domain?: ServiceDomain;
  /**
   * Turn on the load balancer's deletion protection: CloudFormation cannot delete it (a stack update that
   * replaces it, or `cdk destroy`, fails) until it is turned off again, by a deploy with this false.
   * @default false
   */
  readonly deletionProtection?: boolean;
}

const LOAD_BALANCER_OPTIONS: Readonly<Record<keyof LoadBalancerExposureOptions, true>> = {
  internetFacing: true,
  accessLogs: true,
  accessLogsRemovalPolicy: true,
  accessLogsVersioned: true,
  podReadinessGate: true,
  domain: true,
  deletionProtection: true,
};

const FACTORIES = 'ServiceExposure.loadBalancer() or ServiceExposure.clusterIp()';

/**
 * How the app's Kubernetes Service is reached. Either way the Service is a `ClusterIP` Service:
 * Kubernetes never creates a load balancer, security group or network interface outside
 * CloudFormation (so `cdk destroy` leaves nothing behind).
 *
 * @example
 * new ContainerService(this, 'Service', {
 *   app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) },
 *   exposure: ServiceExposure.loadBalancer({ internetFacing: false }),
 * });
 */
export class ServiceExposure {
  /**
   * An Application Load Balancer that CloudFormation owns (listener on port 80, an IP target group
   * health-checked on the app's health path), bound to the Service with a `TargetGroupBinding`: the
   * AWS Load Balancer Controller (node groups; installed by {@link ContainerService} when its cluster
   * has none) or EKS Auto Mode's built-in load balancing registers the pods' IP addresses as targets.
   * The service's `url` is the load balancer's, its metrics the load balancer's (`AWS/ApplicationELB`).
   */
  public static loadBalancer(options: LoadBalancerExposureOptions = {}): ServiceExposure {
    checkLoadBalancerOptions('', options ?? {}, 'ServiceExposure.loadBalancer(options).');
    return new ServiceExposure({ ...(options ?? {}) });
  }

  /**
   * Inside the cluster only: the Service's DNS name (`http://<name>.<namespace>.svc.cluster.local`)
   * is the service's `url`. Nothing publishes request metrics for it: `metricRequests()`,
   * `metricErrors()` and `metricLatency()` throw (put a load balancer or a service mesh in front).
   */
  public static clusterIp(): ServiceExposure {
    return new ServiceExposure(undefined);
  }

  /**
   * Checks a value a caller passed as an exposure (plain JavaScript may pass an object literal).
   * @internal
   */
  public static _check(where: IConstruct | string, prop: string, value: unknown): ServiceExposure | undefined {
    if (value === undefined) return undefined;
    if (!(value instanceof ServiceExposure)) throw new OrchestrationError(where, prop, value, `must be made with ${FACTORIES}`);
    if (value.loadBalancerOptions) checkLoadBalancerOptions(where, value.loadBalancerOptions, `${prop}.`);
    return value;
  }

  /** The load balancer's options, when the Service is exposed through a load balancer (none for `clusterIp()`). */
  public readonly loadBalancerOptions?: LoadBalancerExposureOptions;

  private constructor(loadBalancerOptions: LoadBalancerExposureOptions | undefined) {
    this.loadBalancerOptions = loadBalancerOptions;
  }
}

function checkLoadBalancerOptions(where: IConstruct | string, options: LoadBalancerExposureOptions, prefix: string): void {
  if (typeof options !== 'object' || options === null) throw new OrchestrationError(where, prefix.slice(0, -1), options, 'must be an object of LoadBalancerExposureOptions');
  checkKnownProps(where, options, LOAD_BALANCER_OPTIONS, prefix);
  checkType(where, `${prefix}internetFacing`, options.internetFacing, 'boolean');
  checkType(where, `${prefix}accessLogs`, options.accessLogs, 'boolean');
  checkType(where, `${prefix}podReadinessGate`, options.podReadinessGate, 'boolean');
  checkType(where, `${prefix}deletionProtection`, options.deletionProtection, 'boolean');
  checkType(where, `${prefix}accessLogsVersioned`, options.accessLogsVersioned, 'boolean');
  // The domain's own check needs a construct (its zone's name may be a token): made when the service receives it.
  if (options.domain !== undefined && where instanceof Construct) checkDomain(where, `${prefix}domain`, options.domain);
  else if (options.domain !== undefined && (options.domain === null || typeof options.domain !== 'object' || Array.isArray(options.domain))) {
    throw new OrchestrationError(where, `${prefix}domain`, options.domain, "must be a ServiceDomain, for example { domainName: 'app.example.com', hostedZone }");
  }
  checkOneOf(where, `${prefix}accessLogsRemovalPolicy`, options.accessLogsRemovalPolicy, Object.values(RemovalPolicy));
  if (options.accessLogs === false && options.accessLogsRemovalPolicy !== undefined) {
    throw new OrchestrationError(where, `${prefix}accessLogsRemovalPolicy`, options.accessLogsRemovalPolicy, `only applies with ${prefix}accessLogs (it is false)`);
  }
  if (options.accessLogs === false && options.accessLogsVersioned !== undefined) {
    throw new OrchestrationError(where, `${prefix}accessLogsVersioned`, options.accessLogsVersioned, `only applies with ${prefix}accessLogs (it is false)`);
  }
}
