import { Duration, Token } from 'aws-cdk-lib';
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import * as crypto from 'node:crypto';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { secretRefEnvName } from '../../lib/secret-ref';
import { checkDuration, checkInteger, checkOneOf, checkPattern, checkWholeUnits } from '../../lib/validate';

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
   * The namespace of every object. A namespace other than `default` is created by the chart.
   * @default - the app's name
   */
  readonly namespace?: string;
  /**
   * Extra pods a rollout may start (RollingUpdate `maxSurge`): a count or a percentage ('50%').
   * Contradicting `app.rollout.maxSurgePercent` is an error.
   * @default - `app.rollout.maxSurgePercent` (100) of `app.replicas.min` (3), rounded up: 3, the book's
   */
  readonly maxSurge?: number | string;
  /**
   * Pods a rollout may take out of service at once (RollingUpdate `maxUnavailable`).
   * Contradicting `app.rollout.maxUnavailablePercent` is an error.
   * @default - `app.rollout.maxUnavailablePercent` (0) of `app.replicas.min`, rounded down: 0, the book's
   */
  readonly maxUnavailable?: number | string;
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
   * The Service's type: `LoadBalancer` (the book's: an internet-facing load balancer on port 80),
   * `ClusterIP` (reach it through an Ingress or from inside the cluster) or `NodePort`.
   * @default 'LoadBalancer'
   */
  readonly serviceType?: 'LoadBalancer' | 'ClusterIP' | 'NodePort';
  /**
   * The Service's `loadBalancerClass`: `eks.amazonaws.com/nlb` for EKS Auto Mode's built-in
   * load balancing ({@link ContainerService} sets it on Auto Mode clusters), `service.k8s.aws/nlb`
   * for the AWS Load Balancer Controller.
   * @default - none: the cluster's default load balancer implementation
   */
  readonly loadBalancerClass?: string;
  /**
   * Whether the Service's load balancer is internet-facing (the book's) or internal
   * (`service.beta.kubernetes.io/aws-load-balancer-scheme`; the AWS Load Balancer Controller and
   * Auto Mode default to internal without it).
   * @default true
   */
  readonly internetFacing?: boolean;
  /**
   * Also render an Ingress for the AWS Load Balancer Controller (an internet-facing ALB
   * with IP targets, health-checked on the app's health path). Needs the controller
   * (`AppCluster` `albController: true`).
   * @default false
   */
  readonly albIngress?: boolean;
  /**
   * Spread pods across zones (`topology.kubernetes.io/zone`) and nodes, with `maxSkew` 1.
   * `ScheduleAnyway` prefers the spread; `DoNotSchedule` requires it.
   * @default 'ScheduleAnyway'
   */
  readonly zoneSpread?: 'ScheduleAnyway' | 'DoNotSchedule';
  /**
   * The image pull policy.
   * @default 'IfNotPresent'
   */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /**
   * The image of the init container that fetches secrets (it needs the `aws` CLI).
   * @default 'public.ecr.aws/aws-cli/aws-cli:2.27.0'
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
  secretsFetcherImage: 'public.ecr.aws/aws-cli/aws-cli:2.27.0',
  secretsMountPath: '/run/app-secrets',
} as const;

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
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
 * {@link ContainerService}) or write it as YAML (`npm run manifests`) for any cluster.
 *
 * Secrets never appear in it: the pods get only references (`secretsmanager:<arn>`), an init
 * container reads the values with the pod's own AWS identity (EKS Pod Identity) into a
 * memory-backed volume, and the app's command exports them before it starts.
 *
 * @example
 * const app = new cdk8s.App();
 * new AppChart(app, 'sample-app', { app: { source: { directory: 'app' } }, image: 'sample-app:1' });
 * app.synth(); // dist/sample-app.k8s.yaml
 */
export class AppChart extends Chart {
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
  /** The Ingress, with `albIngress`. */
  public readonly ingress?: ApiObject;
  /** The ServiceAccount's name (what an EKS Pod Identity association names). */
  public readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: AppChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const where = this.node.path || id;
    const app = resolveApp(where, props?.app);
    this.app = app;
    const plan = planChart(where, app, props);
    this.plan = plan;
    const ns = props.namespace ?? app.name;
    this.namespaceName = ns;
    this.deploymentName = app.name;
    this.serviceAccountName = app.name;
    const labels = { 'app.kubernetes.io/name': app.name, 'app.kubernetes.io/managed-by': 'cdk-orchestration' };
    const selector = { 'app.kubernetes.io/name': app.name };
    const meta = (name = app.name) => ({ name, namespace: ns, labels });

    if (ns !== 'default') {
      new ApiObject(this, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
    }

    const config: Record<string, string> = { ...app.environment, PORT: String(app.port) };
    this.configMap = new ApiObject(this, 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${app.name}-config`), data: config });

    this.serviceAccount = new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { ...meta(), ...(props.serviceAccountAnnotations ? { annotations: props.serviceAccountAnnotations } : {}) },
      automountServiceAccountToken: false,
    });

    const secrets = Object.entries(app.secrets);
    if (secrets.length > 0 && props.awsRegion === undefined) {
      throw new OrchestrationError(where, 'awsRegion', undefined, 'is required when app.secrets is set (the region the init container reads secrets from)');
    }
    const secretRefs = secrets.map(([envName, ref]) => ({ envName, ref: chartSecretReference(ref), jsonField: ref.jsonField }));

    const runAsNonRoot = props.runAsNonRoot ?? true;
    const securityContext = {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? true,
      runAsNonRoot,
      ...(runAsNonRoot ? { runAsUser: props.runAsUser ?? CONTAINER_DEFAULTS.runAsUser, runAsGroup: props.runAsUser ?? CONTAINER_DEFAULTS.runAsUser } : {}),
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };

    const probe = (o: AppProbeOptions | undefined, kind: 'readiness' | 'liveness') => ({
      httpGet: { path: o?.path ?? app.healthCheckPath, port: o?.port ?? app.port },
      periodSeconds: (o?.period ?? Duration.seconds(kind === 'readiness' ? 5 : 10)).toSeconds(),
      failureThreshold: o?.failureThreshold ?? 3,
      initialDelaySeconds: (o?.initialDelay ?? Duration.seconds(kind === 'readiness' ? 0 : 10)).toSeconds(),
      timeoutSeconds: 2,
    });

    const r = props.resources ?? {};
    const volumes: Record<string, unknown>[] = [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
    const mounts: Record<string, unknown>[] = [{ name: 'tmp', mountPath: '/tmp' }];
    const initContainers: Record<string, unknown>[] = [];
    let command: string[] = app.command;
    const secretEnv: Record<string, unknown>[] = [];
    if (secretRefs.length > 0) {
      volumes.push({ name: 'app-secrets', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
      mounts.push({ name: 'app-secrets', mountPath: CONTAINER_DEFAULTS.secretsMountPath, readOnly: true });
      initContainers.push({
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
      });
      command = ['/bin/sh', '-c', exportSecretsScript(secretRefs), '--', ...app.command];
      for (const s of secretRefs) secretEnv.push({ name: secretRefEnvName(s.envName), value: s.ref });
    }

    const configHash = crypto.createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
    const container = {
      name: 'app',
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? 'IfNotPresent',
      command,
      ports: [{ name: 'http', containerPort: app.port, protocol: 'TCP' }],
      envFrom: [{ configMapRef: { name: `${app.name}-config` } }],
      env: [{ name: 'APP_VERSION', value: props.appVersion ?? app.version ?? 'unversioned' }, ...secretEnv],
      readinessProbe: probe(props.readinessProbe, 'readiness'),
      livenessProbe: probe(props.livenessProbe, 'liveness'),
      resources: {
        requests: { cpu: r.cpuRequest ?? CONTAINER_DEFAULTS.cpuRequest, memory: r.memoryRequest ?? CONTAINER_DEFAULTS.memoryRequest },
        limits: { cpu: r.cpuLimit ?? CONTAINER_DEFAULTS.cpuLimit, memory: r.memoryLimit ?? CONTAINER_DEFAULTS.memoryLimit },
      },
      securityContext,
      lifecycle: { preStop: { sleep: { seconds: (props.preStopDelay ?? Duration.seconds(5)).toSeconds() } } },
      volumeMounts: mounts,
    };

    const whenUnsatisfiable = props.zoneSpread ?? 'ScheduleAnyway';
    this.deployment = new ApiObject(this, 'Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        replicas: plan.replicas,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: plan.progressDeadlineSeconds,
        minReadySeconds: plan.minReadySeconds,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: plan.maxSurge, maxUnavailable: plan.maxUnavailable } },
        template: {
          metadata: { labels, annotations: { 'cdk-orchestration/config-hash': configHash } },
          spec: {
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: plan.terminationGracePeriodSeconds,
            securityContext: { runAsNonRoot, ...(runAsNonRoot ? { fsGroup: props.runAsUser ?? CONTAINER_DEFAULTS.runAsUser } : {}), seccompProfile: { type: 'RuntimeDefault' } },
            ...(initContainers.length > 0 ? { initContainers } : {}),
            containers: [container],
            volumes,
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable, labelSelector: { matchLabels: selector } },
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
            ],
          },
        },
      },
    });

    const serviceType = props.serviceType ?? 'LoadBalancer';
    const lb = serviceType === 'LoadBalancer';
    const scheme = (props.internetFacing ?? true) ? 'internet-facing' : 'internal';
    this.service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...meta(), ...(lb ? { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': scheme } } : {}) },
      spec: {
        type: serviceType,
        ...(lb && props.loadBalancerClass ? { loadBalancerClass: props.loadBalancerClass } : {}),
        selector,
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    });

    this.podDisruptionBudget = new ApiObject(this, 'PodDisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });

    this.horizontalPodAutoscaler = new ApiObject(this, 'HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName },
        minReplicas: plan.replicas,
        maxReplicas: plan.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: app.replicas.targetCpuPercent ?? 50 } } }],
      },
    });

    if (props.albIngress) {
      this.ingress = new ApiObject(this, 'Ingress', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          ...meta(),
          annotations: {
            'alb.ingress.kubernetes.io/scheme': scheme,
            'alb.ingress.kubernetes.io/target-type': 'ip',
            'alb.ingress.kubernetes.io/healthcheck-path': app.healthCheckPath,
          },
        },
        spec: {
          ingressClassName: 'alb',
          rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: app.name, port: { name: 'http' } } } }] } }],
        },
      });
    }
  }
}

/**
 * Checks the chart's props against the app description and derives the rollout numbers.
 * Pure: used by the chart and by tests without synthesizing anything.
 */
export function planChart(where: string, app: ResolvedApp, props: AppChartOptions & { image?: string }): AppChartPlan {
  if (props.image === undefined || (typeof props.image === 'string' && !Token.isUnresolved(props.image) && !/^\S+$/.test(props.image))) {
    throw new OrchestrationError(where, 'image', props.image, 'must be a container image reference (registry/repo:tag or @sha256 digest)');
  }
  const replicas = app.replicas.min ?? CONTAINER_DEFAULTS.replicas;
  if (replicas < 1) throw new OrchestrationError(where, 'app.replicas.min', replicas, 'must be at least 1 for the container style (the Deployment and HPA minimum)');
  const maxReplicas = app.replicas.max ?? Math.max(CONTAINER_DEFAULTS.maxReplicas, replicas);
  if (maxReplicas < replicas) throw new OrchestrationError(where, 'app.replicas.max', maxReplicas, `must be at least app.replicas.min (${replicas})`);

  checkPattern(where, 'namespace', props.namespace, DNS_LABEL, 'a DNS label (lowercase letters, digits and "-", at most 63 characters)');
  const surge = rollingValue(where, 'maxSurge', props.maxSurge, 'app.rollout.maxSurgePercent', app.rollout.maxSurgePercent, CONTAINER_DEFAULTS.maxSurgePercent, replicas, Math.ceil);
  let unavailable = rollingValue(where, 'maxUnavailable', props.maxUnavailable, 'app.rollout.maxUnavailablePercent', app.rollout.maxUnavailablePercent, CONTAINER_DEFAULTS.maxUnavailablePercent, replicas, Math.floor);
  if (isZero(surge) && isZero(unavailable)) {
    if (props.maxSurge === undefined && props.maxUnavailable === undefined && app.rollout.maxUnavailablePercent === undefined) {
      unavailable = 1; // a surge of 0 % with the default: replace one replica at a time
    } else {
      throw new OrchestrationError(where, 'maxSurge and maxUnavailable', { maxSurge: surge, maxUnavailable: unavailable }, 'cannot both be 0: the rollout could never replace a pod');
    }
  }

  for (const [prop, probe] of [['readinessProbe', props.readinessProbe], ['livenessProbe', props.livenessProbe]] as const) {
    if (!probe) continue;
    if (probe.port !== undefined && probe.port !== app.port) {
      throw new OrchestrationError(where, `${prop}.port`, probe.port, `must be the port the container exposes (app.port ${app.port})`);
    }
    checkPattern(where, `${prop}.path`, probe.path, /^\/[^\s]*$/, 'a path starting with "/"');
    checkInteger(where, `${prop}.failureThreshold`, probe.failureThreshold, { min: 1, max: 30 });
    checkDuration(where, `${prop}.period`, probe.period, { min: Duration.seconds(1), max: Duration.minutes(5) });
    checkDuration(where, `${prop}.initialDelay`, probe.initialDelay, { min: Duration.seconds(0), max: Duration.minutes(10) });
  }
  for (const [k, v] of Object.entries(props.resources ?? {})) {
    checkPattern(where, `resources.${k}`, v as string | undefined, QUANTITY, 'a Kubernetes quantity such as "250m", "1", "256Mi"');
  }
  checkInteger(where, 'runAsUser', props.runAsUser, { min: 1, max: 2147483647 });
  if (props.runAsNonRoot === false && props.runAsUser !== undefined) {
    throw new OrchestrationError(where, 'runAsUser', props.runAsUser, 'only applies with runAsNonRoot true');
  }
  checkOneOf(where, 'serviceType', props.serviceType, ['LoadBalancer', 'ClusterIP', 'NodePort'] as const);
  if (props.loadBalancerClass !== undefined && (props.serviceType ?? 'LoadBalancer') !== 'LoadBalancer') {
    throw new OrchestrationError(where, 'loadBalancerClass', props.loadBalancerClass, `only applies to serviceType 'LoadBalancer' (got '${props.serviceType}')`);
  }
  checkOneOf(where, 'zoneSpread', props.zoneSpread, ['ScheduleAnyway', 'DoNotSchedule'] as const);
  checkOneOf(where, 'imagePullPolicy', props.imagePullPolicy, ['Always', 'IfNotPresent', 'Never'] as const);
  checkDuration(where, 'drainTimeout', props.drainTimeout, { min: Duration.seconds(0), max: Duration.minutes(10) });
  checkDuration(where, 'preStopDelay', props.preStopDelay, { min: Duration.seconds(0), max: Duration.minutes(2) });
  checkDuration(where, 'progressDeadline', props.progressDeadline, { min: Duration.minutes(1), max: Duration.minutes(13) });
  checkDuration(where, 'app.rollout.bakeTime', app.rollout.bakeTime, { min: Duration.seconds(0), max: Duration.minutes(5) });

  const durations: [string, Duration | undefined][] = [
    ['drainTimeout', props.drainTimeout],
    ['preStopDelay', props.preStopDelay],
    ['progressDeadline', props.progressDeadline],
    ['app.rollout.bakeTime', app.rollout.bakeTime],
    ['readinessProbe.period', props.readinessProbe?.period],
    ['readinessProbe.initialDelay', props.readinessProbe?.initialDelay],
    ['livenessProbe.period', props.livenessProbe?.period],
    ['livenessProbe.initialDelay', props.livenessProbe?.initialDelay],
  ];
  for (const [prop, d] of durations) checkWholeUnits(where, prop, d, 'seconds', 'must be a whole number of seconds (Kubernetes counts these in seconds)');
  const drain = (props.drainTimeout ?? Duration.seconds(10)).toSeconds();
  const preStop = (props.preStopDelay ?? Duration.seconds(5)).toSeconds();
  return {
    replicas,
    maxReplicas,
    maxSurge: surge,
    maxUnavailable: unavailable,
    terminationGracePeriodSeconds: preStop + drain + 5,
    progressDeadlineSeconds: (props.progressDeadline ?? Duration.minutes(10)).toSeconds(),
    minReadySeconds: (app.rollout.bakeTime ?? Duration.seconds(10)).toSeconds(),
  };
}

function isZero(v: number | string): boolean {
  return v === 0 || v === '0%';
}

/** A RollingUpdate value from the style prop or the shared percentage, rejecting contradictions. */
function rollingValue(
  where: string,
  prop: string,
  value: number | string | undefined,
  sharedProp: string,
  sharedPercent: number | undefined,
  defaultPercent: number,
  replicas: number,
  round: (n: number) => number,
): number | string {
  const fromShared = (p: number) => round((replicas * p) / 100);
  if (value === undefined) return fromShared(sharedPercent ?? defaultPercent);
  if (typeof value === 'number') {
    checkInteger(where, prop, value, { min: 0, max: 1000 });
  } else if (!/^(100|[1-9]?[0-9])%$/.test(value)) {
    throw new OrchestrationError(where, prop, value, 'must be a non-negative integer or a percentage from "0%" to "100%"');
  }
  if (sharedPercent !== undefined) {
    const agrees = typeof value === 'number' ? value === fromShared(sharedPercent) : Number(value.slice(0, -1)) === sharedPercent;
    if (!agrees) {
      throw new OrchestrationError(where, `${prop} and ${sharedProp}`, { [prop]: value, [sharedProp]: sharedPercent }, `disagree (${sharedPercent}% of ${replicas} replicas is ${fromShared(sharedPercent)}): set only one`);
    }
  }
  return value;
}

/** The reference the init container receives: the secret's ARN or name, or the SSM parameter's name. */
function chartSecretReference(ref: ResolvedApp['secrets'][string]): string {
  if (ref.parameterName !== undefined) return `ssm:${ref.parameterName}`;
  const id = ref.secret ? ref.secret.secretArn : (ref.secretArn ?? ref.secretName!);
  return `secretsmanager:${id}`;
}

/**
 * Runs in the init container (aws-cli image, as a non-root user): reads each `<NAME>_SECRET_REF`
 * with the pod's EKS Pod Identity credentials and writes the value to a file in the memory-backed
 * volume. A failure fails the init container, so the pod never starts without its secrets.
 */
export const FETCH_SECRETS_SCRIPT = [
  'set -eu',
  'umask 077',
  `cd ${CONTAINER_DEFAULTS.secretsMountPath}`,
  'for name in $SECRET_NAMES; do',
  '  ref=$(printenv "${name}_SECRET_REF")',
  '  case "$ref" in',
  '    ssm:*) aws ssm get-parameter --with-decryption --name "${ref#ssm:}" --query Parameter.Value --output text > "$name" ;;',
  '    secretsmanager:*) aws secretsmanager get-secret-value --secret-id "${ref#secretsmanager:}" --query SecretString --output text > "$name" ;;',
  '    *) echo "unknown secret reference for $name" >&2; exit 1 ;;',
  '  esac',
  'done',
].join('\n');

/** The app container's wrapper: exports each secret file as its variable, then execs the app's command. */
export function exportSecretsScript(secrets: { envName: string; jsonField?: string }[]): string {
  const dir = CONTAINER_DEFAULTS.secretsMountPath;
  const lines = ['set -eu'];
  for (const s of secrets) {
    if (s.jsonField) {
      const field = JSON.stringify(s.jsonField).replace(/'/g, `'\\''`);
      lines.push(`export ${s.envName}="$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[${field}]))' ${dir}/${s.envName})"`);
    } else {
      lines.push(`export ${s.envName}="$(cat ${dir}/${s.envName})"`);
    }
  }
  lines.push('exec "$@"');
  return lines.join('\n');
}
