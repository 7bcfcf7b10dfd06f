import { CfnResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cdk8s from 'cdk8s';
import { Construct } from 'constructs';
import * as crypto from 'node:crypto';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkExclusive, checkKnownProps, checkOneOf, checkType } from '../../lib/validate';
import { bindSecrets } from '../shared/secrets';
import { appVersion, sourceDirectory } from '../shared/source';
import { AppChart, type AppChartOptions, planChart } from './app-chart';
import { AppCluster, type AppClusterProps } from './app-cluster';
import { APP_CHART_OPTIONS, CONTAINER_SERVICE_PROPS } from './known-props';
import { checkAppClusterProps } from './private/cluster-props';
import { separateTokens } from './private/tokens';

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
   * Make the deployment wait until the new pods are available: after `kubectl apply`, a
   * custom resource polls the Deployment until its `Progressing` condition says
   * `NewReplicaSetAvailable`. A rollout that never becomes available (`ProgressDeadlineExceeded`)
   * fails the stack update and CloudFormation's rollback re-applies the previous manifest.
   * @default true
   */
  readonly waitForRollout?: boolean;
}

/**
 * The container style: the app's image (built from its Dockerfile by `cdk deploy`), an EKS
 * cluster ({@link AppCluster}) and the app's Kubernetes objects ({@link AppChart}) applied with
 * `cluster.addCdk8sChart`, with a rollout check that makes a failed rollout fail the deploy.
 * Secrets reach the pods through EKS Pod Identity (an IAM role allowed to read exactly the
 * app's secrets, associated with the chart's ServiceAccount).
 *
 * @example
 * new ContainerService(this, 'Service', {
 *   app: { source: { directory: path.join(__dirname, 'app') } },
 *   clusterProps: { adminPrincipalArn: 'arn:aws:iam::123456789012:role/Admin' },
 * });
 */
export class ContainerService extends Construct {
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
  /** The rollout check (`waitForRollout`). */
  public readonly rolloutCheck?: eks.KubernetesObjectValue;
  /** The role the pods assume through EKS Pod Identity (only with `app.secrets`). */
  public readonly podRole?: iam.Role;
  /** The version string the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The namespace of the app's objects. */
  public readonly namespace: string;
  /** The Deployment's name. */
  public readonly deploymentName: string;

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    this.checkProps(props ?? ({} as ContainerServiceProps));
    const app = resolveApp(this, props.app);
    this.app = app;
    checkExclusive(this, { cluster: props.cluster, clusterProps: props.clusterProps });
    if (props.cluster) {
      this.cluster = props.cluster;
    } else {
      this.appCluster = new AppCluster(this, 'Cluster', props.clusterProps);
      this.cluster = this.appCluster.cluster;
    }
    const dir = app.source.directory !== undefined ? sourceDirectory(this, app) : undefined;
    this.imageAsset = dir !== undefined ? this.buildImage(dir, props) : undefined;
    this.imageUri = this.imageAsset?.imageUri ?? app.source.image!;
    this.appVersion = appVersion(app, dir);

    this.chart = this.createChart(props);
    this.namespace = this.chart.namespaceName;
    this.deploymentName = this.chart.deploymentName;
    this.manifest = this.applyChart(id);
    this.podRole = this.bindSecrets();
    if (props.waitForRollout ?? true) this.rolloutCheck = this.addRolloutCheck();
  }

  /** Checks what plain-JavaScript callers can get wrong, and the chart options against the app, with this construct's path. */
  private checkProps(props: ContainerServiceProps): void {
    checkKnownProps(this, props, CONTAINER_SERVICE_PROPS);
    checkType(this, 'waitForRollout', props.waitForRollout, 'boolean');
    checkType(this, 'app.source.image', props.app?.source?.image, 'string');
    checkOneOf(this, 'imageArchitecture', props.imageArchitecture, [ec2.InstanceArchitecture.ARM_64, ec2.InstanceArchitecture.X86_64]);
    checkConcrete(this, 'imageArchitecture', props.imageArchitecture, 'it decides the platform the image is built for at synth');
    if (typeof props.app?.source?.image === 'string' && !Token.isUnresolved(props.app.source.image) && !/^\S+$/.test(props.app.source.image)) {
      throw new OrchestrationError(this, 'app.source.image', props.app.source.image, 'must be a container image reference (registry/repo:tag or @sha256 digest)');
    }
    this.checkSourceAndSecrets(props.app);
    // AppCluster's own errors would name its child path and the bare prop: check here first.
    if (!props.cluster) checkAppClusterProps(this, props.clusterProps ?? {}, 'clusterProps.');
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
  private createChart(props: ContainerServiceProps): AppChart {
    return new AppChart(new cdk8s.App(), 'app', {
      // Auto Mode's built-in load balancing, for a LoadBalancer Service only (a class on another type is an error).
      ...(isAutoMode(this.cluster) && (props.chart?.serviceType ?? 'LoadBalancer') === 'LoadBalancer' ? { loadBalancerClass: 'eks.amazonaws.com/nlb' } : {}),
      ...props.chart,
      app: props.app,
      image: this.imageUri,
      appVersion: this.appVersion,
      awsRegion: Object.keys(this.app.secrets).length > 0 ? Stack.of(this).region : undefined,
    });
  }

  /**
   * Applies the chart after what it needs. No `ingressAlb`: the chart's Ingress sets `ingressClassName: alb`
   * and its own scheme (eks-v2 would add the legacy class annotation, which conflicts with ingressClassName,
   * and an internal scheme).
   */
  private applyChart(id: string): eks.KubernetesManifest {
    const manifest = this.cluster.addCdk8sChart(`${id}Chart`, this.chart);
    if (this.appCluster) manifest.node.addDependency(this.appCluster.metricsServer);
    if (this.appCluster?.nodegroup) manifest.node.addDependency(this.appCluster.nodegroup);
    // The AWS Load Balancer Controller's webhooks must answer before Services and Ingresses are applied.
    if (this.cluster.albController) manifest.node.addDependency(this.cluster.albController);
    return manifest;
  }

  /** With `app.secrets`: a role the pods assume through EKS Pod Identity, allowed to read exactly those secrets. */
  private bindSecrets(): iam.Role | undefined {
    const secrets = bindSecrets(this, this.app.secrets);
    if (secrets.length === 0) return undefined;
    const podRole = new iam.Role(this, 'PodRole', {
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com'),
      description: `Assumed by the ${this.app.name} pods (EKS Pod Identity) to read their secrets`,
    });
    podRole.assumeRolePolicy!.addStatements(
      new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')] }),
    );
    for (const s of secrets) s.grantRead(podRole);
    // Auto Mode nodes run the Pod Identity agent themselves; node groups need the add-on.
    const agent = isAutoMode(this.cluster) ? undefined : this.cluster.eksPodIdentityAgent;
    const association = new eks.CfnPodIdentityAssociation(this, 'PodIdentity', {
      clusterName: this.cluster.clusterName,
      namespace: this.namespace,
      serviceAccount: this.chart.serviceAccountName,
      roleArn: podRole.roleArn,
    });
    if (agent) association.node.addDependency(agent);
    // Pods start only once their identity exists, or the init container would fail once.
    this.manifest.node.addDependency(association);
    return podRole;
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
      objectNamespace: this.namespace,
      jsonPath: '.status.conditions[?(@.reason=="NewReplicaSetAvailable")].type',
      timeout: Duration.seconds(Math.min(deadline + 60, 14 * 60)),
    });
    check.node.addDependency(this.manifest);
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

/** Whether an eks-v2 cluster runs EKS Auto Mode (its compute config is enabled). */
function isAutoMode(cluster: eks.Cluster): boolean {
  const cfn = cluster.node.defaultChild;
  if (!(cfn instanceof eks.CfnCluster)) return false;
  const compute = cfn.computeConfig as eks.CfnCluster.ComputeConfigProperty | undefined;
  return compute?.enabled === true;
}
