import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AppChart, type AppChartProps, ContainerRegistry, type ContainerRegistryProps, ContainerService, type ContainerServiceProps, NodeCapacity, PercentOrCount, ServiceExposure } from '../../../constructs/container';
import { type AppDescription, AppSecret, AppSource } from '../../../lib/app';
import type { OrchestrationError } from '../../../lib/errors';
import { orchestrationErrorFrom, testStack } from '../../helpers';

const app: AppDescription = { source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27') };

/** Builds a ContainerService with the given props (as a plain-JavaScript caller could) and returns the error it throws. */
function errorFor(props: Record<string, unknown>): OrchestrationError {
  return orchestrationErrorFrom(() => new ContainerService(testStack('Bad'), 'Service', { app, ...props } as unknown as ContainerServiceProps));
}
const message = (props: Record<string, unknown>) => errorFor(props).message;

describe('ContainerService rejects bad input with the library\'s error (path, prop, value, what is allowed)', () => {
  it('an unknown top-level prop (a typo)', () => {
    const e = errorFor({ clusterprops: {} });
    expect(e.path).toBe('Bad/Service');
    expect(e.prop).toBe('clusterprops');
    expect(e.message).toBe('Bad/Service: clusterprops ({}) is not a known prop: did you mean cluster or clusterProps? known props are app, cluster, clusterProps, imageArchitecture, chart, exposure, waitForRollout, migrateReplicasToHpa, alarmTopic, dashboard, logEncryptionKey');
  });

  it('no props at all (plain JavaScript)', () => {
    expect(orchestrationErrorFrom(() => new (ContainerService as any)(testStack('Bad'), 'Service')).message).toBe('Bad/Service: app (undefined) must be an app description with at least `source`');
  });

  it('waitForRollout that is not a boolean', () => {
    expect(message({ waitForRollout: 'yes' })).toBe('Bad/Service: waitForRollout ("yes") must be a boolean');
  });

  it('cluster and clusterProps together', () => {
    expect(message({ cluster: {}, clusterProps: {} })).toBe('Bad/Service: cluster and clusterProps ({"cluster":{},"clusterProps":{}}) are mutually exclusive: set only one of cluster, clusterProps');
  });

  it('an image architecture that is not one', () => {
    expect(message({ imageArchitecture: 'arm' })).toBe('Bad/Service: imageArchitecture ("arm") must be one of "arm64", "x86_64"');
  });

  it('an image reference with a space', () => {
    expect(message({ app: { source: AppSource.fromImage('my app:1') } })).toBe('Bad/Service: app.source.image ("my app:1") must be a container image reference (registry/repo:tag or @sha256 digest)');
  });

  it('app.port as a string (the shared description\'s check, with this construct\'s path)', () => {
    const e = errorFor({ app: { ...app, port: '8080' } });
    expect(e.path).toBe('Bad/Service');
    expect(e.prop).toBe('app.port');
  });
});

describe('ContainerService: the replicas and the rollout', () => {
  it('app.replicas.min of 0 (the Deployment and HPA need one)', () => {
    expect(message({ app: { ...app, replicas: { min: 0 } } })).toBe('Bad/Service: app.replicas.min (0) must be at least 1 for the container style (the Deployment and HPA minimum)');
  });

  it('app.replicas.max below the default minimum', () => {
    expect(message({ app: { ...app, replicas: { max: 2 } } })).toBe("Bad/Service: app.replicas.max (2) must be at least app.replicas.min (3, the container style's default)");
  });

  it('app.replicas.min above app.replicas.max (the shared check)', () => {
    const e = errorFor({ app: { ...app, replicas: { min: 5, max: 2 } } });
    expect(e.path).toBe('Bad/Service');
    expect(e.message).toContain('app.replicas.min');
    expect(e.message).toContain('app.replicas.max');
  });

  it('chart.maxSurge above 100 % (PercentOrCount.percent checks its argument)', () => {
    expect(orchestrationErrorFrom(() => PercentOrCount.percent(150)).message).toBe('PercentOrCount.percent(percent) (150) must be an integer from 0 to 100');
  });

  it('chart.maxSurge as a percentage string (the 0.x type, from plain JavaScript)', () => {
    expect(message({ chart: { maxSurge: '150%' } })).toBe('Bad/Service: chart.maxSurge ("150%") must be made with PercentOrCount.percent() or PercentOrCount.count(), for example PercentOrCount.percent(25)');
  });

  it('chart.maxSurge of the wrong type', () => {
    expect(message({ chart: { maxSurge: true } })).toBe('Bad/Service: chart.maxSurge (true) must be made with PercentOrCount.percent() or PercentOrCount.count(), for example PercentOrCount.percent(25)');
  });

  it('chart.maxSurge and chart.maxUnavailable both 0', () => {
    expect(message({ chart: { maxSurge: PercentOrCount.count(0), maxUnavailable: PercentOrCount.count(0) } })).toBe(
      'Bad/Service: chart.maxSurge and chart.maxUnavailable ({"chart.maxSurge":0,"chart.maxUnavailable":0}) cannot both be 0: the rollout could never replace a pod',
    );
  });

  it('chart.maxSurge contradicting app.rollout.maxSurgePercent', () => {
    expect(message({ app: { ...app, rollout: { maxSurgePercent: 100 } }, chart: { maxSurge: PercentOrCount.count(2) } })).toBe(
      'Bad/Service: chart.maxSurge and app.rollout.maxSurgePercent ({"chart.maxSurge":2,"app.rollout.maxSurgePercent":100}) disagree (100% of 3 replicas is 3): set only one',
    );
  });

  it('chart.progressDeadline above 13 minutes', () => {
    expect(message({ chart: { progressDeadline: Duration.minutes(20) } })).toBe('Bad/Service: chart.progressDeadline (20 minutes) must be from 1 minute to 13 minutes');
  });

  it('chart.progressDeadline as a number of seconds (plain JavaScript)', () => {
    expect(message({ chart: { progressDeadline: 600 } })).toBe('Bad/Service: chart.progressDeadline (600) must be a Duration, for example Duration.seconds(30)');
  });

  it('chart.progressDeadline with sub-second precision', () => {
    const e = errorFor({ chart: { progressDeadline: Duration.millis(90_500) } });
    expect(e.prop).toBe('chart.progressDeadline');
    expect(e.message).toContain('must be a whole number of seconds (Kubernetes counts these in seconds)');
  });

  it('chart.drainTimeout of Duration.millis(7500)', () => {
    expect(message({ chart: { drainTimeout: Duration.millis(7500) } })).toBe('Bad/Service: chart.drainTimeout (7 seconds 500 millis) must be a whole number of seconds (Kubernetes counts these in seconds)');
  });

  it('app.rollout.bakeTime of Duration.millis(7500)', () => {
    expect(message({ app: { ...app, rollout: { bakeTime: Duration.millis(7500) } } })).toBe('Bad/Service: app.rollout.bakeTime (7 seconds 500 millis) must be a whole number of seconds (Kubernetes counts these in seconds)');
  });
});

describe('ContainerService: the chart options', () => {
  it('an unknown chart option', () => {
    expect(message({ chart: { maxsurge: 1 } })).toMatch(/^Bad\/Service: chart\.maxsurge \(1\) is not a known prop: did you mean chart\.maxSurge or chart\.maxUnavailable\? known props are kubernetesNamespace, /);
  });

  it('an unknown probe option', () => {
    expect(message({ chart: { readinessProbe: { periodSeconds: 5 } } })).toBe(
      'Bad/Service: chart.readinessProbe.periodSeconds (5) is not a known prop: did you mean chart.readinessProbe.period? known props are path, port, period, failureThreshold, initialDelay',
    );
  });

  it('an unknown resources key', () => {
    expect(message({ chart: { resources: { cpu: '1' } } })).toBe(
      'Bad/Service: chart.resources.cpu ("1") is not a known prop: did you mean chart.resources.cpuRequest or chart.resources.cpuLimit? known props are cpuRequest, memoryRequest, cpuLimit, memoryLimit',
    );
  });

  it('chart.runAsUser as a string', () => {
    expect(message({ chart: { runAsUser: '1000' } })).toBe('Bad/Service: chart.runAsUser ("1000") must be a number');
  });

  it('chart.runAsUser with runAsNonRoot false', () => {
    expect(message({ chart: { runAsNonRoot: false, runAsUser: 1000 } })).toBe('Bad/Service: chart.runAsUser (1000) only applies with chart.runAsNonRoot true');
  });

  it('a probe failure threshold of NaN', () => {
    expect(message({ chart: { livenessProbe: { failureThreshold: Number.NaN } } })).toBe('Bad/Service: chart.livenessProbe.failureThreshold (NaN) must be a number');
  });

  it('a probe on a port the container does not expose', () => {
    expect(message({ chart: { readinessProbe: { port: 9090 } } })).toBe('Bad/Service: chart.readinessProbe.port (9090) must be the port the container exposes (app.port 8080)');
  });

  it('a probe path without a leading /', () => {
    expect(message({ chart: { livenessProbe: { path: 'healthz' } } })).toBe('Bad/Service: chart.livenessProbe.path ("healthz") must be a path starting with "/"');
  });

  it('a probe period above 5 minutes', () => {
    expect(message({ chart: { readinessProbe: { period: Duration.minutes(10) } } })).toBe('Bad/Service: chart.readinessProbe.period (10 minutes) must be from 1 second to 5 minutes');
  });

  it('a memory limit that is not a Kubernetes quantity', () => {
    expect(message({ chart: { resources: { memoryLimit: '256MB' } } })).toBe('Bad/Service: chart.resources.memoryLimit ("256MB") must be a Kubernetes quantity such as "250m", "1", "256Mi"');
  });

  it('a namespace that is not a DNS label', () => {
    expect(message({ chart: { kubernetesNamespace: 'My_App' } })).toBe('Bad/Service: chart.kubernetesNamespace ("My_App") must be a DNS label (lowercase letters, digits and "-", at most 63 characters)');
  });

  it('a namespace that is not a string', () => {
    expect(message({ chart: { kubernetesNamespace: 5 } })).toBe('Bad/Service: chart.kubernetesNamespace (5) must be a string');
  });

  it('the 0.x `namespace` (C# reserves the word)', () => {
    expect(message({ chart: { namespace: 'shop' } })).toMatch(/^Bad\/Service: chart\.namespace \("shop"\) is not a known prop: known props are kubernetesNamespace, /);
  });

  it('the 0.x internetFacing (now ServiceExposure.loadBalancer({ internetFacing }))', () => {
    expect(message({ chart: { internetFacing: 'false' } })).toBe('Bad/Service: chart.internetFacing ("false") is no longer a prop: pass exposure: ServiceExposure.loadBalancer({ internetFacing })');
  });

  it('the 0.x service type (the Service is always ClusterIP; exposure is a ServiceExposure)', () => {
    expect(message({ chart: { serviceType: 'Ingress' } })).toBe('Bad/Service: chart.serviceType ("Ingress") is no longer a prop: pass exposure: ServiceExposure.loadBalancer() or ServiceExposure.clusterIp() (the Service is always ClusterIP)');
  });

  it('the 0.x load balancer class and ALB Ingress', () => {
    expect(message({ chart: { loadBalancerClass: 'x' } })).toMatch(/^Bad\/Service: chart\.loadBalancerClass \("x"\) is no longer a prop: pass exposure: ServiceExposure\.loadBalancer\(\)/);
    expect(message({ chart: { albIngress: true } })).toMatch(/^Bad\/Service: chart\.albIngress \(true\) is no longer a prop: pass exposure: ServiceExposure\.loadBalancer\(\)/);
  });

  it('an unknown zone spread', () => {
    expect(message({ chart: { zoneSpread: 'Always' } })).toBe('Bad/Service: chart.zoneSpread ("Always") must be one of ZoneSpread.SCHEDULE_ANYWAY ("ScheduleAnyway"), ZoneSpread.DO_NOT_SCHEDULE ("DoNotSchedule")');
  });

  it('an image pull policy in the wrong case', () => {
    expect(message({ chart: { imagePullPolicy: 'always' } })).toBe(
      'Bad/Service: chart.imagePullPolicy ("always") must be one of ImagePullPolicy.ALWAYS ("Always"), ImagePullPolicy.IF_NOT_PRESENT ("IfNotPresent"), ImagePullPolicy.NEVER ("Never")',
    );
  });
});

describe('ContainerService: the cluster props, named as the caller wrote them', () => {
  it('an unknown cluster prop', () => {
    expect(message({ clusterProps: { capacty: NodeCapacity.autoMode() } })).toMatch(/^Bad\/Service: clusterProps\.capacty \(\{.*\}\) is not a known prop: did you mean clusterProps\.capacity\? known props are version, /);
  });

  it('min nodes above max nodes (NodeCapacity.nodegroup checks its options)', () => {
    expect(orchestrationErrorFrom(() => NodeCapacity.nodegroup({ minNodes: 5, maxNodes: 4 })).message).toBe('minNodes (5) must not exceed maxNodes (4)');
  });

  it('a 0.x node-group prop on clusterProps says where it went', () => {
    expect(message({ clusterProps: { minNodes: 5 } })).toBe('Bad/Service: clusterProps.minNodes (5) is no longer a prop: pass clusterProps.capacity: NodeCapacity.nodegroup({ minNodes: ... })');
    expect(message({ clusterProps: { nodeDiskSize: 40 } })).toBe('Bad/Service: clusterProps.nodeDiskSize (40) is no longer a prop: pass clusterProps.capacity: NodeCapacity.nodegroup({ rootVolumeSize: Size.gibibytes(...) })');
  });

  it('a version given as a string', () => {
    expect(message({ clusterProps: { version: '1.36' } })).toBe('Bad/Service: clusterProps.version ("1.36") must be an eks.KubernetesVersion, for example eks.KubernetesVersion.V1_36');
  });

  it('a version outside EKS\'s release calendar', () => {
    expect(message({ clusterProps: { version: eks.KubernetesVersion.V1_37 } })).toBe(
      'Bad/Service: clusterProps.version ("1.37") must be a Kubernetes version in EKS\'s release calendar with a kubectl layer: one of 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36',
    );
  });

  it('an unknown capacity (a string, as in 0.x)', () => {
    expect(message({ clusterProps: { capacity: 'fargate' } })).toBe('Bad/Service: clusterProps.capacity ("fargate") must be made with NodeCapacity.nodegroup() or NodeCapacity.autoMode()');
  });

  it('a root volume size of NaN (plain JavaScript, not a Size)', () => {
    expect(orchestrationErrorFrom(() => NodeCapacity.nodegroup({ rootVolumeSize: Number.NaN as never })).message).toBe('rootVolumeSize (NaN) must be a Size in whole GiB from 8 to 16384, for example Size.gibibytes(20)');
  });

  it('node props with Auto Mode (they are no longer props of the cluster)', () => {
    expect(message({ clusterProps: { capacity: NodeCapacity.autoMode(), minNodes: 3 } })).toBe('Bad/Service: clusterProps.minNodes (3) is no longer a prop: pass clusterProps.capacity: NodeCapacity.nodegroup({ minNodes: ... })');
  });

  it('instance types of two architectures', () => {
    expect(orchestrationErrorFrom(() => NodeCapacity.nodegroup({ instanceTypes: [new ec2.InstanceType('t4g.medium'), new ec2.InstanceType('t3.medium')] })).message).toBe(
      'instanceTypes (["t4g.medium","t3.medium"]) must all have the same architecture',
    );
  });

  it('instance types as strings (plain JavaScript)', () => {
    expect(orchestrationErrorFrom(() => NodeCapacity.nodegroup({ instanceTypes: ['t4g.medium'] as never })).message).toBe(
      "instanceTypes ([\"t4g.medium\"]) must be a non-empty list of ec2.InstanceType, for example [new ec2.InstanceType('t4g.medium')]",
    );
  });

  it('a malformed admin principal ARN', () => {
    expect(message({ clusterProps: { adminPrincipalArn: 'Admin' } })).toBe('Bad/Service: clusterProps.adminPrincipalArn ("Admin") must be an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME, with the role\'s path if it has one: arn:aws:iam::ACCOUNT:role/PATH/NAME)');
  });
});

describe('AppChart used on its own names its own props', () => {
  const chartError = (props: Record<string, unknown>) => orchestrationErrorFrom(() => new AppChart(new cdk8s.App(), 'app', { app, image: 'x:1', ...props } as unknown as AppChartProps));

  it('an unknown prop', () => {
    expect(chartError({ kubernetesNamespce: 'a' }).message).toMatch(/^app: kubernetesNamespce \("a"\) is not a known prop: did you mean kubernetesNamespace\? known props are /);
  });

  it('no image', () => {
    expect(chartError({ image: undefined }).message).toBe('app: image (undefined) must be a container image reference (registry/repo:tag or @sha256 digest)');
  });

  it('secrets without the region', () => {
    expect(chartError({ app: { ...app, secrets: { A: AppSecret.fromSecretName('a') } } }).message).toBe('app: awsRegion (undefined) is required when app.secrets is set (the region the init container reads secrets from)');
  });
});

describe('ContainerRegistry rejects bad input', () => {
  const registryError = (props: Record<string, unknown>) => orchestrationErrorFrom(() => new ContainerRegistry(testStack('Bad'), 'Registry', props as ContainerRegistryProps));

  it('an unknown prop', () => {
    expect(registryError({ maxImages: 5 }).message).toBe(
      'Bad/Registry: maxImages (5) is not a known prop: did you mean maxImageCount? known props are maxImageCount, untaggedExpiryDays, immutableTags, scanOnPush, encryptionKey, removalPolicy, emptyOnDelete',
    );
  });

  it('max image count of 0', () => {
    expect(registryError({ maxImageCount: 0 }).message).toBe('Bad/Registry: maxImageCount (0) must be an integer from 1 to 10000');
  });

  it('untagged expiry days as a string', () => {
    expect(registryError({ untaggedExpiryDays: '7' }).message).toBe('Bad/Registry: untaggedExpiryDays ("7") must be a number');
  });

  it('emptyOnDelete with a retained repository', () => {
    expect(registryError({ emptyOnDelete: true, removalPolicy: RemovalPolicy.RETAIN }).message).toBe(
      'Bad/Registry: emptyOnDelete (true) requires removalPolicy RemovalPolicy.DESTROY (removalPolicy is RemovalPolicy.RETAIN): only a deleted repository can be emptied',
    );
  });
});

describe('ContainerService: what used to be rejected by mistake', () => {
  it('an in-cluster Service on an Auto Mode cluster (no load balancer class, no load balancer)', () => {
    const service = new ContainerService(testStack('Ok'), 'Service', { app, clusterProps: { capacity: NodeCapacity.autoMode() }, exposure: ServiceExposure.clusterIp() });
    const svc = service.chart.toJson().find((o: any) => o.kind === 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.loadBalancerClass).toBeUndefined();
    expect(service.loadBalancer).toBeUndefined();
  });
});
