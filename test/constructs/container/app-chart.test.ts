import { Duration } from 'aws-cdk-lib';
import { Testing } from 'cdk8s';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppChart, type AppChartProps, ImagePullPolicy, PercentOrCount, ZoneSpread } from '../../../constructs/container';
import { exportSecretsScript, FETCH_SECRETS_SCRIPT } from '../../../constructs/container/private/secrets-scripts';
import { CONTAINER_DEFAULTS } from '../../../constructs/container/app-chart';
import { SCHEMA_SOURCE, validateManifests } from '../../../scripts/k8s-schema';
import { SAMPLE_APP_DIR, orchestrationErrorFrom } from '../../helpers';
import { AppSecret, AppSource } from '../../../lib/app';

const APP = { name: 'sample-app', source: AppSource.fromDirectory(SAMPLE_APP_DIR), environment: { NODE_ENV: 'production' } };

function synth(props: Partial<AppChartProps> = {}) {
  const chart = new AppChart(Testing.app(), 'app', { app: APP, image: 'sample-app:1', appVersion: 'v1', ...props } as AppChartProps);
  return { chart, objects: Testing.synth(chart) as any[] };
}
const find = (objects: any[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};
function expectError(fn: () => unknown, ...parts: string[]) {
  const e = orchestrationErrorFrom(fn);
  for (const p of parts) expect(e.message).toContain(p);
}

describe('AppChart (defaults: the book\'s Deployment without its gaps)', () => {
  let objects: any[];
  let deployment: any;
  let container: any;
  beforeAll(() => {
    objects = synth().objects;
    deployment = find(objects, 'Deployment');
    container = deployment.spec.template.spec.containers[0];
  });

  it('matches the manifests snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('validates against the Kubernetes schemas of kubernetes-models (Kubernetes 1.36)', async () => {
    expect(SCHEMA_SOURCE.kubernetes).toBe('1.36.0');
    expect(await validateManifests(objects)).toEqual([]);
  });

  it('the schema check is real: it rejects a wrong type and an unknown kind', async () => {
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    const errors = await validateManifests([broken, { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } }]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/containerPort must be integer/);
    expect(errors[1]).toMatch(/kind Deploymnet does not exist/);
  });

  it('renders the objects the book needs and the ones it lacks', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'PodDisruptionBudget', 'Service', 'ServiceAccount'].sort(),
    );
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('sample-app');
  });

  it('rolls out with maxSurge 3 / maxUnavailable 0 (the shared rollout limits on 3 replicas)', () => {
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } });
    expect(deployment.spec.progressDeadlineSeconds).toBe(600);
    expect(deployment.spec.minReadySeconds).toBe(10);
  });

  it('probes readiness and liveness on the health path and the container port', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(container.livenessProbe.initialDelaySeconds).toBeGreaterThan(0);
  });

  it('sets requests and limits', () => {
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } });
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation and a writable /tmp', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('terminates gracefully: preStop pause, then SIGTERM drain within the grace period', () => {
    // the sample app's own drain limit after SIGTERM (server.js shutdownTimeoutMs default)
    const server = fs.readFileSync(path.join(SAMPLE_APP_DIR, 'server.js'), 'utf8');
    const drainMs = Number(/shutdownTimeoutMs \?\? ([\d_]+)/.exec(server)![1]!.replace(/_/g, ''));
    expect(drainMs).toBe(10_000);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(5 + drainMs / 1000);
    expect(container.lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
    // 5 s preStop + 10 s drain (server.js shutdownTimeoutMs) + 5 s margin
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(20);
  });

  it('spreads pods across zones and nodes', () => {
    const spread = deployment.spec.template.spec.topologySpreadConstraints;
    expect(spread.map((s: any) => s.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(spread[0]).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' });
  });

  it('exposes the app on port 80 through a ClusterIP Service (Kubernetes never creates a load balancer for it)', () => {
    const svc = find(objects, 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.loadBalancerClass).toBeUndefined();
    expect(svc.metadata.annotations).toBeUndefined();
    expect(objects.filter((o: any) => o.kind === 'Ingress')).toEqual([]);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  // Issue 12, defect 2: a Deployment with spec.replicas is scaled back to it by every client-side `kubectl apply`
  // (the kubectl handler's update), undoing the HPA's scale-out mid-rollout.
  it('leaves spec.replicas to the HPA (no chart update resets its scale), for every replica count', () => {
    expect(deployment.spec).not.toHaveProperty('replicas');
    const four = find(synth({ app: { ...APP, replicas: { min: 4, max: 8 } } }).objects, 'Deployment');
    expect(four.spec).not.toHaveProperty('replicas');
    expect(find(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  });

  it('pins the secrets init container\'s AWS CLI image by digest', () => {
    expect(CONTAINER_DEFAULTS.secretsFetcherImage).toMatch(/^amazon\/aws-cli:2\.27\.0@sha256:[0-9a-f]{64}$/);
  });

  it('has a PodDisruptionBudget and a CPU HPA from replicas.min to replicas.max', () => {
    expect(find(objects, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'sample-app' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } });
  });

  it('takes configuration from a ConfigMap and rolls the pods when it changes', () => {
    expect(find(objects, 'ConfigMap').data).toEqual({ NODE_ENV: 'production', PORT: '8080' });
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'sample-app-config' } }]);
    expect(container.env).toEqual([{ name: 'APP_VERSION', value: 'v1' }]);
    const other = synth({ app: { ...APP, environment: { NODE_ENV: 'staging' } } }).objects;
    expect(find(other, 'Deployment').spec.template.metadata.annotations['cdk-orchestration/config-hash']).not.toBe(
      deployment.spec.template.metadata.annotations['cdk-orchestration/config-hash'],
    );
  });
});

describe('AppChart options', () => {
  it('maps the shared rollout percentages and the style props', () => {
    const a = find(synth({ app: { ...APP, replicas: { min: 4, max: 8 }, rollout: { maxSurgePercent: 25, maxUnavailablePercent: 25 } } }).objects, 'Deployment');
    expect(a.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 1 });
    const b = find(synth({ maxSurge: PercentOrCount.percent(50), maxUnavailable: PercentOrCount.count(0) }).objects, 'Deployment');
    expect(b.spec.strategy.rollingUpdate).toEqual({ maxSurge: '50%', maxUnavailable: 0 });
    const c = find(synth({ app: { ...APP, rollout: { maxSurgePercent: 0 } } }).objects, 'Deployment');
    expect(c.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  it('takes a percentage or a count that agrees with the shared percentage', () => {
    const rollout = { maxSurgePercent: 50, maxUnavailablePercent: 25 };
    const d = find(synth({ app: { ...APP, replicas: { min: 4, max: 8 }, rollout }, maxSurge: PercentOrCount.percent(50), maxUnavailable: PercentOrCount.count(1) }).objects, 'Deployment');
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: '50%', maxUnavailable: 1 });
  });

  it('renders the zone spread and the pull policy as Kubernetes spells them, schema-valid', async () => {
    const { objects } = synth({ zoneSpread: ZoneSpread.DO_NOT_SCHEDULE, imagePullPolicy: ImagePullPolicy.ALWAYS });
    const spec = find(objects, 'Deployment').spec.template.spec;
    expect(spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
    expect(spec.topologySpreadConstraints[1].whenUnsatisfiable).toBe('ScheduleAnyway');
    expect(spec.containers[0].imagePullPolicy).toBe('Always');
    expect(await validateManifests(objects)).toEqual([]);
    expect(Object.values(ZoneSpread)).toEqual(['ScheduleAnyway', 'DoNotSchedule']);
    expect(Object.values(ImagePullPolicy)).toEqual(['Always', 'IfNotPresent', 'Never']);
  });

  it('puts every object in kubernetesNamespace, and creates no Namespace object for `default`', async () => {
    const own = synth({ kubernetesNamespace: 'shop' });
    expect(own.chart.namespaceName).toBe('shop');
    expect(find(own.objects, 'Namespace').metadata.name).toBe('shop');
    for (const o of own.objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('shop');
    const { objects } = synth({ kubernetesNamespace: 'default' });
    expect(objects.some((o) => o.kind === 'Namespace')).toBe(false);
    for (const o of objects) expect(o.metadata.namespace).toBe('default');
    expect(await validateManifests(objects)).toEqual([]);
  });

  it('lets hardening be switched off explicitly', () => {
    const d = find(synth({ runAsNonRoot: false, readOnlyRootFilesystem: false }).objects, 'Deployment');
    const sc = d.spec.template.spec.containers[0].securityContext;
    expect(sc.runAsNonRoot).toBe(false);
    expect(sc.runAsUser).toBeUndefined();
    expect(sc.readOnlyRootFilesystem).toBe(false);
    expect(sc.allowPrivilegeEscalation).toBe(false);
  });

  it('renders no Namespace object for the default namespace, still schema-valid', async () => {
    const { objects } = synth({ kubernetesNamespace: 'default' });
    expect(objects.some((o) => o.kind === 'Namespace')).toBe(false);
    expect(await validateManifests(objects)).toEqual([]);
  });
});

describe('AppChart secrets (EKS Pod Identity + an init container, never a value in a manifest)', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
  let objects: any[];
  let spec: any;
  beforeAll(() => {
    objects = synth({
      app: { ...APP, secrets: { DB_PASSWORD: AppSecret.fromSecretArn(secretArn, { jsonField: 'password' }), API_KEY: AppSecret.fromParameterName('/app/api-key') } },
      awsRegion: 'eu-west-1',
    }).objects;
    spec = find(objects, 'Deployment').spec.template.spec;
  });

  it('has no Kubernetes Secret and carries only references', () => {
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    const text = JSON.stringify(objects);
    expect(text).toContain(`secretsmanager:${secretArn}`);
    expect(text).toContain('ssm:/app/api-key');
  });

  it('fetches the values in an init container into a memory-backed volume', () => {
    const init = spec.initContainers[0];
    expect(init.name).toBe('fetch-secrets');
    expect(init.command).toEqual(['/bin/sh', '-c', FETCH_SECRETS_SCRIPT]);
    expect(init.env).toEqual(
      expect.arrayContaining([
        { name: 'AWS_REGION', value: 'eu-west-1' },
        { name: 'SECRET_NAMES', value: 'DB_PASSWORD API_KEY' },
        { name: 'DB_PASSWORD_SECRET_REF', value: `secretsmanager:${secretArn}` },
        { name: 'API_KEY_SECRET_REF', value: 'ssm:/app/api-key' },
      ]),
    );
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(spec.volumes).toContainEqual({ name: 'app-secrets', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
  });

  it('exports them into the app\'s environment before exec-ing its command', () => {
    const c = spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '-c', exportSecretsScript([{ envName: 'DB_PASSWORD', jsonField: 'password' }, { envName: 'API_KEY' }]), '--', 'node', 'server.js']);
    expect(c.command[2]).toContain('export API_KEY="$(cat /run/app-secrets/API_KEY)"');
    expect(c.command[2]).toContain('["password"]');
    expect(c.command[2]).toMatch(/exec "\$@"$/);
    expect(c.volumeMounts).toContainEqual({ name: 'app-secrets', mountPath: '/run/app-secrets', readOnly: true });
  });

  it('is schema-valid', async () => {
    expect(await validateManifests(objects)).toEqual([]);
  });

  it('requires the region', () => {
    expectError(() => synth({ app: { ...APP, secrets: { X: AppSecret.fromSecretName('x') } } }), 'awsRegion (undefined)', 'is required when app.secrets is set');
  });
});

describe('AppChart bad input', () => {
  it('rejects maxSurge and maxUnavailable both 0', () => {
    expectError(() => synth({ maxSurge: PercentOrCount.count(0), maxUnavailable: PercentOrCount.count(0) }), 'app: maxSurge and maxUnavailable ({"maxSurge":0,"maxUnavailable":0})', 'cannot both be 0');
    expectError(() => synth({ maxSurge: PercentOrCount.percent(0), maxUnavailable: PercentOrCount.count(0) }), 'app: maxSurge and maxUnavailable ({"maxSurge":"0%","maxUnavailable":0})', 'cannot both be 0');
  });
  it('rejects both shared percentages 0 (the shared check)', () => {
    expectError(() => synth({ app: { ...APP, rollout: { maxSurgePercent: 0, maxUnavailablePercent: 0 } } }), 'app.rollout.maxUnavailablePercent and app.rollout.maxSurgePercent', 'cannot both be 0');
  });
  it('rejects replicas < 1', () => {
    expectError(() => synth({ app: { ...APP, replicas: { min: 0 } } }), 'app: app.replicas.min (0)', 'must be at least 1');
  });
  it('rejects a probe on a port the container does not expose', () => {
    expectError(() => synth({ readinessProbe: { port: 9090 } }), 'app: readinessProbe.port (9090)', 'must be the port the container exposes (app.port 8080)');
    expectError(() => synth({ livenessProbe: { port: 80 } }), 'livenessProbe.port (80)', 'app.port 8080');
  });
  it('rejects a maxSurge contradicting the shared maxSurgePercent', () => {
    expectError(() => synth({ maxSurge: PercentOrCount.count(2), app: { ...APP, rollout: { maxSurgePercent: 100 } } }), 'maxSurge and app.rollout.maxSurgePercent', 'disagree (100% of 3 replicas is 3)');
    expectError(() => synth({ maxSurge: PercentOrCount.percent(50), app: { ...APP, rollout: { maxSurgePercent: 100 } } }), 'maxSurge and app.rollout.maxSurgePercent ({"maxSurge":"50%","app.rollout.maxSurgePercent":100})', 'disagree');
  });
  it('rejects a malformed percentage, quantity, namespace and probe period', () => {
    expectError(() => PercentOrCount.percent(150), 'PercentOrCount.percent(percent) (150)', 'must be an integer from 0 to 100');
    expectError(() => synth({ resources: { memoryLimit: '256MB' } }), 'resources.memoryLimit ("256MB")', 'Kubernetes quantity');
    expectError(() => synth({ kubernetesNamespace: 'My_App' }), 'app: kubernetesNamespace ("My_App")', 'DNS label');
    expectError(() => synth({ readinessProbe: { period: Duration.minutes(10) } }), 'readinessProbe.period (10 minutes)', 'must be from 1 second to 5 minutes');
    expectError(() => synth({ drainTimeout: Duration.millis(1500) }), 'app: drainTimeout (1 second 500 millis)', 'must be a whole number of seconds');
  });
});

describe('AppChart Service exposure', () => {
  it('has no load balancer options any more: the Service is ClusterIP, exposure is ContainerService\'s (ServiceExposure)', () => {
    for (const old of ['serviceType', 'loadBalancerClass', 'internetFacing', 'albIngress']) {
      expect(() => synth({ [old]: 'x' } as never)).toThrow(new RegExp(`${old} \\("x"\\) is not a known prop`));
    }
  });
});

describe('AppChart readiness gates and namespace labels (what ContainerService passes for the load balancer)', () => {
  it('alone (npm run manifests, any cluster) declares no readiness gate: no controller would ever set it, so pods would never be Ready', () => {
    const { objects } = synth();
    expect(find(objects, 'Deployment').spec.template.spec.readinessGates).toBeUndefined();
    expect(Object.keys(find(objects, 'Namespace').metadata.labels).filter((k) => k.includes('readiness'))).toEqual([]);
  });

  it('renders the gates in the pod template and the labels on its Namespace (first in the manifest), schema-valid', async () => {
    const { objects } = synth({ readinessGates: ['target-health.elbv2.k8s.aws/sample-app'], namespaceLabels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } });
    expect(find(objects, 'Deployment').spec.template.spec.readinessGates).toEqual([{ conditionType: 'target-health.elbv2.k8s.aws/sample-app' }]);
    expect(objects[0].kind).toBe('Namespace');
    expect(objects[0].metadata.labels).toEqual({ 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled', 'app.kubernetes.io/name': 'sample-app', 'app.kubernetes.io/managed-by': 'cdk-orchestration' });
    expect(await validateManifests(objects)).toEqual([]);
  });

  it('rejects malformed gates and labels, and labels for the namespace `default`, which it does not create', () => {
    expectError(() => synth({ readinessGates: 'target-health.elbv2.k8s.aws/x' as never }), 'app: readinessGates ("target-health.elbv2.k8s.aws/x")', 'must be an array of pod condition types');
    expectError(() => synth({ readinessGates: ['target health'] }), 'app: readinessGates[0] ("target health")', 'must be a qualified name');
    expectError(() => synth({ readinessGates: [7 as never] }), 'app: readinessGates[0] (7)', 'must be a string');
    expectError(() => synth({ namespaceLabels: { 'bad key!': 'x' } }), 'app: namespaceLabels ("bad key!")', 'label keys that are qualified names');
    expectError(() => synth({ namespaceLabels: { team: 'not a value' } }), 'app: namespaceLabels.team ("not a value")', 'must be a label value');
    expectError(() => synth({ namespaceLabels: ['x'] as never }), 'app: namespaceLabels (["x"])', 'must be an object');
    expectError(() => synth({ kubernetesNamespace: 'default', namespaceLabels: { team: 'a' } }), 'app: namespaceLabels ({"team":"a"})', "only applies to a namespace the chart creates (kubernetesNamespace is 'default'");
  });
});
