import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cdk8s from 'cdk8s';
import { Construct } from 'constructs';
import * as crypto from 'node:crypto';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { checkExclusive } from '../../lib/validate';
import { bindSecrets } from '../shared/secrets';
import { appVersion, sourceDirectory } from '../shared/source';
import { AppChart, type AppChartOptions } from './app-chart';
import { AppCluster, type AppClusterProps } from './app-cluster';

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
    const app = resolveApp(this, props?.app);
    this.app = app;
    checkExclusive(this, { cluster: props.cluster, clusterProps: props.clusterProps });

    if (props.cluster) {
      this.cluster = props.cluster;
    } else {
      this.appCluster = new AppCluster(this, 'Cluster', props.clusterProps);
      this.cluster = this.appCluster.cluster;
    }

    let dir: string | undefined;
    if (app.source.directory !== undefined) {
      dir = sourceDirectory(this, app);
      const arch = props.imageArchitecture ?? this.appCluster?.nodeArchitecture ?? ec2.InstanceArchitecture.ARM_64;
      this.imageAsset = new ecrAssets.DockerImageAsset(this, 'Image', {
        directory: dir,
        platform: arch === ec2.InstanceArchitecture.ARM_64 ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
        ...(app.source.exclude ? { exclude: app.source.exclude } : {}),
      });
      this.imageUri = this.imageAsset.imageUri;
    } else {
      this.imageUri = app.source.image!;
    }
    this.appVersion = appVersion(app, dir);

    // The chart lives in its own cdk8s App (its scope is never a CDK construct).
    const autoMode = isAutoMode(this.cluster);
    this.chart = new AppChart(new cdk8s.App(), 'app', {
      ...(autoMode ? { loadBalancerClass: 'eks.amazonaws.com/nlb' } : {}),
      ...props.chart,
      app: props.app,
      image: this.imageUri,
      appVersion: this.appVersion,
      awsRegion: Object.keys(app.secrets).length > 0 ? Stack.of(this).region : undefined,
    });
    this.namespace = this.chart.namespaceName;
    this.deploymentName = this.chart.deploymentName;

    // No `ingressAlb`: the chart's Ingress sets `ingressClassName: alb` and its own scheme (eks-v2 would add
    // the legacy class annotation, which conflicts with ingressClassName, and an internal scheme).
    this.manifest = this.cluster.addCdk8sChart(`${id}Chart`, this.chart);
    if (this.appCluster) this.manifest.node.addDependency(this.appCluster.metricsServer);
    if (this.appCluster?.nodegroup) this.manifest.node.addDependency(this.appCluster.nodegroup);
    // The AWS Load Balancer Controller's webhooks must answer before Services and Ingresses are applied.
    if (this.cluster.albController) this.manifest.node.addDependency(this.cluster.albController);

    const secrets = bindSecrets(this, app.secrets);
    if (secrets.length > 0) {
      this.podRole = new iam.Role(this, 'PodRole', {
        assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com'),
        description: `Assumed by the ${app.name} pods (EKS Pod Identity) to read their secrets`,
      });
      this.podRole.assumeRolePolicy!.addStatements(
        new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')] }),
      );
      for (const s of secrets) s.grantRead(this.podRole);
      // Auto Mode nodes run the Pod Identity agent themselves; node groups need the add-on.
      const agent = autoMode ? undefined : this.cluster.eksPodIdentityAgent;
      const association = new eks.CfnPodIdentityAssociation(this, 'PodIdentity', {
        clusterName: this.cluster.clusterName,
        namespace: this.namespace,
        serviceAccount: this.chart.serviceAccountName,
        roleArn: this.podRole.roleArn,
      });
      if (agent) association.node.addDependency(agent);
      // Pods start only once their identity exists, or the init container would fail once.
      this.manifest.node.addDependency(association);
    }

    if (props.waitForRollout ?? true) {
      const deadline = this.chart.plan.progressDeadlineSeconds;
      this.rolloutCheck = new eks.KubernetesObjectValue(this, 'RolloutCheck', {
        cluster: this.cluster,
        objectType: 'deployment',
        objectName: this.deploymentName,
        objectNamespace: this.namespace,
        // Output appears only once the newest ReplicaSet is fully available; on
        // ProgressDeadlineExceeded it never does, and the check times out and fails.
        jsonPath: '.status.conditions[?(@.reason=="NewReplicaSetAvailable")].type',
        timeout: Duration.seconds(Math.min(deadline + 60, 14 * 60)),
      });
      this.rolloutCheck.node.addDependency(this.manifest);
      // Run the check again whenever the manifest changes (the custom resource's
      // properties would otherwise stay the same and CloudFormation would skip it).
      const chartJson = JSON.stringify(this.chart.toJson()).replace(/\$\{Token\[[^\]]*\]\}/g, '<token>');
      const revision = crypto.createHash('sha256').update(`${chartJson}|${this.imageAsset?.assetHash ?? this.imageUri}|${this.appVersion}`).digest('hex').slice(0, 16);
      const target = this.rolloutCheck.node.findChild('Resource').node.defaultChild;
      if (!(target instanceof CfnResource)) throw new OrchestrationError(this, 'waitForRollout', true, 'could not find the rollout check resource (aws-cdk-lib changed)');
      target.addPropertyOverride('Revision', revision);
    }
  }
}

/** Whether an eks-v2 cluster runs EKS Auto Mode (its compute config is enabled). */
function isAutoMode(cluster: eks.Cluster): boolean {
  const cfn = cluster.node.defaultChild;
  if (!(cfn instanceof eks.CfnCluster)) return false;
  const compute = cfn.computeConfig as eks.CfnCluster.ComputeConfigProperty | undefined;
  return compute?.enabled === true;
}
