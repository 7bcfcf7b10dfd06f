import { Annotations, CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import * as crypto from 'node:crypto';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkExclusive, checkKnownProps, checkOneOf, checkType } from '../../lib/validate';
import { albMetricErrors, albMetricLatency, albMetricRequests } from '../shared/alb-metrics';
import { notifyOnAlarms } from '../shared/alarm-topic';
import { acknowledgeControl } from '../shared/compliance';
import { ServiceDashboard } from '../shared/dashboard';
import { grantLogsUse } from '../shared/log-encryption';
import { acknowledgeNag } from '../shared/nag';
import { bindSecrets } from '../shared/secrets';
import type { IAppService } from '../shared/service';
import { appVersion, sourceDirectory } from '../shared/source';
import { AppChart, type AppChartOptions, planChart } from './app-chart';
import { AppCluster, type AppClusterProps } from './app-cluster';
import { APP_CHART_OPTIONS, CONTAINER_SERVICE_PROPS } from './known-props';
import { checkAppClusterProps } from './private/cluster-props';
import { POD_READINESS_GATE, ServiceLoadBalancer } from './private/load-balancer';
import { loadCdk8s } from './private/optional-peers';
import { separateTokens } from './private/tokens';
import { ServiceExposure } from './service-exposure';

/** Props of {@link ContainerService}. */
export interface ContainerServiceProps {
  /**
   * The app: `source.directory` (a Docker build context with a Dockerfile) or `source.image`,
   * port, health path, configuration, secrets, replicas (Deployment/HPA min and max) and rollout
   * limits (maxSurge / maxUnavailable, minReadySeconds).
   */
  readonly app: AppDescription;
  /**
   * The cluster to deploy to. It needs a kubectl provider (`kubectlProviderOptions`), metrics-server
   * (for the HPA) and, for `app.secrets`, the EKS Pod Identity agent.
   * @default - a new {@link AppCluster} with `clusterProps`
   */
  readonly cluster?: eks.Cluster;
  /**
   * Props of the cluster created when `cluster` is not given.
   * @default - AppCluster's defaults
   */
  readonly clusterProps?: AppClusterProps;
  /**
   * The architecture the image is built for when `app.source.directory` is used.
   * @default - the created cluster's node architecture, else ARM_64
   */
  readonly imageArchitecture?: ec2.InstanceArchitecture;
  /** Options of the Kubernetes objects. @default - see {@link AppChartOptions} */
  readonly chart?: AppChartOptions;
  /**
   * How the app is reached. The Kubernetes Service is always `ClusterIP`; with a load balancer,
   * CloudFormation owns it and a `TargetGroupBinding` registers the pods in its target group.
   * @default ServiceExposure.loadBalancer() (internet-facing, access logs on)
   */
  readonly exposure?: ServiceExposure;
  /**
   * Make the deployment wait until the new pods are available: after `kubectl apply`, a
   * custom resource polls the Deployment until its `Progressing` condition says
   * `NewReplicaSetAvailable`. A rollout that never becomes available (`ProgressDeadlineExceeded`)
   * fails the stack update and CloudFormation's rollback re-applies the previous manifest.
   * @default true
   */
  readonly waitForRollout?: boolean;
  /**
   * Set for the first deploy of an existing stack whose Deployment was applied with `spec.replicas`
   * (cdk-orchestration before the HPA owned the count). The chart no longer renders the field, and
   * `kubectl apply` removing it would set the Deployment to Kubernetes' default of 1 replica once
   * (Kubernetes' documented caveat when migrating a Deployment to an HPA). With this, a `KubernetesPatch`
   * applied before the chart replaces the Deployment's `kubectl.kubernetes.io/last-applied-configuration`
   * with one that has no `spec.replicas`, so that update leaves the live count (the HPA's) alone. In that one
   * update, fields an older chart set and this one no longer does are not removed (kubectl prunes only what
   * the last applied configuration lists). Not for a new stack: the patch needs the existing Deployment.
   * Harmless to leave on: the patch runs again only if the Deployment's name or namespace changes, and
   * CloudFormation retains it (runs nothing) when it leaves the stack.
   * @default false
   */
  readonly migrateReplicasToHpa?: boolean;
  /**
   * Where the service's alarms send notifications (alarm and OK). With a topic the service creates two
   * alarms on its load balancer's target group (`ServiceExposure.loadBalancer()` only): no healthy pod
   * (`HealthyHostCount` below 1 for 2 minutes) and 5xx answers (the pods' and the load balancer's, 5 or more
   * a minute for 3 minutes). The topic's key must let CloudWatch use it (`AlarmTopic` does).
   * @default - no alarms: nobody is notified
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * A CloudWatch dashboard of the service (`ServiceExposure.loadBalancer()` only): requests, errors, p50/p99
   * latency, healthy pods (the target group's `HealthyHostCount`) and, for scaling, requests per pod
   * (`RequestCountPerTarget`) and unhealthy pods. Kubernetes' HPA and node counts are not in CloudWatch
   * (without Container Insights), so the scaling widget shows what the load balancer publishes.
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * The KMS key that encrypts every CloudWatch Logs log group this construct creates (the VPC flow logs of
   * the network it creates). Its policy is given the statement that lets CloudWatch Logs use it for this
   * account's log groups (an imported key must already allow it). EKS creates the control plane's log group
   * (`/aws/eks/<cluster>/cluster`) itself, outside CloudFormation: this key does not reach it.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The container style: the app's image (built from its Dockerfile by `cdk deploy`), an EKS
 * cluster ({@link AppCluster}) and the app's Kubernetes objects ({@link AppChart}) applied with
 * `cluster.addCdk8sChart`, with a rollout check that makes a failed rollout fail the deploy.
 * The app is reached through an Application Load Balancer CloudFormation owns, bound to the
 * `ClusterIP` Service with a `TargetGroupBinding` ({@link ServiceExposure}). The pods get their own
 * IAM role through EKS Pod Identity (`grantPrincipal`), which also reads exactly the app's secrets.
 *
 * @example
 * const service = new ContainerService(this, 'Service', {
 *   app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) },
 *   clusterProps: { adminPrincipalArn: 'arn:aws:iam::123456789012:role/Admin' },
 * });
 * table.grantReadData(service);
 */
export class ContainerService extends Construct implements IAppService, ec2.IConnectable {
  public readonly app: ResolvedApp;
  /** The cluster construct, when this construct created it. */
  public readonly appCluster?: AppCluster;
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  /** The image asset, when built from `app.source.directory`. */
  public readonly imageAsset?: ecrAssets.DockerImageAsset;
  /** The image reference the pods run. */
  public readonly imageUri: string;
  /** The cdk8s chart (also written as YAML by `npm run manifests`). */
  public readonly chart: AppChart;
  /** The manifest resource that applies the chart. */
  public readonly manifest: eks.KubernetesManifest;
  /** The patch that lets an existing Deployment's replica count pass to the HPA (`migrateReplicasToHpa`). */
  public readonly replicasMigration?: eks.KubernetesPatch;
  /** The rollout check (`waitForRollout`). */
  public readonly rolloutCheck?: eks.KubernetesObjectValue;
  /** The role the pods assume through EKS Pod Identity (always: it is the service's `grantPrincipal`). */
  public readonly podRole: iam.Role;
  /** The version string the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The Kubernetes namespace of the app's objects. */
  public readonly kubernetesNamespace: string;
  /** The Deployment's name. */
  public readonly deploymentName: string;
  /** How the app is reached. */
  public readonly exposure: ServiceExposure;
  /** The Application Load Balancer (`ServiceExposure.loadBalancer()`). */
  public readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /** Its listener that forwards to the pods: HTTPS on 443 with a domain, else HTTP on 80. */
  public readonly listener?: elbv2.ApplicationListener;
  /** With a domain: the HTTP listener on 80 that redirects to HTTPS. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** With a domain: the certificate of the HTTPS listener (given or created). */
  public readonly certificate?: acm.ICertificate;
  /** With a domain: the alias record that points the domain at the load balancer. */
  public readonly aliasRecord?: route53.ARecord;
  /** The alarms this service created (with `alarmTopic`), each notifying the topic. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard (`dashboard: true`). */
  public readonly dashboard?: ServiceDashboard;
  /** Its IP target group, filled with the pods' addresses by the `TargetGroupBinding`. */
  public readonly targetGroup?: elbv2.ApplicationTargetGroup;
  /** The `TargetGroupBinding` manifest that binds the target group to the Service. */
  public readonly targetGroupBinding?: eks.KubernetesManifest;
  /** The load balancer's access log bucket (with access logs on). */
  public readonly accessLogsBucket?: s3.IBucket;
  /**
   * The AWS Load Balancer Controller this construct installed (a load balancer on a node-group
   * cluster this construct created without one); none when the cluster has its own or runs Auto Mode.
   */
  public readonly loadBalancerController?: eks.AlbController;
  /**
   * The load balancer's URL (`https://<domain>` with a domain, else `http://<dns name>`), or with `ServiceExposure.clusterIp()` the
   * Service's in-cluster DNS name (`http://<name>.<namespace>.svc.cluster.local`).
   */
  public readonly url: string;
  /**
   * The pods' security groups: with the VPC CNI (and in Auto Mode) pods use their node's network
   * interfaces and so its security groups, the cluster security group EKS puts on managed node
   * groups and Auto Mode nodes. Default port: the app's port.
   */
  public readonly connections: ec2.Connections;
  /** The pods' IAM role (EKS Pod Identity). */
  public readonly grantPrincipal: iam.IPrincipal;
  /** No alarm stops a Kubernetes rollout: it stops on failed readiness (`ProgressDeadlineExceeded`) and the rollout check fails the deploy. */
  public readonly rolloutAlarms: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    this.checkProps(props ?? ({} as ContainerServiceProps));
    loadCdk8s(this); // before creating anything: without cdk8s, say what to install
    const app = resolveApp(this, props.app);
    this.app = app;
    this.exposure = ServiceExposure._check(this, 'exposure', props.exposure) ?? ServiceExposure.loadBalancer();
    ({ cluster: this.cluster, appCluster: this.appCluster } = this.configureCluster(props));
    const dir = app.source.directory !== undefined ? sourceDirectory(this, app) : undefined;
    this.imageAsset = dir !== undefined ? this.buildImage(dir, props) : undefined;
    this.imageUri = this.imageAsset?.imageUri ?? app.source.image!;
    this.appVersion = appVersion(app, dir);

    this.chart = this.createChart(props, this.planPodReadinessGate(props));
    this.kubernetesNamespace = this.chart.namespaceName;
    this.deploymentName = this.chart.deploymentName;
    this.connections = new ec2.Connections({ securityGroups: [this.cluster.clusterSecurityGroup], defaultPort: ec2.Port.tcp(app.port) });
    this.loadBalancerController = this.loadBalancerControllerFor(props);
    this.manifest = this.applyChart(id);
    if (props.migrateReplicasToHpa) this.replicasMigration = this.migrateReplicas();
    this.podRole = this.createPodIdentity();
    this.grantPrincipal = this.podRole;
    const lb = this.exposeService();
    ({ loadBalancer: this.loadBalancer, listener: this.listener, targetGroup: this.targetGroup, binding: this.targetGroupBinding, accessLogsBucket: this.accessLogsBucket } = lb ?? {});
    ({ redirectListener: this.redirectListener, certificate: this.certificate, aliasRecord: this.aliasRecord } = lb ?? {});
    this.url = lb ? lb.url : `http://${this.chart.service.name}.${this.kubernetesNamespace}.svc.cluster.local`;
    if (props.waitForRollout ?? true) this.rolloutCheck = this.addRolloutCheck();
    if (props.alarmTopic) {
      this.alarms.push(...this.createAlarms());
      notifyOnAlarms(props.alarmTopic, this.alarms);
    }
    if (props.dashboard) this.dashboard = this.createDashboard();
    if (props.logEncryptionKey) this.encryptLogGroups(props.logEncryptionKey);
  }

  /** The alarms of `alarmTopic`: no healthy pod, and 5xx answers. */
  private createAlarms(): cloudwatch.Alarm[] {
    const targetGroup = this.targetGroup!;
    const noHealthyPods = new cloudwatch.Alarm(this, 'NoHealthyPodsAlarm', {
      alarmDescription: `No pod of ${this.app.name} is healthy in the load balancer's target group: every request fails with 503.`,
      metric: targetGroup.metrics.healthyHostCount({ statistic: cloudwatch.Stats.MINIMUM, period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const errors = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `${this.app.name} answers 5xx (its pods' and the load balancer's own) 5 or more times a minute.`,
      metric: this.metricErrors({ period: Duration.minutes(1) }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return [noHealthyPods, errors];
  }

  /** The service's dashboard: the contract's metrics, healthy pods and what the load balancer shows of scaling. */
  private createDashboard(): ServiceDashboard {
    const targetGroup = this.targetGroup!;
    return new ServiceDashboard(this, 'Dashboard', {
      service: this,
      healthyReplicas: targetGroup.metrics.healthyHostCount({ statistic: cloudwatch.Stats.MINIMUM, period: Duration.minutes(1), label: 'Healthy pods' }),
      scalingActivity: [
        targetGroup.metrics.requestCountPerTarget({ period: Duration.minutes(1), label: 'Requests per pod' }),
        targetGroup.metrics.unhealthyHostCount({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), label: 'Unhealthy pods' }),
      ],
    });
  }

  /** Every log group under this construct (the flow logs of the network it created) encrypted with the key. */
  private encryptLogGroups(key: kms.IKey): void {
    grantLogsUse(key);
    for (const c of this.node.findAll()) {
      if (c instanceof logs.CfnLogGroup && c.kmsKeyId === undefined) c.kmsKeyId = key.keyArn;
    }
  }

  /** Requests the load balancer answered (`RequestCount`, published by Elastic Load Balancing), Sum per minute. */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return albMetricRequests(this.requireLoadBalancer('metricRequests'), props);
  }

  /**
   * 5xx answers: the pods' (`HTTPCode_Target_5XX_Count`) plus the load balancer's own
   * (`HTTPCode_ELB_5XX_Count`, e.g. no healthy pod), both published by Elastic Load Balancing, Sum per minute.
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return albMetricErrors(this.requireLoadBalancer('metricErrors'), 'pods', props);
  }

  /** Time the pods take to answer, in milliseconds (`TargetResponseTime`, seconds, published by Elastic Load Balancing, × 1000), p99 per minute. */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return albMetricLatency(this.requireLoadBalancer('metricLatency'), props);
  }

  /** The load balancer the metrics come from; inside the cluster nothing publishes them. */
  private requireLoadBalancer(metric: string): elbv2.ApplicationLoadBalancer {
    if (!this.loadBalancer) {
      throw new OrchestrationError(this, 'exposure', 'ServiceExposure.clusterIp()', `publishes no request metrics (${metric}()): a ClusterIP Service has no load balancer; use ServiceExposure.loadBalancer(), or take the metrics from your mesh or ingress`);
    }
    return this.loadBalancer;
  }

  /** The given cluster, or a new {@link AppCluster}. */
  private configureCluster(props: ContainerServiceProps): { cluster: eks.Cluster; appCluster?: AppCluster } {
    checkExclusive(this, { cluster: props.cluster, clusterProps: props.clusterProps });
    if (props.cluster) return { cluster: props.cluster };
    const appCluster = new AppCluster(this, 'Cluster', props.clusterProps);
    return { cluster: appCluster.cluster, appCluster };
  }

  /** Checks what plain-JavaScript callers can get wrong, and the chart options against the app, with this construct's path. */
  private checkProps(props: ContainerServiceProps): void {
    checkKnownProps(this, props, CONTAINER_SERVICE_PROPS);
    checkType(this, 'waitForRollout', props.waitForRollout, 'boolean');
    checkType(this, 'migrateReplicasToHpa', props.migrateReplicasToHpa, 'boolean');
    checkType(this, 'dashboard', props.dashboard, 'boolean');
    checkConcrete(this, 'dashboard', props.dashboard, 'it decides at synth whether the dashboard exists');
    checkResource(this, 'alarmTopic', props.alarmTopic, 'topicArn', "an SNS topic (sns.ITopic), for example new AlarmTopic(this, 'Alarms').topic");
    checkResource(this, 'logEncryptionKey', props.logEncryptionKey, 'keyArn', "a KMS key (kms.IKey), for example new LogsKey(this, 'LogsKey').key");
    const exposure = props.exposure ?? ServiceExposure.loadBalancer();
    if (exposure instanceof ServiceExposure && !exposure.loadBalancerOptions) {
      if (props.alarmTopic !== undefined) throw new OrchestrationError(this, 'alarmTopic', 'an SNS topic', "needs ServiceExposure.loadBalancer(): the service's alarms watch its load balancer's target group, and a ClusterIP Service publishes no metric");
      if (props.dashboard) throw new OrchestrationError(this, 'dashboard', true, 'needs ServiceExposure.loadBalancer(): the dashboard shows the load balancer\'s metrics, and a ClusterIP Service publishes none');
    }
    checkConcrete(this, 'migrateReplicasToHpa', props.migrateReplicasToHpa, 'it decides at synth whether the migration patch exists');
    checkType(this, 'app.source.image', props.app?.source?.image, 'string');
    checkOneOf(this, 'imageArchitecture', props.imageArchitecture, [ec2.InstanceArchitecture.ARM_64, ec2.InstanceArchitecture.X86_64]);
    checkConcrete(this, 'imageArchitecture', props.imageArchitecture, 'it decides the platform the image is built for at synth');
    if (typeof props.app?.source?.image === 'string' && !Token.isUnresolved(props.app.source.image) && !/^\S+$/.test(props.app.source.image)) {
      throw new OrchestrationError(this, 'app.source.image', props.app.source.image, 'must be a container image reference (registry/repo:tag or @sha256 digest)');
    }
    this.checkSourceAndSecrets(props.app);
    // AppCluster's own errors would name its child path and the bare prop: check here first.
    if (!props.cluster) checkAppClusterProps(this, props.clusterProps ?? {}, 'clusterProps.');
    checkMovedExposureProps(this, props.chart);
    checkKnownProps(this, props.chart, APP_CHART_OPTIONS, 'chart.');
    // The chart's own errors would name a path in its cdk8s App and the bare option: check here first.
    planChart(this, resolveApp(this, props.app), props.chart ?? {}, 'chart.');
    if (props.chart?.progressDeadline !== undefined && (props.waitForRollout ?? true)) {
      checkConcrete(this, 'chart.progressDeadline', props.chart.progressDeadline, "the rollout check's timeout (the deadline + 60 s, at most 14 minutes) is computed from it at synth; pass a concrete deadline or waitForRollout: false");
    }
  }

  /** What must be known at synth in `app.source`. */
  private checkSourceAndSecrets(app: AppDescription | undefined): void {
    const build = 'the image is built from it (a Docker build context, hashed at synth)';
    checkConcrete(this, 'app.source.directory', app?.source?.directory, build);
    const exclude: unknown = app?.source?.exclude;
    (Array.isArray(exclude) ? exclude : []).forEach((e, i) => checkConcrete(this, `app.source.exclude[${i}]`, e, build));
  }

  /** The image, built from `app.source.directory` for the nodes' architecture. */
  private buildImage(dir: string, props: ContainerServiceProps): ecrAssets.DockerImageAsset {
    const arch = props.imageArchitecture ?? this.appCluster?.nodeArchitecture ?? ec2.InstanceArchitecture.ARM_64;
    return new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: dir,
      platform: arch === ec2.InstanceArchitecture.ARM_64 ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
      ...(this.app.source.exclude ? { exclude: this.app.source.exclude } : {}),
    });
  }

  /** The chart, in its own cdk8s App (its scope is never a CDK construct). */
  private createChart(props: ContainerServiceProps, readiness: PodReadinessPlan): AppChart {
    return new AppChart(new (loadCdk8s(this).App)(), 'app', {
      ...props.chart,
      ...readiness,
      app: props.app,
      image: this.imageUri,
      appVersion: this.appVersion,
      awsRegion: Object.keys(this.app.secrets).length > 0 ? Stack.of(this).region : undefined,
    });
  }

  /**
   * The TargetGroupBinding's name: the Service's (the app's name). The AWS Load Balancer Controller's
   * readiness gate condition type ends with it.
   */
  private get bindingName(): string {
    return this.app.name;
  }

  /**
   * The pod readiness gate of the target group's health (`ServiceExposure.loadBalancer({ podReadinessGate })`,
   * default on): a new pod becomes Ready, and so counts towards the rollout, only once the load balancer
   * sees it healthy, so old pods are never stopped while the new ones are still `initial`.
   *
   * Node groups (the AWS Load Balancer Controller): the pod template declares the gate
   * `target-health.elbv2.k8s.aws/<binding name>`; the controller sets that condition on every pod that
   * lists it, so it works in any namespace (`default` included), whether or not the controller's
   * webhook answered when the pod was created (its failure policy is Ignore) and before the binding
   * exists (first deploy). The chart's own namespace is also labelled for the webhook, which then
   * adds the gate of any other binding on the Service (it never duplicates one).
   *
   * EKS Auto Mode: the namespace carries Auto Mode's opt-in label and Auto Mode injects its own gate at
   * pod creation (into pods created once the binding exists, so from the first update on); the
   * namespace `default` is not created by the chart, so it cannot be labelled: a warning says so.
   */
  private planPodReadinessGate(props: ContainerServiceProps): PodReadinessPlan {
    const options = this.exposure.loadBalancerOptions;
    if (!options || options.podReadinessGate === false) return {};
    const labelled = (props.chart?.kubernetesNamespace ?? this.app.name) !== 'default';
    if (isAutoMode(this.cluster)) {
      if (labelled) return { namespaceLabels: { [POD_READINESS_GATE.autoMode.injectLabel]: 'enabled' } };
      Annotations.of(this).addWarningV2('cdk-orchestration:container-no-readiness-gate', `On EKS Auto Mode the pod readiness gate is injected into pods of namespaces labelled ${POD_READINESS_GATE.autoMode.injectLabel}: enabled, and the chart does not create (so cannot label) the namespace 'default': pods may be Ready before the load balancer sees them healthy. Use another chart.kubernetesNamespace, or label the namespace yourself.`);
      return {};
    }
    return {
      readinessGates: [`${POD_READINESS_GATE.controller.conditionTypePrefix}${this.bindingName}`],
      ...(labelled ? { namespaceLabels: { [POD_READINESS_GATE.controller.injectLabel]: 'enabled' } } : {}),
    };
  }

  /**
   * Applies the chart after what it needs. No `ingressAlb`: the chart has no Ingress (the load
   * balancer is CloudFormation's, see {@link exposeService}).
   */
  private applyChart(id: string): eks.KubernetesManifest {
    const manifest = this.cluster.addCdk8sChart(`${id}Chart`, this.chart);
    if (this.appCluster) manifest.node.addDependency(this.appCluster.metricsServer);
    if (this.appCluster?.nodegroup) manifest.node.addDependency(this.appCluster.nodegroup);
    // The AWS Load Balancer Controller's webhooks (Services, pods) must answer before the chart is applied.
    const controller = this.cluster.albController ?? this.loadBalancerController;
    if (controller) manifest.node.addDependency(controller);
    return manifest;
  }

  /**
   * Kubernetes' client-side migration to an HPA: take `spec.replicas` out of the Deployment's last applied
   * configuration before the chart (without it) is applied, so `kubectl apply` does not delete the field
   * (which would set 1 replica). The annotation becomes a minimal configuration naming the Deployment:
   * constant, so the patch runs once. Retained: a Delete would patch a Deployment that may be gone.
   */
  private migrateReplicas(): eks.KubernetesPatch {
    const lastApplied = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: this.deploymentName, namespace: this.kubernetesNamespace } });
    const patch = new eks.KubernetesPatch(this, 'ReplicasMigration', {
      cluster: this.cluster,
      resourceName: `deployment/${this.deploymentName}`,
      resourceNamespace: this.kubernetesNamespace,
      applyPatch: { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } } },
      restorePatch: {},
      patchType: eks.PatchType.MERGE,
    });
    (patch.node.findChild('Resource') as CustomResource).applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.manifest.node.addDependency(patch);
    return patch;
  }

  /**
   * What registers the pods in the target group: EKS Auto Mode's load balancing (built in), the
   * cluster's AWS Load Balancer Controller, or one this construct installs on the node-group cluster
   * it created. A cluster passed in without one gets a warning: the controller may have been
   * installed outside CDK, which this construct cannot see.
   */
  private loadBalancerControllerFor(props: ContainerServiceProps): eks.AlbController | undefined {
    if (!this.exposure.loadBalancerOptions || this.cluster.albController || isAutoMode(this.cluster)) return undefined;
    if (!this.appCluster) {
      Annotations.of(this).addWarningV2('cdk-orchestration:container-no-lb-controller', `The cluster ${this.cluster.node.path} has no albController: ServiceExposure.loadBalancer() needs the AWS Load Balancer Controller (or EKS Auto Mode) to register the pods in the target group. Install it (eks.Cluster albController) unless you installed it another way.`);
      return undefined;
    }
    if (props.clusterProps?.albController === false) {
      throw new OrchestrationError(this, 'clusterProps.albController', false, 'must not be false with ServiceExposure.loadBalancer() on a node group: the AWS Load Balancer Controller registers the pods in the target group (or use EKS Auto Mode, whose load balancing does it)');
    }
    const controller = eks.AlbController.create(this, { cluster: this.cluster, version: eks.AlbControllerVersion.V2_17_1 });
    acknowledgeController(controller);
    acknowledgeIrsaProviders(Stack.of(this));
    return controller;
  }

  /**
   * The pods' own IAM role, assumed through EKS Pod Identity (always, so that `grantPrincipal` works
   * in every style), allowed to read exactly the app's secrets.
   */
  private createPodIdentity(): iam.Role {
    const podRole = new iam.Role(this, 'PodRole', {
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com'),
      description: `Assumed by the ${this.app.name} pods (EKS Pod Identity)`,
    });
    podRole.assumeRolePolicy!.addStatements(
      new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')] }),
    );
    for (const s of bindSecrets(this, this.app.secrets)) s.grantRead(podRole);
    // Auto Mode nodes run the Pod Identity agent themselves; node groups need the add-on.
    const agent = isAutoMode(this.cluster) ? undefined : this.cluster.eksPodIdentityAgent;
    const association = new eks.CfnPodIdentityAssociation(this, 'PodIdentity', {
      clusterName: this.cluster.clusterName,
      namespace: this.kubernetesNamespace,
      serviceAccount: this.chart.serviceAccountName,
      roleArn: podRole.roleArn,
    });
    if (agent) association.node.addDependency(agent);
    // Pods start only once their identity exists, or the init container (or the app) would fail once.
    this.manifest.node.addDependency(association);
    return podRole;
  }

  /**
   * With `ServiceExposure.loadBalancer()`: the load balancer, its target group, the security group
   * rule from it to the pods, and the `TargetGroupBinding`, applied after the chart (its namespace and
   * Service) and after the controller (its CRD and webhooks). On `cdk destroy` CloudFormation deletes
   * the binding first (the controller deregisters the pods while it still runs), then the load balancer.
   */
  private exposeService(): ServiceLoadBalancer | undefined {
    const options = this.exposure.loadBalancerOptions;
    if (!options) return undefined;
    const lb = new ServiceLoadBalancer(this, 'LoadBalancer', {
      cluster: this.cluster,
      options,
      port: this.app.port,
      healthCheckPath: this.app.healthCheckPath,
      // In-flight requests may last until the pod is gone: the preStop pause plus the app's drain.
      deregistrationDelay: Duration.seconds(this.chart.plan.terminationGracePeriodSeconds - 5),
      podSecurityGroups: this.connections.securityGroups,
      bindingName: this.bindingName,
      serviceName: this.chart.service.name,
      namespace: this.kubernetesNamespace,
      servicePort: SERVICE_PORT,
      labels: { 'app.kubernetes.io/name': this.app.name, 'app.kubernetes.io/managed-by': 'cdk-orchestration' },
      autoMode: isAutoMode(this.cluster),
    });
    lb.binding.node.addDependency(this.manifest);
    const controller = this.cluster.albController ?? this.loadBalancerController;
    if (controller) lb.binding.node.addDependency(controller);
    return lb;
  }

  /**
   * A custom resource that polls the Deployment until the newest ReplicaSet is available; on
   * ProgressDeadlineExceeded its output never appears, and the check times out and fails.
   */
  private addRolloutCheck(): eks.KubernetesObjectValue {
    const deadline = this.chart.plan.progressDeadlineSeconds;
    const check = new eks.KubernetesObjectValue(this, 'RolloutCheck', {
      cluster: this.cluster,
      objectType: 'deployment',
      objectName: this.deploymentName,
      objectNamespace: this.kubernetesNamespace,
      jsonPath: '.status.conditions[?(@.reason=="NewReplicaSetAvailable")].type',
      timeout: Duration.seconds(Math.min(deadline + 60, 14 * 60)),
    });
    check.node.addDependency(this.manifest);
    // With the readiness gate the new pods become available only once the binding has registered them.
    if (this.targetGroupBinding) check.node.addDependency(this.targetGroupBinding);
    const target = check.node.findChild('Resource').node.defaultChild;
    if (!(target instanceof CfnResource)) throw new OrchestrationError(this, 'waitForRollout', true, 'could not find the rollout check resource (aws-cdk-lib changed)');
    target.addPropertyOverride('Revision', this.revision());
    return check;
  }

  /**
   * What makes CloudFormation run the rollout check again whenever the manifest changes (its
   * properties would otherwise stay the same and CloudFormation would skip it): a hash of the
   * manifest, the image and the version, followed by the manifest's deploy-time values (a new
   * parameter value changes the manifest at deploy time, so it must change the revision too).
   * The built image's URI is covered by its asset hash, the region never changes in a stack.
   */
  private revision(): string {
    const { normalised, tokens } = separateTokens(this.chart.toJson());
    const hash = crypto.createHash('sha256').update(`${JSON.stringify(normalised)}|${this.imageAsset?.assetHash ?? this.imageUri}|${this.appVersion}`).digest('hex').slice(0, 16);
    const stable = new Set([this.imageAsset?.imageUri, Stack.of(this).region]);
    return [hash, ...new Set(tokens.filter((t) => !stable.has(t)))].join('|');
  }
}

/** What the chart gets for the load balancer's pod readiness gate. */
interface PodReadinessPlan {
  readonly readinessGates?: string[];
  readonly namespaceLabels?: Record<string, string>;
}

/** The chart options the Service's exposure replaced (0.x), with what to pass instead. */
const MOVED_EXPOSURE_PROPS: Record<string, string> = {
  serviceType: 'exposure: ServiceExposure.loadBalancer() or ServiceExposure.clusterIp() (the Service is always ClusterIP)',
  loadBalancerClass: 'exposure: ServiceExposure.loadBalancer() (a load balancer CloudFormation owns; Kubernetes creates none)',
  internetFacing: 'exposure: ServiceExposure.loadBalancer({ internetFacing })',
  albIngress: 'exposure: ServiceExposure.loadBalancer() (an ALB CloudFormation owns, bound by a TargetGroupBinding, replaces the Ingress)',
};

/** A chart option the exposure replaced gets an error saying what to pass instead (not just "unknown prop"). */
function checkMovedExposureProps(where: Construct, chart: unknown): void {
  if (typeof chart !== 'object' || chart === null) return;
  for (const [old, instead] of Object.entries(MOVED_EXPOSURE_PROPS)) {
    if (old in chart) throw new OrchestrationError(where, `chart.${old}`, (chart as Record<string, unknown>)[old], `is no longer a prop: pass ${instead}`);
  }
}

/** The port the chart's Service listens on (the TargetGroupBinding's `serviceRef.port`). */
const SERVICE_PORT = 80;

/**
 * The findings of the AWS Load Balancer Controller's IAM policy (aws-cdk-lib ships the controller's
 * published policy, pinned to its version) and of the IRSA provider eks-v2 creates for it.
 */
function acknowledgeController(controller: eks.AlbController): void {
  const sa = controller.node.tryFindChild('alb-sa');
  const policy = sa?.node.tryFindChild('Role')?.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  const why = "The AWS Load Balancer Controller's published IAM policy (v2.17.1, shipped and pinned by aws-cdk-lib)";
  acknowledgeNag(policy, 'AwsSolutions-IAM5[Resource::*]', `${why}: Describe* calls EC2 and ELB do not scope to resources, and create/modify calls conditioned on the controller's own elbv2.k8s.aws/cluster tags.`);
  // One reason per resource pattern: what the controller does with that kind of resource.
  const scoped: Record<string, string> = {
    'ec2:*:*:security-group/*': 'it creates security groups for the load balancers it manages and changes rules only in those carrying its elbv2.k8s.aws/cluster tag, whose ids exist only at run time',
    'elasticloadbalancing:*:*:targetgroup/*/*': 'it registers and deregisters pod IPs in target groups it did not create (the TargetGroupBinding names one by ARN at run time) and tags or deletes only target groups carrying its cluster tag',
    'elasticloadbalancing:*:*:loadbalancer/app/*/*': 'it tags, modifies or deletes application load balancers only when they carry its cluster tag; their names are generated when it creates them',
    'elasticloadbalancing:*:*:loadbalancer/net/*/*': 'it tags, modifies or deletes network load balancers only when they carry its cluster tag; their names are generated when it creates them',
    'elasticloadbalancing:*:*:listener/app/*/*/*': 'it tags listeners of application load balancers it creates, whose ARNs exist only once created',
    'elasticloadbalancing:*:*:listener/net/*/*/*': 'it tags listeners of network load balancers it creates, whose ARNs exist only once created',
    'elasticloadbalancing:*:*:listener-rule/app/*/*/*': 'it tags listener rules of application load balancers it creates (Ingress rules), whose ARNs exist only once created',
    'elasticloadbalancing:*:*:listener-rule/net/*/*/*': 'it tags listener rules of network load balancers it creates, whose ARNs exist only once created',
  };
  for (const [resource, reason] of Object.entries(scoped)) {
    acknowledgeNag(policy, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${resource}]`, `${why}: ${reason}.`);
  }
}

/**
 * The controller's IRSA role needs the cluster's OpenID Connect provider, which aws-cdk-lib creates through singleton
 * provider functions of the stack (outside any VPC, with no option to place them in one): Control Tower's
 * CT.LAMBDA.PR.3, acknowledged on them when they exist.
 */
function acknowledgeIrsaProviders(stack: Stack): void {
  const providers: Record<string, string> = {
    'Custom::AWSCDKOpenIdConnectProviderCustomResourceProvider': "aws-cdk-lib's OpenID Connect provider custom resource (a stack singleton, for the AWS Load Balancer Controller's IRSA role) only calls the IAM API while CloudFormation deploys; aws-cdk-lib gives it no VPC placement.",
    AWSCDKCfnUtilsProviderCustomResourceProvider: "aws-cdk-lib's CfnJson provider (a stack singleton, rendering the IRSA role's trust conditions keyed by the cluster's OIDC issuer) computes a JSON value and calls no network service; aws-cdk-lib gives it no VPC placement.",
  };
  for (const [id, reason] of Object.entries(providers)) {
    const provider = stack.node.tryFindChild(id);
    if (provider) acknowledgeControl(provider, 'CT.LAMBDA.PR.3', reason);
  }
}

/** A prop that must be a CDK resource of a kind (recognised by an ARN attribute), for callers without a type checker. */
function checkResource(where: Construct, prop: string, value: unknown, arnAttribute: string, what: string): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[arnAttribute] !== 'string') {
    throw new OrchestrationError(where, prop, value, `must be ${what}`);
  }
}

/** Whether an eks-v2 cluster runs EKS Auto Mode (its compute config is enabled). */
function isAutoMode(cluster: eks.Cluster): boolean {
  const cfn = cluster.node.defaultChild;
  if (!(cfn instanceof eks.CfnCluster)) return false;
  const compute = cfn.computeConfig as eks.CfnCluster.ComputeConfigProperty | undefined;
  return compute?.enabled === true;
}
