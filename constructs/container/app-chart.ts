import { Duration, Token, Tokenization, withResolved } from 'aws-cdk-lib';
import type { ApiObject, ApiObjectProps } from 'cdk8s';
import type { Construct, IConstruct } from 'constructs';
import * as crypto from 'node:crypto';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { secretRefEnvName } from '../../lib/secret-ref';
import { checkConcrete, checkDuration, durationIn, checkInteger, checkKnownProps, checkPattern, checkType, checkWholeUnits } from '../../lib/validate';
import { checkPercentOrCount, ImagePullPolicy, manifestValue, type PercentOrCount, ZoneSpread } from './chart-modes';
import { APP_CHART_PROPS, APP_PROBE_OPTIONS, APP_RESOURCES } from './known-props';
import { checkEnumValue } from './private/enum-value';
import { lazyChart, loadCdk8s } from './private/optional-peers';
import { exportSecretsScript, FETCH_SECRETS_SCRIPT, SECRETS_MOUNT_PATH } from './private/secrets-scripts';
import { separateTokens } from './private/tokens';

/** Why a deploy-time Duration must be written in seconds here. */
const K8S_SECONDS = 'Kubernetes counts it in seconds';

/** A probe on the app's health path. */
export interface AppProbeOptions {
  /**
   * The HTTP path probed.
   * @default - the app's `healthCheckPath` ('/healthz')
   */
  readonly path?: string;
  /**
   * The container port probed. It must be the port the container exposes (`app.port`).
   * @default - the app's `port` (8080)
   */
  readonly port?: number;
  /**
   * How often the probe runs.
   * @default Duration.seconds(10) (readiness: 5 s)
   */
  readonly period?: Duration;
  /**
   * Consecutive failures before the pod leaves the Service (readiness) or is restarted (liveness).
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Delay before the first probe.
   * @default Duration.seconds(0) (readiness), Duration.seconds(10) (liveness)
   */
  readonly initialDelay?: Duration;
}

/** CPU and memory of the app container, in Kubernetes quantities. */
export interface AppResources {
  /** @default '250m' */
  readonly cpuRequest?: string;
  /** @default '256Mi' */
  readonly memoryRequest?: string;
  /**
   * The CPU limit. Throttles the app at this share of a core.
   * @default '1' (one core)
   */
  readonly cpuLimit?: string;
  /**
   * The memory limit; the app is OOM-killed above it. Equal to the request by default so a node
   * never overcommits memory.
   * @default '256Mi'
   */
  readonly memoryLimit?: string;
}

/**
 * The options of {@link AppChart} that do not depend on where it runs. {@link ContainerService}
 * takes them as `chart`.
 */
export interface AppChartOptions {
  /**
   * The Kubernetes namespace of every object. A namespace other than `default` is created by the chart.
   * @default - the app's name
   */
  readonly kubernetesNamespace?: string;
  /**
   * Extra pods a rollout may start (RollingUpdate `maxSurge`): `PercentOrCount.count(3)` or
   * `PercentOrCount.percent(50)`. Contradicting `app.rollout.maxSurgePercent` is an error.
   * @default - `app.rollout.maxSurgePercent` (100) of `app.replicas.min` (3), rounded up: 3, the book's
   */
  readonly maxSurge?: PercentOrCount;
  /**
   * Pods a rollout may take out of service at once (RollingUpdate `maxUnavailable`): a count or a
   * percentage. Contradicting `app.rollout.maxUnavailablePercent` is an error.
   * @default - `app.rollout.maxUnavailablePercent` (0) of `app.replicas.min`, rounded down: 0, the book's
   */
  readonly maxUnavailable?: PercentOrCount;
  /**
   * The Deployment is marked failed (`ProgressDeadlineExceeded`) when a rollout makes no progress this long.
   * @default Duration.minutes(10)
   */
  readonly progressDeadline?: Duration;
  /** @default - see {@link AppProbeOptions} */
  readonly readinessProbe?: AppProbeOptions;
  /** @default - see {@link AppProbeOptions} */
  readonly livenessProbe?: AppProbeOptions;
  /** @default - see {@link AppResources} */
  readonly resources?: AppResources;
  /**
   * How long the app needs after SIGTERM to finish in-flight requests (the sample app's
   * `shutdownTimeoutMs`, 10 s). The pod's `terminationGracePeriodSeconds` is this plus
   * `preStopDelay` plus 5 s, so Kubernetes never SIGKILLs a draining app.
   * @default Duration.seconds(10)
   */
  readonly drainTimeout?: Duration;
  /**
   * A pause before SIGTERM (a `preStop` sleep), so load balancers stop sending new requests
   * to a terminating pod before it stops accepting them.
   * @default Duration.seconds(5)
   */
  readonly preStopDelay?: Duration;
  /**
   * Run as a non-root user (`runAsNonRoot`, `runAsUser`).
   * @default true
   */
  readonly runAsNonRoot?: boolean;
  /**
   * The user id the container runs as (the `node` user of the official Node images is 1000).
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Mount the root filesystem read-only. `/tmp` is always a writable `emptyDir`.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Spread pods across zones (`topology.kubernetes.io/zone`) and nodes, with `maxSkew` 1.
   * `ZoneSpread.SCHEDULE_ANYWAY` prefers the spread; `ZoneSpread.DO_NOT_SCHEDULE` requires it.
   * @default ZoneSpread.SCHEDULE_ANYWAY
   */
  readonly zoneSpread?: ZoneSpread;
  /**
   * The app container's image pull policy.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * The image of the init container that fetches secrets (it needs the `aws` CLI).
   * @default 'amazon/aws-cli:2.27.0@sha256:e3e329e1…' (AWS's official image, pinned by the digest of its multi-architecture index)
   */
  readonly secretsFetcherImage?: string;
}

/** Props of {@link AppChart}. */
export interface AppChartProps extends AppChartOptions {
  /** The app: port, health path, command, environment, secrets, replicas and rollout limits. */
  readonly app: AppDescription;
  /** The container image (`repo:tag` or `repo@sha256:...`); may be a CDK token when applied by CDK. */
  readonly image: string;
  /**
   * The version the app reports (`APP_VERSION`).
   * @default - `app.version`, else 'unversioned'
   */
  readonly appVersion?: string;
  /**
   * The AWS region the secrets init container calls (`AWS_REGION`). Required when `app.secrets`
   * is not empty.
   * @default - none
   */
  readonly awsRegion?: string;
  /**
   * Annotations of the ServiceAccount.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * Pod readiness gates declared in the pod template (`readinessGates[].conditionType`): a pod is
   * Ready only once each of these pod conditions is True. Only for a controller that sets them
   * ({@link ContainerService} declares the AWS Load Balancer Controller's target-health gate);
   * without one the pods never become Ready.
   * @default - none
   */
  readonly readinessGates?: string[];
  /**
   * Extra labels of the Namespace the chart creates (applied before the Deployment, in the same
   * manifest). Not with `kubernetesNamespace: 'default'`, which the chart does not create.
   * @default - none
   */
  readonly namespaceLabels?: Record<string, string>;
}

/** The book's rollout defaults. */
export const CONTAINER_DEFAULTS = {
  replicas: 3,
  maxReplicas: 10,
  maxSurgePercent: 100,
  maxUnavailablePercent: 0,
  cpuRequest: '250m',
  memoryRequest: '256Mi',
  cpuLimit: '1',
  memoryLimit: '256Mi',
  runAsUser: 1000,
  // AWS's official AWS CLI image, pinned by digest (the runtime pulls the digest; the tag only documents it).
  // The digest is Docker Hub's index for amazon/aws-cli:2.27.0; whether ECR Public's copy has the same
  // digest is not documented, so the reference names the registry whose digest is known.
  secretsFetcherImage: 'amazon/aws-cli:2.27.0@sha256:e3e329e1d2894b7b4bbb0aacacd0a155262159b2e7a3b4275eb1f24046d3e06c',
  secretsMountPath: SECRETS_MOUNT_PATH,
} as const;

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** A Kubernetes qualified name (label keys, condition types): an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
const QUALIFIED_NAME = /^(?:(?=.{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The RollingUpdate numbers and everything else the chart derived from its inputs. */
export interface AppChartPlan {
  readonly replicas: number;
  readonly maxReplicas: number;
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  readonly terminationGracePeriodSeconds: number;
  readonly progressDeadlineSeconds: number;
  readonly minReadySeconds: number;
}

/**
 * The app as Kubernetes objects, written with cdk8s: a Deployment with a safe rolling update,
 * probes, resources and a locked-down security context, a Service, a PodDisruptionBudget,
 * a HorizontalPodAutoscaler, a ConfigMap for the configuration and a ServiceAccount.
 * Its scope is a `cdk8s.App`: apply it to EKS with `cluster.addCdk8sChart` (see
 * {@link ContainerService}) or write it as YAML (`npm run manifests`) for any cluster. It extends
 * `cdk8s.Chart`; cdk8s (an optional peer dependency, `npm install cdk8s@^2`) is loaded when the
 * first chart is constructed, not when this package is imported.
 *
 * Secrets never appear in it: the pods get only references (`secretsmanager:<arn>`), an init
 * container reads the values with the pod's own AWS identity (EKS Pod Identity) into a
 * memory-backed volume, and the app's command exports them before it starts.
 *
 * @example
 * const app = new cdk8s.App();
 * new AppChart(app, 'sample-app', { app: { source: AppSource.fromDirectory('app') }, image: 'sample-app:1' });
 * app.synth(); // dist/sample-app.k8s.yaml
 */
export class AppChart extends lazyChart() {
  public readonly app: ResolvedApp;
  public readonly plan: AppChartPlan;
  /** The namespace of every object. */
  public readonly namespaceName: string;
  /** The Deployment's name (the app's name). */
  public readonly deploymentName: string;
  public readonly deployment: ApiObject;
  public readonly service: ApiObject;
  public readonly configMap: ApiObject;
  public readonly podDisruptionBudget: ApiObject;
  public readonly horizontalPodAutoscaler: ApiObject;
  public readonly serviceAccount: ApiObject;
  /** The ServiceAccount's name (what an EKS Pod Identity association names). */
  public readonly serviceAccountName: string;
  /** Where errors point: the chart's path (a chart's scope is a cdk8s App, not a CDK construct). */
  private readonly where: string;

  constructor(scope: Construct, id: string, props: AppChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    this.where = this.node.path || id;
    checkKnownProps(this.where, props, APP_CHART_PROPS);
    this.app = resolveApp(this.where, props?.app);
    this.checkProps(props);
    this.plan = planChart(this.where, this.app, props);
    this.namespaceName = props.kubernetesNamespace ?? this.app.name;
    this.deploymentName = this.app.name;
    this.serviceAccountName = this.app.name;

    if (this.namespaceName !== 'default') this.createNamespace(props.namespaceLabels);
    const config = this.configData();
    this.configMap = this.createConfigMap(config);
    this.serviceAccount = this.createServiceAccount(props);
    this.deployment = this.createDeployment(props, this.podSpec(props), configHash(config));
    this.service = this.createService();
    this.podDisruptionBudget = this.createPodDisruptionBudget();
    this.horizontalPodAutoscaler = this.createHorizontalPodAutoscaler();
  }

  /** The props only a direct caller passes (ContainerService derives them). */
  private checkProps(props: AppChartProps): void {
    if (props.image === undefined || typeof props.image !== 'string' || (!Token.isUnresolved(props.image) && !/^\S+$/.test(props.image))) {
      throw new OrchestrationError(this.where, 'image', props.image, 'must be a container image reference (registry/repo:tag or @sha256 digest)');
    }
    checkType(this.where, 'appVersion', props.appVersion, 'string');
    checkType(this.where, 'awsRegion', props.awsRegion, 'string');
    for (const [k, v] of Object.entries(props.serviceAccountAnnotations ?? {})) checkType(this.where, `serviceAccountAnnotations.${k}`, v, 'string');
    const gates: unknown = props.readinessGates;
    if (gates !== undefined && !Array.isArray(gates)) throw new OrchestrationError(this.where, 'readinessGates', gates, 'must be an array of pod condition types');
    (gates ?? []).forEach((g: unknown, i: number) => {
      checkType(this.where, `readinessGates[${i}]`, g, 'string');
      checkConcrete(this.where, `readinessGates[${i}]`, g, 'it is written into the pod template at synth');
      checkPattern(this.where, `readinessGates[${i}]`, g as string, QUALIFIED_NAME, 'a qualified name such as "target-health.elbv2.k8s.aws/web"');
    });
    const labels: unknown = props.namespaceLabels;
    if (labels !== undefined && (typeof labels !== 'object' || labels === null || Array.isArray(labels))) throw new OrchestrationError(this.where, 'namespaceLabels', labels, 'must be an object of label keys and values');
    for (const [k, v] of Object.entries(props.namespaceLabels ?? {})) {
      checkPattern(this.where, 'namespaceLabels', k, QUALIFIED_NAME, 'label keys that are qualified names such as "example.com/team"');
      checkType(this.where, `namespaceLabels.${k}`, v, 'string');
      checkPattern(this.where, `namespaceLabels.${k}`, v, LABEL_VALUE, 'a label value (at most 63 letters, digits, "-", "_", ".")');
    }
    if (props.namespaceLabels !== undefined && (props.kubernetesNamespace ?? this.app.name) === 'default') {
      throw new OrchestrationError(this.where, 'namespaceLabels', props.namespaceLabels, "only applies to a namespace the chart creates (kubernetesNamespace is 'default', which it does not create)");
    }
    if (Object.keys(this.app.secrets).length > 0 && props.awsRegion === undefined) {
      throw new OrchestrationError(this.where, 'awsRegion', undefined, 'is required when app.secrets is set (the region the init container reads secrets from)');
    }
  }

  private get appLabels(): Record<string, string> {
    return { 'app.kubernetes.io/name': this.app.name, 'app.kubernetes.io/managed-by': 'cdk-orchestration' };
  }

  private get appSelector(): Record<string, string> {
    return { 'app.kubernetes.io/name': this.app.name };
  }

  private metadata(name = this.app.name) {
    return { name, namespace: this.namespaceName, labels: this.appLabels };
  }

  /** The app's configuration: `app.environment` and `PORT`. */
  private configData(): Record<string, string> {
    return { ...this.app.environment, PORT: Tokenization.stringifyNumber(this.app.port) };
  }

  private createConfigMap(config: Record<string, string>): ApiObject {
    return apiObject(this, 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: this.metadata(`${this.app.name}-config`), data: config });
  }

  /** First in the manifest, so its labels (e.g. a webhook's opt-in) exist before any pod is created. */
  private createNamespace(labels: Record<string, string> = {}): ApiObject {
    return apiObject(this, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespaceName, labels: { ...labels, ...this.appLabels } } });
  }

  private createServiceAccount(props: AppChartProps): ApiObject {
    return apiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { ...this.metadata(), ...(props.serviceAccountAnnotations ? { annotations: props.serviceAccountAnnotations } : {}) },
      automountServiceAccountToken: false,
    });
  }

  private securityContext(props: AppChartOptions) {
    const runAsNonRoot = props.runAsNonRoot ?? true;
    const user = props.runAsUser ?? CONTAINER_DEFAULTS.runAsUser;
    return {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? true,
      runAsNonRoot,
      ...(runAsNonRoot ? { runAsUser: user, runAsGroup: user } : {}),
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
  }

  private probe(o: AppProbeOptions | undefined, kind: 'readiness' | 'liveness') {
    const seconds = (prop: string, d: Duration) => durationIn(this.where, `${kind}Probe.${prop}`, d, 'seconds', K8S_SECONDS);
    return {
      httpGet: { path: o?.path ?? this.app.healthCheckPath, port: o?.port ?? this.app.port },
      periodSeconds: seconds('period', o?.period ?? Duration.seconds(kind === 'readiness' ? 5 : 10)),
      failureThreshold: o?.failureThreshold ?? 3,
      initialDelaySeconds: seconds('initialDelay', o?.initialDelay ?? Duration.seconds(kind === 'readiness' ? 0 : 10)),
      timeoutSeconds: 2,
    };
  }

  /** The pod's containers and volumes: the app, and with secrets the init container that fetches them. */
  private podSpec(props: AppChartProps): PodParts {
    const app = this.app;
    const securityContext = this.securityContext(props);
    const r = props.resources ?? {};
    const volumes: Record<string, unknown>[] = [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
    const mounts: Record<string, unknown>[] = [{ name: 'tmp', mountPath: '/tmp' }];
    const secretRefs = Object.entries(app.secrets).map(([envName, ref]) => ({ envName, ref: chartSecretReference(ref), jsonField: ref.jsonField }));
    const initContainers: Record<string, unknown>[] = [];
    let command: string[] = app.command;
    const secretEnv: Record<string, unknown>[] = [];
    if (secretRefs.length > 0) {
      volumes.push({ name: 'app-secrets', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
      mounts.push({ name: 'app-secrets', mountPath: CONTAINER_DEFAULTS.secretsMountPath, readOnly: true });
      initContainers.push(this.secretsInitContainer(props, secretRefs, securityContext));
      command = ['/bin/sh', '-c', exportSecretsScript(secretRefs), '--', ...app.command];
      for (const s of secretRefs) secretEnv.push({ name: secretRefEnvName(s.envName), value: s.ref });
    }
    const container = {
      name: 'app',
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
      command,
      ports: [{ name: 'http', containerPort: app.port, protocol: 'TCP' }],
      envFrom: [{ configMapRef: { name: `${app.name}-config` } }],
      env: [{ name: 'APP_VERSION', value: props.appVersion ?? app.version ?? 'unversioned' }, ...secretEnv],
      readinessProbe: this.probe(props.readinessProbe, 'readiness'),
      livenessProbe: this.probe(props.livenessProbe, 'liveness'),
      resources: {
        requests: { cpu: r.cpuRequest ?? CONTAINER_DEFAULTS.cpuRequest, memory: r.memoryRequest ?? CONTAINER_DEFAULTS.memoryRequest },
        limits: { cpu: r.cpuLimit ?? CONTAINER_DEFAULTS.cpuLimit, memory: r.memoryLimit ?? CONTAINER_DEFAULTS.memoryLimit },
      },
      securityContext,
      lifecycle: { preStop: { sleep: { seconds: durationIn(this.where, 'preStopDelay', props.preStopDelay ?? Duration.seconds(5), 'seconds', K8S_SECONDS) } } },
      volumeMounts: mounts,
    };
    return { container, initContainers, volumes };
  }

  private secretsInitContainer(props: AppChartProps, secretRefs: { envName: string; ref: string }[], securityContext: Record<string, unknown>): Record<string, unknown> {
    return {
      name: 'fetch-secrets',
      image: props.secretsFetcherImage ?? CONTAINER_DEFAULTS.secretsFetcherImage,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', '-c', FETCH_SECRETS_SCRIPT],
      env: [
        { name: 'AWS_REGION', value: props.awsRegion },
        { name: 'HOME', value: '/tmp' },
        { name: 'SECRET_NAMES', value: secretRefs.map((s) => s.envName).join(' ') },
        ...secretRefs.map((s) => ({ name: secretRefEnvName(s.envName), value: s.ref })),
      ],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      securityContext: { ...securityContext, readOnlyRootFilesystem: true },
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'app-secrets', mountPath: CONTAINER_DEFAULTS.secretsMountPath },
      ],
    };
  }

  private createDeployment(props: AppChartProps, pod: PodParts, hash: string): ApiObject {
    const plan = this.plan;
    const runAsNonRoot = props.runAsNonRoot ?? true;
    const selector = this.appSelector;
    return apiObject(this, 'Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: this.metadata(),
      // No `replicas`: the HPA owns the count. A Deployment that sets it is scaled back to it by every
      // `kubectl apply` (the kubectl handler's update), mid-rollout. Kubernetes starts it at 1 and the HPA
      // raises it to minReplicas at its next sync (15 s); see the README for a chart applied with replicas.
      spec: {
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: plan.progressDeadlineSeconds,
        minReadySeconds: plan.minReadySeconds,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: plan.maxSurge, maxUnavailable: plan.maxUnavailable } },
        template: {
          metadata: { labels: this.appLabels, annotations: { 'cdk-orchestration/config-hash': hash } },
          spec: {
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: plan.terminationGracePeriodSeconds,
            ...(props.readinessGates?.length ? { readinessGates: props.readinessGates.map((conditionType) => ({ conditionType })) } : {}),
            securityContext: { runAsNonRoot, ...(runAsNonRoot ? { fsGroup: props.runAsUser ?? CONTAINER_DEFAULTS.runAsUser } : {}), seccompProfile: { type: 'RuntimeDefault' } },
            ...(pod.initContainers.length > 0 ? { initContainers: pod.initContainers } : {}),
            containers: [pod.container],
            volumes: pod.volumes,
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: props.zoneSpread ?? ZoneSpread.SCHEDULE_ANYWAY, labelSelector: { matchLabels: selector } },
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
            ],
          },
        },
      },
    });
  }

  /**
   * Always a `ClusterIP` Service: Kubernetes creates no load balancer, security group or network
   * interface outside CloudFormation. {@link ContainerService} reaches it through a load balancer
   * CloudFormation owns (a TargetGroupBinding, see ServiceExposure); from outside a cluster without
   * one, `kubectl port-forward service/<name> 8080:80`.
   */
  private createService(): ApiObject {
    return apiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.metadata(),
      spec: {
        type: 'ClusterIP',
        selector: this.appSelector,
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }

  private createPodDisruptionBudget(): ApiObject {
    return apiObject(this, 'PodDisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: this.metadata(),
      spec: { maxUnavailable: 1, selector: { matchLabels: this.appSelector } },
    });
  }

  private createHorizontalPodAutoscaler(): ApiObject {
    return apiObject(this, 'HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: this.metadata(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName },
        minReplicas: this.plan.replicas,
        maxReplicas: this.plan.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.app.replicas.targetCpuPercent ?? 50 } } }],
      },
    });
  }
}

interface PodParts {
  readonly container: Record<string, unknown>;
  readonly initContainers: Record<string, unknown>[];
  readonly volumes: Record<string, unknown>[];
}

/**
 * The annotation that rolls the pods when the configuration changes: a hash of the ConfigMap's data,
 * followed by its deploy-time values (so a new parameter value rolls them too).
 */
function configHash(config: Record<string, string>): string {
  const { normalised, tokens } = separateTokens(config);
  const hash = crypto.createHash('sha256').update(JSON.stringify(normalised)).digest('hex').slice(0, 16);
  return [hash, ...tokens].join('-');
}

const WHOLE_SECONDS = 'must be a whole number of seconds (Kubernetes counts these in seconds)';

/** A cdk8s ApiObject in `chart` (cdk8s is loaded by then: it is the chart's base). */
function apiObject(chart: AppChart, id: string, props: ApiObjectProps): ApiObject {
  return new (loadCdk8s(chart.node.path).ApiObject)(chart, id, props);
}

/**
 * Checks the chart's props against the app description and derives the rollout numbers.
 * Pure: used by the chart and by tests without synthesizing anything. `prefix` is how the caller
 * names the options (`'chart.'` for {@link ContainerService}'s `chart` prop), so errors name the
 * prop as the caller wrote it; `where` is the construct that received them.
 */
export function planChart(where: IConstruct | string, app: ResolvedApp, props: AppChartOptions, prefix = ''): AppChartPlan {
  const p = (k: string) => `${prefix}${k}`;
  checkConcrete(where, 'app.name', app.name, "it names the Kubernetes objects, their labels and the Deployment's selector (which Kubernetes never lets change) in the manifest rendered at synth");
  for (const [name, ref] of Object.entries(app.secrets)) {
    checkConcrete(where, `app.secrets.${name}.jsonField`, ref.jsonField, "it is written into the container's start script at synth");
  }
  checkOptionTypes(where, props, prefix);
  const { replicas, maxReplicas } = planReplicas(where, app);
  const { maxSurge, maxUnavailable } = planRollingUpdate(where, app, props, replicas, prefix);
  checkProbes(where, app, props, prefix);
  checkPattern(where, p('kubernetesNamespace'), props.kubernetesNamespace, DNS_LABEL, 'a DNS label (lowercase letters, digits and "-", at most 63 characters)');
  checkConcrete(where, p('kubernetesNamespace'), props.kubernetesNamespace, 'it decides at synth whether the chart creates a Namespace object');
  for (const [k, v] of Object.entries(props.resources ?? {})) {
    checkPattern(where, p(`resources.${k}`), v as string | undefined, QUANTITY, 'a Kubernetes quantity such as "250m", "1", "256Mi"');
  }
  checkInteger(where, p('runAsUser'), props.runAsUser, { min: 1, max: 2147483647 });
  if (props.runAsNonRoot === false && props.runAsUser !== undefined) {
    throw new OrchestrationError(where, p('runAsUser'), props.runAsUser, `only applies with ${p('runAsNonRoot')} true`);
  }
  checkEnumValue(where, p('zoneSpread'), props.zoneSpread, ZoneSpread, 'ZoneSpread');
  checkEnumValue(where, p('imagePullPolicy'), props.imagePullPolicy, ImagePullPolicy, 'ImagePullPolicy');
  const seconds = checkDurations(where, app, props, prefix);
  return {
    replicas,
    maxReplicas,
    maxSurge,
    maxUnavailable,
    terminationGracePeriodSeconds: seconds.preStop + seconds.drain + 5,
    progressDeadlineSeconds: seconds.progressDeadline,
    minReadySeconds: seconds.bakeTime,
  };
}

/** Plain-JavaScript callers: each option has the type its interface says, and nested objects have no unknown keys. */
function checkOptionTypes(where: IConstruct | string, props: AppChartOptions, prefix: string): void {
  const p = (k: string) => `${prefix}${k}`;
  for (const k of ['kubernetesNamespace', 'secretsFetcherImage'] as const) checkType(where, p(k), props[k], 'string');
  for (const k of ['runAsNonRoot', 'readOnlyRootFilesystem'] as const) checkType(where, p(k), props[k], 'boolean');
  checkType(where, p('runAsUser'), props.runAsUser, 'number');
  for (const k of ['maxSurge', 'maxUnavailable'] as const) checkPercentOrCount(where, p(k), props[k]);
  for (const k of ['readinessProbe', 'livenessProbe'] as const) {
    const probe = props[k];
    checkKnownProps(where, probe, APP_PROBE_OPTIONS, p(`${k}.`));
    checkType(where, p(`${k}.path`), probe?.path, 'string');
    checkType(where, p(`${k}.port`), probe?.port, 'number');
    checkType(where, p(`${k}.failureThreshold`), probe?.failureThreshold, 'number');
  }
  checkKnownProps(where, props.resources, APP_RESOURCES, p('resources.'));
  for (const [k, v] of Object.entries(props.resources ?? {})) checkType(where, p(`resources.${k}`), v, 'string');
}

/** The Deployment's replicas (and HPA minimum) and the HPA maximum; tokens pass through. */
function planReplicas(where: IConstruct | string, app: ResolvedApp): { replicas: number; maxReplicas: number } {
  const replicas = app.replicas.min ?? CONTAINER_DEFAULTS.replicas;
  if (!Token.isUnresolved(replicas) && replicas < 1) {
    throw new OrchestrationError(where, 'app.replicas.min', replicas, 'must be at least 1 for the container style (the Deployment and HPA minimum)');
  }
  if (app.replicas.max === undefined) {
    checkConcrete(where, 'app.replicas.min', replicas, `without app.replicas.max, the HPA maximum is the larger of ${CONTAINER_DEFAULTS.maxReplicas} and app.replicas.min, computed at synth: set app.replicas.max too`);
  }
  const maxReplicas = app.replicas.max ?? Math.max(CONTAINER_DEFAULTS.maxReplicas, replicas);
  withResolved(replicas, maxReplicas, (min, max) => {
    if (max < min) {
      const which = app.replicas.min === undefined ? `, the container style's default` : '';
      throw new OrchestrationError(where, 'app.replicas.max', max, `must be at least app.replicas.min (${min}${which})`);
    }
  });
  return { replicas, maxReplicas };
}

/** maxSurge and maxUnavailable, from the style props or the shared percentages. */
function planRollingUpdate(where: IConstruct | string, app: ResolvedApp, props: AppChartOptions, replicas: number, prefix: string) {
  const surge = rollingValue(where, `${prefix}maxSurge`, props.maxSurge, 'app.rollout.maxSurgePercent', app.rollout.maxSurgePercent, CONTAINER_DEFAULTS.maxSurgePercent, replicas, Math.ceil);
  let unavailable = rollingValue(where, `${prefix}maxUnavailable`, props.maxUnavailable, 'app.rollout.maxUnavailablePercent', app.rollout.maxUnavailablePercent, CONTAINER_DEFAULTS.maxUnavailablePercent, replicas, Math.floor);
  if (isZero(surge) && isZero(unavailable)) {
    if (props.maxSurge === undefined && props.maxUnavailable === undefined && app.rollout.maxUnavailablePercent === undefined) {
      unavailable = 1; // a surge of 0 % with the default: replace one replica at a time
    } else {
      throw new OrchestrationError(where, `${prefix}maxSurge and ${prefix}maxUnavailable`, { [`${prefix}maxSurge`]: surge, [`${prefix}maxUnavailable`]: unavailable }, 'cannot both be 0: the rollout could never replace a pod');
    }
  }
  return { maxSurge: surge, maxUnavailable: unavailable };
}

function checkProbes(where: IConstruct | string, app: ResolvedApp, props: AppChartOptions, prefix: string): void {
  for (const [name, probe] of [['readinessProbe', props.readinessProbe], ['livenessProbe', props.livenessProbe]] as const) {
    if (!probe) continue;
    const prop = `${prefix}${name}`;
    withResolved(probe.port, app.port, (port, appPort) => {
      if (port !== undefined && port !== appPort) {
        throw new OrchestrationError(where, `${prop}.port`, port, `must be the port the container exposes (app.port ${appPort})`);
      }
    });
    checkPattern(where, `${prop}.path`, probe.path, /^\/[^\s]*$/, 'a path starting with "/"');
    checkInteger(where, `${prop}.failureThreshold`, probe.failureThreshold, { min: 1, max: 30 });
    checkDuration(where, `${prop}.period`, probe.period, { min: Duration.seconds(1), max: Duration.minutes(5) });
    checkDuration(where, `${prop}.initialDelay`, probe.initialDelay, { min: Duration.seconds(0), max: Duration.minutes(10) });
  }
}

/** Every duration the chart renders in seconds: its range, whole seconds, and its value in seconds. */
function checkDurations(where: IConstruct | string, app: ResolvedApp, props: AppChartOptions, prefix: string) {
  const p = (k: string) => `${prefix}${k}`;
  checkDuration(where, p('drainTimeout'), props.drainTimeout, { min: Duration.seconds(0), max: Duration.minutes(10) });
  checkDuration(where, p('preStopDelay'), props.preStopDelay, { min: Duration.seconds(0), max: Duration.minutes(2) });
  checkDuration(where, p('progressDeadline'), props.progressDeadline, { min: Duration.minutes(1), max: Duration.minutes(13) });
  checkDuration(where, 'app.rollout.bakeTime', app.rollout.bakeTime, { min: Duration.seconds(0), max: Duration.minutes(5) });
  const durations: [string, Duration | undefined][] = [
    [p('drainTimeout'), props.drainTimeout],
    [p('preStopDelay'), props.preStopDelay],
    [p('progressDeadline'), props.progressDeadline],
    ['app.rollout.bakeTime', app.rollout.bakeTime],
    [p('readinessProbe.period'), props.readinessProbe?.period],
    [p('readinessProbe.initialDelay'), props.readinessProbe?.initialDelay],
    [p('livenessProbe.period'), props.livenessProbe?.period],
    [p('livenessProbe.initialDelay'), props.livenessProbe?.initialDelay],
  ];
  for (const [prop, d] of durations) {
    checkWholeUnits(where, prop, d, 'seconds', WHOLE_SECONDS);
    if (d !== undefined) durationIn(where, prop, d, 'seconds', K8S_SECONDS);
  }
  const grace = 'the pod\'s terminationGracePeriodSeconds is preStopDelay + drainTimeout + 5 s, computed at synth';
  checkConcrete(where, p('drainTimeout'), props.drainTimeout, grace);
  checkConcrete(where, p('preStopDelay'), props.preStopDelay, grace);
  return {
    drain: (props.drainTimeout ?? Duration.seconds(10)).toSeconds(),
    preStop: (props.preStopDelay ?? Duration.seconds(5)).toSeconds(),
    progressDeadline: durationIn(where, p('progressDeadline'), props.progressDeadline ?? Duration.minutes(10), 'seconds', K8S_SECONDS),
    bakeTime: durationIn(where, 'app.rollout.bakeTime', app.rollout.bakeTime ?? Duration.seconds(10), 'seconds', K8S_SECONDS),
  };
}

function isZero(v: number | string): boolean {
  return v === 0 || v === '0%';
}

/**
 * A RollingUpdate value from the style prop or the shared percentage, rejecting contradictions
 * (compared only when every value is known at synth). With a deploy-time replica count or
 * percentage, the shared percentage is rendered as Kubernetes' own "N%", which Kubernetes rounds
 * the same way (maxSurge up, maxUnavailable down).
 */
function rollingValue(
  where: IConstruct | string,
  prop: string,
  value: PercentOrCount | undefined,
  sharedProp: string,
  sharedPercent: number | undefined,
  defaultPercent: number,
  replicas: number,
  round: (n: number) => number,
): number | string {
  const percent = sharedPercent ?? defaultPercent;
  const known = !Token.isUnresolved(replicas) && !Token.isUnresolved(percent);
  const fromShared = () => round((replicas * percent) / 100);
  if (value === undefined) {
    if (known) return fromShared();
    if (!Token.isUnresolved(percent) && !Number.isInteger(percent)) {
      throw new OrchestrationError(where, sharedProp, percent, 'must be a whole percentage when app.replicas.min is a deploy-time value (it is rendered as Kubernetes\' "N%")');
    }
    return `${Tokenization.stringifyNumber(percent)}%`;
  }
  const rendered = manifestValue(value);
  if (sharedPercent !== undefined && !Token.isUnresolved(value.amount) && known) {
    const agrees = value.isPercent ? value.amount === sharedPercent : value.amount === fromShared();
    if (!agrees) {
      throw new OrchestrationError(where, `${prop} and ${sharedProp}`, { [prop]: rendered, [sharedProp]: sharedPercent }, `disagree (${sharedPercent}% of ${replicas} replicas is ${fromShared()}): set only one`);
    }
  }
  return rendered;
}

/** The reference the init container receives: the secret's ARN or name, or the SSM parameter's name. */
function chartSecretReference(ref: ResolvedApp['secrets'][string]): string {
  if (ref.parameterName !== undefined) return `ssm:${ref.parameterName}`;
  const id = ref.secret ? ref.secret.secretArn : (ref.secretArn ?? ref.secretName!);
  return `secretsmanager:${id}`;
}
