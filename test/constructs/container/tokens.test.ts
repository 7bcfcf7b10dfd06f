// Deploy-time values (tokens) in the container style: each prop either reaches its exact template
// property as a Ref (inside the manifest, a Ref CloudFormation substitutes at deploy time), or is
// rejected with the library's error saying why it must be known at synth.
import { CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppChart, AppCluster, type AppClusterProps, ContainerRegistry, ContainerService, type ContainerServiceProps, ImagePullPolicy, NodeCapacity, type NodeOs, PercentOrCount, ZoneSpread } from '../../../constructs/container';
import { type AppDescription, AppSecret, AppSource } from '../../../lib/app';
import { onlyResource, orchestrationErrorFrom, SAMPLE_APP_DIR, templateOf, testApp, testStack } from '../../helpers';

const num = (stack: Stack, id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
const str = (stack: Stack, id: string) => new CfnParameter(stack, id, { type: 'String' }).valueAsString;

/**
 * The manifest a KubernetesManifest applies, as objects: each intrinsic in its Fn::Join becomes
 * `#Ref P` where Kubernetes receives a JSON number (the Ref stands outside quotes) and `{Ref P}`
 * where it is (part of) a string.
 */
function manifestObjects(manifest: unknown): any[] {
  const parts: unknown[] = typeof manifest === 'string' ? [manifest] : (manifest as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  let text = '';
  for (const p of parts) text += typeof p === 'string' ? p : `@@${(p as { Ref?: string }).Ref !== undefined ? `Ref ${(p as { Ref: string }).Ref}` : 'intrinsic'}@@`;
  text = text.replace(/([:[,])@@([^@]+)@@(?=[,\]}])/g, '$1"#$2"').replace(/@@([^@]+)@@/g, '{$1}');
  return JSON.parse(text);
}
const kind = (objects: any[], k: string) => {
  const found = objects.filter((o) => o.kind === k);
  expect(found).toHaveLength(1);
  return found[0];
};

/** Our error for a ContainerService built with these props: the construct path, the prop and why. */
function concreteError(props: (stack: Stack) => Partial<ContainerServiceProps>, prop: string, why: RegExp) {
  const stack = testStack();
  const e = orchestrationErrorFrom(() => new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1') }, ...props(stack) } as ContainerServiceProps));
  expect(e.path).toBe('Test/Service');
  expect(e.prop).toBe(prop);
  expect(e.message).toContain('must be a concrete value, not a deploy-time value (token)');
  expect(e.message).toMatch(why);
}

// One stack carries every token that passes through, each from its own parameter.
/** The manifest resource that applies the chart (ContainerService also applies a TargetGroupBinding). */
function chartManifest(template: Template): { Properties: any } {
  const found = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter((r: any) => JSON.stringify(r.Properties.Manifest).includes('Deployment'));
  if (found.length !== 1) throw new Error(`expected one chart manifest, found ${found.length}`);
  return found[0] as any;
}

describe('ContainerService passes deploy-time values through to the template', () => {
  let resources: Record<string, any>;
  let objects: any[];
  let container: any;
  let deployment: any;
  beforeAll(() => {
    const stack = testStack();
    const n = (id: string) => num(stack, id);
    const s = (id: string) => str(stack, id);
    const app: AppDescription = {
      source: AppSource.fromImage(s('Image')),
      version: s('Version'),
      command: ['node', s('Script')],
      port: n('Port'),
      healthCheckPath: s('HealthPath'),
      environment: { GREETING: s('Greeting') },
      secrets: { DB: AppSecret.fromSecretArn(s('SecretArn')) },
      replicas: { min: n('MinReplicas'), max: n('MaxReplicas'), targetCpuPercent: n('TargetCpu') },
      rollout: { bakeTime: Duration.seconds(n('BakeTime')) },
    };
    const probe = (p: string) => ({ path: s(`${p}Path`), port: n(`${p}Port`), period: Duration.seconds(n(`${p}Period`)), failureThreshold: n(`${p}Failures`), initialDelay: Duration.seconds(n(`${p}Delay`)) });
    new ContainerService(stack, 'Service', {
      app,
      clusterProps: {
        capacity: NodeCapacity.nodegroup({ minNodes: n('MinNodes'), maxNodes: n('MaxNodes'), rootVolumeSize: Size.gibibytes(n('NodeDisk')) }),
        adminPrincipalArn: s('Admin'),
      },
      chart: {
        maxSurge: PercentOrCount.count(n('MaxSurge')),
        maxUnavailable: PercentOrCount.percent(n('MaxUnavailable')),
        readinessProbe: probe('Readiness'),
        livenessProbe: probe('Liveness'),
        resources: { cpuRequest: s('CpuRequest'), memoryRequest: s('MemoryRequest'), cpuLimit: s('CpuLimit'), memoryLimit: s('MemoryLimit') },
        runAsUser: n('User'),
        zoneSpread: s('ZoneSpread') as ZoneSpread,
        imagePullPolicy: s('PullPolicy') as ImagePullPolicy,
        secretsFetcherImage: s('FetcherImage'),
      },
    });
    const template = templateOf(stack);
    resources = template.toJSON().Resources;
    // the chart's manifest (the other one is the TargetGroupBinding)
    const chart = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter((r: any) => JSON.stringify(r.Properties.Manifest).includes('Deployment'));
    expect(chart).toHaveLength(1);
    objects = manifestObjects((chart[0] as any).Properties.Manifest);
    deployment = kind(objects, 'Deployment');
    container = deployment.spec.template.spec.containers[0];
  });
  const byType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  it('app.source.image: the container image', () => {
    expect(container.image).toBe('{Ref Image}');
  });
  it('app.version: APP_VERSION', () => {
    expect(container.env[0]).toEqual({ name: 'APP_VERSION', value: '{Ref Version}' });
  });
  it('app.command: the container command', () => {
    expect(container.command.slice(-2)).toEqual(['node', '{Ref Script}']);
  });
  it('app.port: the container port (a number), PORT in the ConfigMap (a string) and the default probe port', () => {
    expect(container.ports[0].containerPort).toBe('#Ref Port');
    expect(kind(objects, 'ConfigMap').data.PORT).toBe('{Ref Port}');
  });
  it('app.healthCheckPath: the probe paths (when the probes set none) and the load balancer\'s health check', () => {
    const stack = testStack();
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1'), healthCheckPath: str(stack, 'HealthPath') } });
    const template = templateOf(stack);
    const manifests = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).map((r: any) => r.Properties.Manifest);
    const all = manifests.filter((m) => JSON.stringify(m).includes('Deployment')).flatMap(manifestObjects);
    const c = kind(all, 'Deployment').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('{Ref HealthPath}');
    expect(c.livenessProbe.httpGet.path).toBe('{Ref HealthPath}');
    expect(onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties.HealthCheckPath).toEqual({ Ref: 'HealthPath' });
  });
  it('app.environment values: the ConfigMap, and the config-hash annotation that rolls the pods', () => {
    expect(kind(objects, 'ConfigMap').data.GREETING).toBe('{Ref Greeting}');
    expect(deployment.spec.template.metadata.annotations['cdk-orchestration/config-hash']).toMatch(/^[0-9a-f]{16}-\{Ref Greeting\}-\{Ref Port\}$/);
  });
  it('app.secrets.*.secretArn: the reference the pods get and the pod role\'s policy', () => {
    expect(container.env).toContainEqual({ name: 'DB_SECRET_REF', value: 'secretsmanager:{Ref SecretArn}' });
    const policies = JSON.stringify(byType('AWS::IAM::Policy'));
    expect(policies).toContain('"Resource":{"Ref":"SecretArn"}');
  });
  it('app.replicas.min: HPA minimum (the Deployment leaves replicas to the HPA)', () => {
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(kind(objects, 'HorizontalPodAutoscaler').spec.minReplicas).toBe('#Ref MinReplicas');
  });
  it('app.replicas.max: HPA maximum', () => {
    expect(kind(objects, 'HorizontalPodAutoscaler').spec.maxReplicas).toBe('#Ref MaxReplicas');
  });
  it('app.replicas.targetCpuPercent: HPA target', () => {
    expect(kind(objects, 'HorizontalPodAutoscaler').spec.metrics[0].resource.target.averageUtilization).toBe('#Ref TargetCpu');
  });
  it('app.rollout.bakeTime: minReadySeconds', () => {
    expect(deployment.spec.minReadySeconds).toBe('#Ref BakeTime');
  });
  it('chart.maxSurge (PercentOrCount.count(token)): rollingUpdate.maxSurge, a JSON number', () => {
    expect(deployment.spec.strategy.rollingUpdate.maxSurge).toBe('#Ref MaxSurge');
  });
  it('chart.maxUnavailable (PercentOrCount.percent(token)): rollingUpdate.maxUnavailable, the string "N%"', () => {
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe('{Ref MaxUnavailable}%');
  });
  it.each(['readiness', 'liveness'])('chart.%sProbe: path, port, period, failureThreshold, initialDelay', (p) => {
    const P = p[0]!.toUpperCase() + p.slice(1);
    expect(container[`${p}Probe`]).toEqual({
      httpGet: { path: `{Ref ${P}Path}`, port: `#Ref ${P}Port` },
      periodSeconds: `#Ref ${P}Period`,
      failureThreshold: `#Ref ${P}Failures`,
      initialDelaySeconds: `#Ref ${P}Delay`,
      timeoutSeconds: 2,
    });
  });
  it('chart.resources: requests and limits', () => {
    expect(container.resources).toEqual({ requests: { cpu: '{Ref CpuRequest}', memory: '{Ref MemoryRequest}' }, limits: { cpu: '{Ref CpuLimit}', memory: '{Ref MemoryLimit}' } });
  });
  it('chart.runAsUser: runAsUser, runAsGroup and fsGroup', () => {
    expect(container.securityContext).toMatchObject({ runAsUser: '#Ref User', runAsGroup: '#Ref User' });
    expect(deployment.spec.template.spec.securityContext.fsGroup).toBe('#Ref User');
    expect(deployment.spec.template.spec.initContainers[0].securityContext.runAsUser).toBe('#Ref User');
  });
  it('chart.zoneSpread: whenUnsatisfiable of the zone spread', () => {
    expect(deployment.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('{Ref ZoneSpread}');
  });
  it('chart.imagePullPolicy: the app container\'s pull policy', () => {
    expect(container.imagePullPolicy).toBe('{Ref PullPolicy}');
  });
  it('chart.secretsFetcherImage: the init container\'s image', () => {
    expect(deployment.spec.template.spec.initContainers[0].image).toBe('{Ref FetcherImage}');
  });
  it('the rollout check runs again when a deploy-time value changes (its Revision carries them)', () => {
    const check = byType('Custom::AWSCDK-EKS-KubernetesObjectValue')[0];
    const parts = check.Properties.Revision['Fn::Join'][1];
    expect(parts[0]).toMatch(/^[0-9a-f]{16}\|$/);
    for (const p of ['Image', 'MinReplicas', 'MaxReplicas', 'User', 'Greeting']) expect(parts).toContainEqual({ Ref: p });
  });
  it('NodeCapacity.nodegroup minNodes: the node group\'s MinSize (and DesiredSize)', () => {
    expect(byType('AWS::EKS::Nodegroup')[0].Properties.ScalingConfig).toMatchObject({ MinSize: { Ref: 'MinNodes' }, DesiredSize: { Ref: 'MinNodes' } });
  });
  it('NodeCapacity.nodegroup maxNodes: MaxSize, keeping MaxUnavailable 1 (aws-cdk-lib would compare it with the token and fail)', () => {
    const ng = byType('AWS::EKS::Nodegroup')[0].Properties;
    expect(ng.ScalingConfig.MaxSize).toEqual({ Ref: 'MaxNodes' });
    expect(ng.UpdateConfig).toEqual({ MaxUnavailable: 1 });
  });
  it('NodeCapacity.nodegroup rootVolumeSize (Size.gibibytes(token)): the launch template\'s volume size', () => {
    expect(byType('AWS::EC2::LaunchTemplate')[0].Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs.VolumeSize).toEqual({ Ref: 'NodeDisk' });
  });
  it('clusterProps.adminPrincipalArn: the access entry\'s principal', () => {
    expect(byType('AWS::EKS::AccessEntry').map((e) => e.Properties.PrincipalArn)).toContainEqual({ Ref: 'Admin' });
  });
});

describe('ContainerService: more deploy-time values that pass through', () => {
  it('app.rollout.maxSurgePercent and maxUnavailablePercent: Kubernetes percentages ("N%")', () => {
    const stack = testStack();
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1'), rollout: { maxSurgePercent: num(stack, 'Surge'), maxUnavailablePercent: num(stack, 'Unavailable') } } });
    const d = kind(manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest), 'Deployment');
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: '{Ref Surge}%', maxUnavailable: '{Ref Unavailable}%' });
  });
  it('app.replicas.max with the default minimum: no false "max below min" error, the Ref in the HPA', () => {
    const stack = testStack();
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1'), replicas: { max: num(stack, 'Max') } } });
    const objects = manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest);
    expect(kind(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 3, maxReplicas: '#Ref Max' });
    expect(kind(objects, 'Deployment').spec.strategy.rollingUpdate).toEqual({ maxSurge: 3, maxUnavailable: 0 });
  });
  it('chart.progressDeadline: progressDeadlineSeconds (without the rollout check, whose timeout is computed from it)', () => {
    const stack = testStack();
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1') }, waitForRollout: false, chart: { progressDeadline: Duration.seconds(num(stack, 'Deadline')) } });
    const d = kind(manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest), 'Deployment');
    expect(d.spec.progressDeadlineSeconds).toBe('#Ref Deadline');
  });
  it('the region (AWS_REGION of the secrets init container) in an environment-agnostic stack', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1'), secrets: { DB: AppSecret.fromSecretName('db') } }, clusterProps: { capacity: NodeCapacity.nodegroup({ minNodes: 3 }) } });
    const d = kind(manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest), 'Deployment');
    expect(d.spec.template.spec.initContainers[0].env).toContainEqual({ name: 'AWS_REGION', value: '{Ref AWS::Region}' });
  });
  it('app.secrets.*.secretName: the reference the pods get', () => {
    const stack = testStack();
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1'), secrets: { DB: AppSecret.fromSecretName(str(stack, 'SecretName')) } } });
    const d = kind(manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest), 'Deployment');
    expect(d.spec.template.spec.containers[0].env).toContainEqual({ name: 'DB_SECRET_REF', value: 'secretsmanager:{Ref SecretName}' });
  });

  it('app.secrets.*.parameterName -> the secret reference the pods get, and the pod role\'s parameter ARN', () => {
    const stack = testStack();
    new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1'), secrets: { K: AppSecret.fromParameterName(str(stack, 'ParamName')) } } });
    const t = templateOf(stack);
    const d = kind(manifestObjects(chartManifest(t).Properties.Manifest), 'Deployment');
    expect(JSON.stringify(d)).toContain('ssm:{Ref ParamName}');
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((p: any) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.some((p) => p.includes('"arn:aws:ssm:eu-west-1:123456789012:parameter",{"Ref":"ParamName"}'))).toBe(true);
  });
});

describe('ContainerService: values that must be known at synth get our error', () => {
  it('app.name: names the objects and the immutable selector', () => {
    concreteError((s) => ({ app: { source: AppSource.fromImage('x:1'), name: str(s, 'P') } }), 'app.name', /selector/);
  });
  it('app.replicas.min without app.replicas.max: the default maximum is computed at synth', () => {
    concreteError((s) => ({ app: { source: AppSource.fromImage('x:1'), replicas: { min: num(s, 'P') } } }), 'app.replicas.min', /set app\.replicas\.max too/);
  });
  it('app.source.directory: the Docker build context', () => {
    concreteError((s) => ({ app: { source: AppSource.fromDirectory(str(s, 'P')) } }), 'app.source.directory', /Docker build context/);
  });
  it('app.source.exclude: part of the build context and its hash', () => {
    concreteError((s) => ({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR, { exclude: [str(s, 'P')] }) } }), 'app.source.exclude[0]', /hashed at synth/);
  });
  it('app.secrets.*.jsonField: written into the start script', () => {
    concreteError((s) => ({ app: { source: AppSource.fromImage('x:1'), secrets: { K: AppSecret.fromSecretName('k', { jsonField: str(s, 'P') }) } } }), 'app.secrets.K.jsonField', /start script/);
  });
  it('chart.kubernetesNamespace: decides whether a Namespace object exists', () => {
    concreteError((s) => ({ chart: { kubernetesNamespace: str(s, 'P') } }), 'chart.kubernetesNamespace', /Namespace object/);
  });
  it('chart.drainTimeout: part of terminationGracePeriodSeconds', () => {
    concreteError((s) => ({ chart: { drainTimeout: Duration.seconds(num(s, 'P')) } }), 'chart.drainTimeout', /terminationGracePeriodSeconds/);
  });
  it('chart.preStopDelay: part of terminationGracePeriodSeconds', () => {
    concreteError((s) => ({ chart: { preStopDelay: Duration.seconds(num(s, 'P')) } }), 'chart.preStopDelay', /terminationGracePeriodSeconds/);
  });
  it('chart.progressDeadline with the rollout check: its timeout is computed from it', () => {
    concreteError((s) => ({ chart: { progressDeadline: Duration.seconds(num(s, 'P')) } }), 'chart.progressDeadline', /rollout check's timeout/);
  });
  it('imageArchitecture: the platform the image is built for', () => {
    concreteError((s) => ({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, imageArchitecture: str(s, 'P') as ec2.InstanceArchitecture }), 'imageArchitecture', /platform/);
  });
  it('a deploy-time Duration in another unit than seconds for a seconds value', () => {
    const stack = testStack();
    const e = orchestrationErrorFrom(() => new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('x:1') }, chart: { livenessProbe: { period: Duration.minutes(num(stack, 'P')) } } }));
    expect(e.path).toBe('Test/Service');
    expect(e.prop).toBe('chart.livenessProbe.period');
    expect(e.message).toContain('must be written as Duration.seconds(...) when its amount is a deploy-time value: Kubernetes counts it in seconds');
  });
});

describe('AppCluster: values that must be known at synth get our error', () => {
  function clusterError(props: (s: Stack) => AppClusterProps, prop: string, why: RegExp) {
    const stack = testStack();
    const e = orchestrationErrorFrom(() => new AppCluster(stack, 'Cluster', props(stack)));
    expect(e.path).toBe('Test/Cluster');
    expect(e.prop).toBe(prop);
    expect(e.message).toContain('must be a concrete value, not a deploy-time value (token)');
    expect(e.message).toMatch(why);
  }
  it('version: picks the kubectl layer', () => {
    clusterError((s) => ({ version: eks.KubernetesVersion.of(str(s, 'P')) }), 'version', /kubectl layer/);
  });
});

describe('NodeCapacity.nodegroup: deploy-time values', () => {
  /** The factory's own error (no construct yet: the path is empty). */
  function factoryError(options: (s: Stack) => Parameters<typeof NodeCapacity.nodegroup>[0], prop: string, why: RegExp) {
    const stack = testStack();
    const e = orchestrationErrorFrom(() => NodeCapacity.nodegroup(options(stack)));
    expect(e.path).toBe('');
    expect(e.prop).toBe(prop);
    expect(e.message).toMatch(why);
  }
  it('nodeOs must be known: it decides the AMI type and root device', () => {
    factoryError((s) => ({ nodeOs: str(s, 'P') as NodeOs }), 'nodeOs', /must be a concrete value, not a deploy-time value \(token\): .*AMI type/);
  });
  it('instanceTypes must be known: they decide the nodes\' architecture', () => {
    factoryError((s) => ({ instanceTypes: [new ec2.InstanceType(str(s, 'P'))] }), 'instanceTypes[0]', /must be a concrete value, not a deploy-time value \(token\): .*architecture/);
  });
  it('rootVolumeSize in another unit than GiB: our error (CloudFormation cannot convert it)', () => {
    factoryError((s) => ({ rootVolumeSize: Size.mebibytes(num(s, 'P')) }), 'rootVolumeSize', /must be written as Size\.gibibytes\(\.\.\.\) when its amount is a deploy-time value/);
  });
  it('minNodes and maxNodes from parameters on AppCluster: the Refs in ScalingConfig, no false min/max error', () => {
    const stack = testStack();
    new AppCluster(stack, 'Cluster', { capacity: NodeCapacity.nodegroup({ minNodes: num(stack, 'Min'), maxNodes: 4 }) });
    const ng = onlyResource(templateOf(stack), 'AWS::EKS::Nodegroup').Properties;
    expect(ng.ScalingConfig).toEqual({ MinSize: { Ref: 'Min' }, MaxSize: 4, DesiredSize: { Ref: 'Min' } });
  });
});

describe('PercentOrCount: deploy-time values', () => {
  it('a count from a parameter on AppChart itself: the Ref in the manifest, not compared with the shared percentage', () => {
    const stack = testStack();
    const cluster = new AppCluster(stack, 'Cluster');
    const chart = new AppChart(new cdk8s.App(), 'app', {
      app: { source: AppSource.fromImage('x:1'), rollout: { maxSurgePercent: 100 } },
      image: 'x:1',
      maxSurge: PercentOrCount.count(num(stack, 'Surge')),
      maxUnavailable: PercentOrCount.percent(num(stack, 'Unavailable')),
    });
    cluster.cluster.addCdk8sChart('Chart', chart);
    const objects = manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest);
    expect(kind(objects, 'Deployment').spec.strategy.rollingUpdate).toEqual({ maxSurge: '#Ref Surge', maxUnavailable: '{Ref Unavailable}%' });
  });
});

describe('AppChart applied by a cluster: its own props', () => {
  it('serviceAccountAnnotations values, image and appVersion reach the manifest', () => {
    const stack = testStack();
    const cluster = new AppCluster(stack, 'Cluster');
    const chart = new AppChart(new cdk8s.App(), 'app', {
      app: { source: AppSource.fromImage('x:1') },
      image: str(stack, 'Image'),
      appVersion: str(stack, 'Version'),
      serviceAccountAnnotations: { 'example.com/role': str(stack, 'Role') },
    });
    cluster.cluster.addCdk8sChart('Chart', chart);
    const objects = manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest);
    expect(kind(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'example.com/role': '{Ref Role}' });
    const c = kind(objects, 'Deployment').spec.template.spec.containers[0];
    expect(c.image).toBe('{Ref Image}');
    expect(c.env[0]).toEqual({ name: 'APP_VERSION', value: '{Ref Version}' });
  });
  it('awsRegion reaches the init container', () => {
    const stack = testStack();
    const cluster = new AppCluster(stack, 'Cluster');
    cluster.cluster.addCdk8sChart('Chart', new AppChart(new cdk8s.App(), 'app', { app: { source: AppSource.fromImage('x:1'), secrets: { K: AppSecret.fromSecretName('k') } }, image: 'x:1', awsRegion: str(stack, 'Region') }));
    const objects = manifestObjects(chartManifest(templateOf(stack)).Properties.Manifest);
    expect(kind(objects, 'Deployment').spec.template.spec.initContainers[0].env).toContainEqual({ name: 'AWS_REGION', value: '{Ref Region}' });
  });
});

describe('ContainerRegistry passes deploy-time values into the lifecycle policy', () => {
  function policyParts(build: (s: Stack) => void): unknown[] {
    const stack = testStack();
    build(stack);
    const text = onlyResource(templateOf(stack), 'AWS::ECR::Repository').Properties.LifecyclePolicy.LifecyclePolicyText;
    return text['Fn::Join'][1];
  }
  it('maxImageCount: countNumber of the keep-last-N rule (and its description)', () => {
    const parts = policyParts((s) => new ContainerRegistry(s, 'Registry', { maxImageCount: num(s, 'Keep') }));
    const text = parts.map((p) => (typeof p === 'string' ? p : `@@${(p as { Ref: string }).Ref}@@`)).join('');
    expect(text).toContain('"description":"Keep the last @@Keep@@ images"');
    expect(text).toContain('"countType":"imageCountMoreThan","countNumber":@@Keep@@}');
    expect(text).toContain('"countType":"sinceImagePushed","countNumber":7,"countUnit":"days"');
  });
  it('untaggedExpiryDays: countNumber of the untagged rule', () => {
    const parts = policyParts((s) => new ContainerRegistry(s, 'Registry', { untaggedExpiryDays: num(s, 'Days') }));
    const text = parts.map((p) => (typeof p === 'string' ? p : `@@${(p as { Ref: string }).Ref}@@`)).join('');
    expect(text).toContain('"countType":"sinceImagePushed","countNumber":@@Days@@,"countUnit":"days"');
    expect(text).toContain('"countType":"imageCountMoreThan","countNumber":20}');
  });
});
