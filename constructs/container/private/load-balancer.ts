import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createAccessLogsBucket, enableAccessLogs } from '../../shared/access-logs';
import { addAliasRecords, domainCertificate, TLS_POLICY } from '../../shared/domain';
import { acknowledgeNag } from '../../shared/nag';
import type { LoadBalancerExposureOptions } from '../service-exposure';

/** The TargetGroupBinding API of the AWS Load Balancer Controller, and of EKS Auto Mode's load balancing. */
export const TARGET_GROUP_BINDING_API = { controller: 'elbv2.k8s.aws/v1beta1', autoMode: 'eks.amazonaws.com/v1' } as const;

/**
 * The pod readiness gate of the target group's health. The AWS Load Balancer Controller sets the pod
 * condition `target-health.elbv2.k8s.aws/<TargetGroupBinding name>` on every pod whose spec lists it
 * as a readiness gate (however it got there), True once the pod's target is healthy; its webhook
 * also injects it at pod creation in namespaces labelled `elbv2.k8s.aws/pod-readiness-gate-inject:
 * enabled`. EKS Auto Mode's load balancing injects its own gate in namespaces labelled
 * `eks.amazonaws.com/pod-readiness-gate-inject: enabled`.
 */
export const POD_READINESS_GATE = {
  controller: { conditionTypePrefix: 'target-health.elbv2.k8s.aws/', injectLabel: 'elbv2.k8s.aws/pod-readiness-gate-inject' },
  autoMode: { injectLabel: 'eks.amazonaws.com/pod-readiness-gate-inject' },
} as const;

/** What the load balancer needs from the service. */
export interface ServiceLoadBalancerProps {
  readonly cluster: eks.Cluster;
  readonly options: LoadBalancerExposureOptions;
  /** The container port (the pods' IP targets listen on it). */
  readonly port: number;
  readonly healthCheckPath: string;
  /** How long the load balancer lets in-flight requests finish on a deregistered pod (the chart's drain timeout). */
  readonly deregistrationDelay: Duration;
  /** The security groups of the pods' network interfaces. */
  readonly podSecurityGroups: ec2.ISecurityGroup[];
  /** The binding's name (the controller's readiness gate condition type ends with it). */
  readonly bindingName: string;
  /** The Service the binding points at, its namespace and port. */
  readonly serviceName: string;
  readonly namespace: string;
  readonly servicePort: number;
  readonly labels: Record<string, string>;
  /** Whether EKS Auto Mode (rather than the AWS Load Balancer Controller) registers the targets. */
  readonly autoMode: boolean;
}

/**
 * An Application Load Balancer CloudFormation owns, with an IP target group bound to the app's
 * Kubernetes Service by a `TargetGroupBinding` (applied by the cluster's kubectl provider). The
 * binding has no `networking` section: the security group rule from the load balancer to the pods
 * is a CloudFormation resource too, so the controller creates and deletes nothing in EC2.
 * Internal to {@link ContainerService}.
 */
export class ServiceLoadBalancer extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener that forwards to the pods: HTTPS on 443 with a domain, else HTTP on 80. */
  public readonly listener: elbv2.ApplicationListener;
  /** With a domain: the HTTP listener on 80 that redirects to HTTPS. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** With a domain: its certificate (given or created). */
  public readonly certificate?: acm.ICertificate;
  /** With a domain: its alias record. */
  public readonly aliasRecord?: route53.ARecord;
  /** `https://<domain>` or `http://<load balancer DNS name>`. */
  public readonly url: string;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly accessLogsBucket?: s3.IBucket;
  /** The `TargetGroupBinding` manifest. */
  public readonly binding: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: ServiceLoadBalancerProps) {
    super(scope, id);
    const internetFacing = props.options.internetFacing ?? true;
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Resource', {
      vpc: props.cluster.vpc,
      internetFacing,
      vpcSubnets: { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : privateSubnetType(props.cluster.vpc) },
      dropInvalidHeaderFields: true,
      ...(props.options.deletionProtection ? { deletionProtection: true } : {}),
    });
    this.accessLogsBucket = this.configureAccessLogs(props.options);
    this.targetGroup = this.createTargetGroup(props);
    const domain = props.options.domain;
    if (domain) {
      this.certificate = domainCertificate(this, 'Certificate', domain);
      this.listener = this.loadBalancer.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        open: internetFacing,
        certificates: [this.certificate],
        sslPolicy: TLS_POLICY,
        defaultTargetGroups: [this.targetGroup],
      });
      this.redirectListener = this.loadBalancer.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        open: internetFacing,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      this.aliasRecord = addAliasRecords(this, 'AliasRecord', domain, route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)));
      this.url = `https://${domain.domainName}`;
    } else {
      this.listener = this.loadBalancer.addListener('Http', { protocol: elbv2.ApplicationProtocol.HTTP, port: 80, open: internetFacing, defaultTargetGroups: [this.targetGroup] });
      this.url = `http://${this.loadBalancer.loadBalancerDnsName}`;
    }
    this.allowTraffic(props, internetFacing, domain !== undefined);
    this.binding = this.bind(props);
  }

  /** An IP target group on the container port, health-checked on the app's health path. */
  private createTargetGroup(props: ServiceLoadBalancerProps): elbv2.ApplicationTargetGroup {
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.cluster.vpc,
      port: props.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: props.deregistrationDelay,
      healthCheck: {
        path: props.healthCheckPath,
        protocol: elbv2.Protocol.HTTP,
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
        healthyHttpCodes: '200',
      },
    });
    // Auto Mode's cluster role manages load balancing resources tagged with the cluster's name;
    // the tag is harmless for the AWS Load Balancer Controller, whose policy allows any target group.
    if (props.autoMode) Tags.of(targetGroup).add('eks:eks-cluster-name', props.cluster.clusterName);
    return targetGroup;
  }

  /** In: the internet (or the VPC) on 80. Out: the pods' security groups on the container port, nothing else. */
  private allowTraffic(props: ServiceLoadBalancerProps, internetFacing: boolean, https: boolean): void {
    if (!internetFacing) {
      this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(props.cluster.vpc.vpcCidrBlock), ec2.Port.tcp(80), 'The VPC to the internal load balancer');
      if (https) this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(props.cluster.vpc.vpcCidrBlock), ec2.Port.tcp(443), 'The VPC to the internal load balancer (HTTPS)');
    }
    for (const sg of props.podSecurityGroups) {
      this.loadBalancer.connections.allowTo(sg, ec2.Port.tcp(props.port), 'Load balancer to the app pods (IP targets)');
    }
    const ports = https ? '443 (and 80, redirected to HTTPS)' : '80';
    for (const sg of this.loadBalancer.connections.securityGroups) {
      const from = internetFacing ? `the public web on ${ports}` : `the VPC's CIDR block on ${ports}`;
      acknowledgeNag(sg, 'AwsSolutions-EC23', `The ${internetFacing ? 'internet-facing' : 'internal'} load balancer accepts ${from} only and sends only to the pods' security group on the app port.`);
    }
  }

  /** Access logs into a new SSE-S3 bucket (load balancers cannot write to a KMS-encrypted one), or the acknowledged finding. */
  private configureAccessLogs(options: LoadBalancerExposureOptions): s3.IBucket | undefined {
    if (options.accessLogs === false) {
      acknowledgeNag(this.loadBalancer, 'AwsSolutions-ELB2', 'Access logs were switched off with ServiceExposure.loadBalancer({ accessLogs: false }).');
      return undefined;
    }
    // The shared log bucket (SSE-S3, TLS only, 90-day expiry) with its cdk-nag and Control Tower acknowledgements.
    const bucket = createAccessLogsBucket(this, 'AccessLogs', {
      removalPolicy: options.accessLogsRemovalPolicy ?? RemovalPolicy.RETAIN,
      ...(options.accessLogsVersioned ? { versioned: true } : {}),
    });
    enableAccessLogs(this, this.loadBalancer, bucket, 'alb');
    return bucket;
  }

  /** The TargetGroupBinding: the pods behind the Service, registered by IP (targetType ip). */
  private bind(props: ServiceLoadBalancerProps): eks.KubernetesManifest {
    return new eks.KubernetesManifest(this, 'TargetGroupBinding', {
      cluster: props.cluster,
      manifest: [
        {
          apiVersion: props.autoMode ? TARGET_GROUP_BINDING_API.autoMode : TARGET_GROUP_BINDING_API.controller,
          kind: 'TargetGroupBinding',
          metadata: { name: props.bindingName, namespace: props.namespace, labels: props.labels },
          spec: {
            serviceRef: { name: props.serviceName, port: props.servicePort },
            targetGroupARN: this.targetGroup.targetGroupArn,
            targetType: 'ip',
          },
        },
      ],
    });
  }
}

function privateSubnetType(vpc: ec2.IVpc): ec2.SubnetType {
  return vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
}

