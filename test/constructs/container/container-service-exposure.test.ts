// How the container style is reached (ServiceExposure): a load balancer CloudFormation owns, bound
// to a ClusterIP Service by a TargetGroupBinding, or the cluster only. Each test fails on one
// mistake: a Service Kubernetes would put a load balancer in front of, a binding pointing elsewhere
// than the target group, a missing security group rule, a binding applied before its controller.
import { CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContainerService, type ContainerServiceProps, NodeCapacity, ServiceExposure } from '../../../constructs/container';
import { POD_READINESS_GATE, TARGET_GROUP_BINDING_API } from '../../../constructs/container/private/load-balancer';
import { AppSource } from '../../../lib/app';
import { validateManifests } from '../../../scripts/k8s-schema';
import { explain, NetworkModel, tcp, type CfnTemplate } from '../../network/reachability';
import { orchestrationErrorFrom, templateOf, testStack } from '../../helpers';

const IMAGE = AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27');

function build(props: Partial<ContainerServiceProps> = {}, stack: Stack = testStack()) {
  const service = new ContainerService(stack, 'Service', { app: { name: 'web', source: IMAGE, port: 8080, healthCheckPath: '/healthz' }, ...props });
  return { stack, service, template: templateOf(stack) };
}

/** The Kubernetes objects of every manifest resource, with the resource's logical ID and DependsOn. */
function manifests(template: Template) {
  return Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap(([id, r]: [string, any]) => {
    const manifest = r.Properties.Manifest;
    // The manifest is a JSON string, possibly joined with deploy-time values (Fn::Join).
    const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    return [{ id, dependsOn: (r.DependsOn ?? []) as string[], raw: manifest, text }];
  });
}
const bindingOf = (template: Template) => {
  const found = manifests(template).filter((m) => m.text.includes('TargetGroupBinding'));
  expect(found).toHaveLength(1);
  return found[0]!;
};
const chartOf = (template: Template) => manifests(template).find((m) => m.text.includes('Deployment'))!;
const logicalId = (template: Template, type: string) => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('ServiceExposure.loadBalancer() (the default): an ALB CloudFormation owns, bound by a TargetGroupBinding', () => {
  let stack: Stack;
  let service: ContainerService;
  let template: Template;
  beforeAll(() => ({ stack, service, template } = build()));

  it('renders a ClusterIP Service: Kubernetes creates no load balancer of its own, and there is no Ingress', () => {
    const objects = service.chart.toJson();
    const svc = objects.find((o: any) => o.kind === 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.loadBalancerClass).toBeUndefined();
    expect(svc.metadata.annotations).toBeUndefined();
    expect(objects.filter((o: any) => o.kind === 'Ingress')).toEqual([]);
    for (const m of manifests(template)) expect(m.text).not.toMatch(/LoadBalancer\\"|\\"Ingress\\"/);
  });

  it('an internet-facing ALB, a listener on 80 forwarding to an IP target group on the app port, health-checked on the app\'s path', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Type: 'application' });
    const tg = logicalId(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tg } }] });
    expect(stack.resolve(service.url)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [logicalId(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer'), 'DNSName'] }]] });
  });

  it('drains a pod for as long as it may still answer: the preStop pause plus the drain timeout (5 + 10 s)', () => {
    const attrs = onlyTargetGroup(template).Properties.TargetGroupAttributes;
    expect(attrs).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '15' });
    const { template: t } = build({ chart: { drainTimeout: Duration.seconds(30), preStopDelay: Duration.seconds(2) } });
    expect(onlyTargetGroup(t).Properties.TargetGroupAttributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '32' });
  });

  it('binds the target group to the chart\'s Service: targetGroupARN is the target group\'s Ref, serviceRef the Service\'s name and port', () => {
    const binding = bindingOf(template);
    const tg = logicalId(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    // The ARN is a deploy-time value joined into the manifest: it must be exactly the target group's Ref.
    expect(JSON.stringify(binding.raw)).toContain(JSON.stringify({ Ref: tg }));
    const rendered = JSON.parse(JSON.stringify(binding.raw['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '__TG__')).join('')));
    const [tgb] = JSON.parse(rendered);
    const svc = service.chart.toJson().find((o: any) => o.kind === 'Service');
    expect(tgb).toMatchObject({
      apiVersion: TARGET_GROUP_BINDING_API.controller,
      kind: 'TargetGroupBinding',
      metadata: { name: 'web', namespace: 'web', labels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'cdk-orchestration' } },
    });
    // no networking section: the security group rule is CloudFormation's, the controller changes nothing in EC2
    expect(tgb.spec).toEqual({ serviceRef: { name: svc.metadata.name, port: svc.spec.ports[0].port }, targetGroupARN: '__TG__', targetType: 'ip' });
    expect(tgb.metadata.namespace).toBe(svc.metadata.namespace);
  });

  it('installs the AWS Load Balancer Controller on the node-group cluster it created, and applies the chart and the binding after it', () => {
    const helm = Object.entries(template.findResources('Custom::AWSCDK-EKS-HelmChart')).filter(([, r]: any) => r.Properties.Chart === 'aws-load-balancer-controller');
    expect(helm).toHaveLength(1);
    expect(service.loadBalancerController).toBeDefined();
    const controller = helm[0]![0];
    const binding = bindingOf(template);
    const chart = chartOf(template);
    expect(chart.dependsOn).toContain(controller);
    expect(binding.dependsOn).toContain(controller);
    // after the chart: its namespace and Service must exist
    expect(binding.dependsOn).toContain(chart.id);
  });

  it('security groups: the internet reaches the ALB on 80 only; the ALB reaches the pods (the cluster security group on the nodes) on the app port', () => {
    const t = template.toJSON() as CfnTemplate;
    const m = NetworkModel.fromTemplate(t, 'container');
    const alb = logicalId(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const nodes = logicalId(template, 'AWS::EKS::Nodegroup');
    const fromInternet = m.reach({ internet: true }, { workload: alb }, tcp(80));
    expect(fromInternet.reachable, explain(fromInternet)).toBe(true);
    expect(m.listenerPorts(alb)).toEqual([80]);
    const toPods = m.reach({ workload: alb }, { workload: nodes }, tcp(8080));
    expect(toPods.reachable, explain(toPods)).toBe(true);
    // the rule itself: on the cluster security group EKS creates, from the ALB's group, the app port only
    const cluster = logicalId(template, 'AWS::EKS::Cluster');
    const albSg = Object.keys(template.findResources('AWS::EC2::SecurityGroup')).find((k) => k.startsWith('ServiceLoadBalancerSecurityGroup'))!;
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [cluster, 'ClusterSecurityGroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
    });
    // the ALB sends nowhere else
    const egress = (template.toJSON().Resources[albSg].Properties.SecurityGroupEgress ?? []) as any[];
    const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r: any) => r.Properties).filter((p: any) => JSON.stringify(p.GroupId).includes(albSg));
    expect([...egress, ...standalone].map((r: any) => [r.FromPort, r.ToPort])).toEqual([[8080, 8080]]);
  });

  it('connections are the pods\' (the cluster security group), on the app port; the pods always get a role: grantPrincipal', () => {
    expect(service.connections.securityGroups.map((sg) => stack.resolve(sg.securityGroupId))).toEqual([{ 'Fn::GetAtt': [logicalId(template, 'AWS::EKS::Cluster'), 'ClusterSecurityGroupId'] }]);
    expect(service.connections.defaultPort?.toString()).toBe('8080');
    const assoc = Object.values(template.findResources('AWS::EKS::PodIdentityAssociation'));
    expect(assoc).toHaveLength(1); // no secrets, a role all the same
    expect(service.grantPrincipal).toBe(service.podRole);
    expect(service.rolloutAlarms).toEqual([]);
  });

  it('writes access logs to an SSE-S3 bucket', () => {
    expect(service.accessLogsBucket).toBeDefined();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
  });
});

function onlyTargetGroup(template: Template) {
  const found = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'));
  expect(found).toHaveLength(1);
  return found[0] as any;
}

describe('ServiceExposure.loadBalancer() options and other clusters', () => {
  it('internal: in the private subnets, port 80 open to the VPC only', () => {
    const { template } = build({ exposure: ServiceExposure.loadBalancer({ internetFacing: false, accessLogs: false }) });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    const sg = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).find(([k]) => k.startsWith('ServiceLoadBalancerSecurityGroup'))![1] as any;
    const ingress = sg.Properties.SecurityGroupIngress as any[];
    expect(ingress.map((r) => r.CidrIp)).not.toContain('0.0.0.0/0');
    expect(ingress).toEqual([expect.objectContaining({ FromPort: 80, ToPort: 80, CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/Vpc/), 'CidrBlock'] } })]);
    expect(template.findResources('AWS::S3::Bucket')).toEqual({});
  });

  it('keeps or removes the access log bucket as asked', () => {
    const { template } = build({ exposure: ServiceExposure.loadBalancer({ accessLogsRemovalPolicy: RemovalPolicy.DESTROY }) });
    const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0] as any;
    expect(bucket.DeletionPolicy).toBe('Delete');
  });

  it('on Auto Mode: Auto Mode\'s own TargetGroupBinding API, no controller installed, the target group tagged with the cluster', () => {
    const { template, service } = build({ clusterProps: { capacity: NodeCapacity.autoMode() } });
    expect(bindingOf(template).text).toContain(`\\"apiVersion\\":\\"${TARGET_GROUP_BINDING_API.autoMode}\\"`);
    expect(service.loadBalancerController).toBeUndefined();
    expect(Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart')).filter((r: any) => r.Properties.Chart === 'aws-load-balancer-controller')).toEqual([]);
    const cluster = logicalId(template, 'AWS::EKS::Cluster');
    expect(onlyTargetGroup(template).Properties.Tags).toContainEqual({ Key: 'eks:eks-cluster-name', Value: { Ref: cluster } });
    template.hasResourceProperties('AWS::EKS::Cluster', { KubernetesNetworkConfig: { ElasticLoadBalancing: { Enabled: true } } });
  });

  it('on a given cluster: uses its controller, or warns that it has none', () => {
    const stack = testStack();
    const layer = () => new (require('@aws-cdk/lambda-layer-kubectl-v36').KubectlV36Layer)(stack, `Layer${stack.node.children.length}`);
    const own = new eks.Cluster(stack, 'Own', { version: eks.KubernetesVersion.V1_36, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0, kubectlProviderOptions: { kubectlLayer: layer() } });
    const service = new ContainerService(stack, 'Service', { app: { source: IMAGE }, cluster: own, waitForRollout: false });
    expect(service.loadBalancerController).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('/Test/Service', Match.stringLikeRegexp('has no albController: ServiceExposure.loadBalancer\\(\\) needs the AWS Load Balancer Controller'));

    const stack2 = testStack();
    const withController = new eks.Cluster(stack2, 'Own', {
      version: eks.KubernetesVersion.V1_36,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      albController: { version: eks.AlbControllerVersion.V2_17_1 },
      kubectlProviderOptions: { kubectlLayer: new (require('@aws-cdk/lambda-layer-kubectl-v36').KubectlV36Layer)(stack2, 'Layer') },
    });
    const { template } = build({ cluster: withController, waitForRollout: false }, stack2);
    const helm = Object.entries(template.findResources('Custom::AWSCDK-EKS-HelmChart')).filter(([, r]: any) => r.Properties.Chart === 'aws-load-balancer-controller');
    expect(helm).toHaveLength(1);
    expect(bindingOf(template).dependsOn).toContain(helm[0]![0]);
  });

  it('passes a deploy-time app port through to the target group and the security group rule', () => {
    const stack = testStack();
    const port = new CfnParameter(stack, 'AppPort', { type: 'Number' }).valueAsNumber;
    const { template } = build({ app: { name: 'web', source: IMAGE, port } }, stack);
    expect(onlyTargetGroup(template).Properties.Port).toEqual({ Ref: 'AppPort' });
    const cluster = logicalId(template, 'AWS::EKS::Cluster');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: { 'Fn::GetAtt': [cluster, 'ClusterSecurityGroupId'] }, FromPort: { Ref: 'AppPort' }, ToPort: { Ref: 'AppPort' } });
  });
});

/** The binding as applied, its target group ARN replaced by a placeholder. */
function bindingObject(template: Template) {
  const raw = bindingOf(template).raw;
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '__TG__')).join('');
  return JSON.parse(text)[0];
}
/** The chart's objects exactly as the manifest resource applies them, in order. */
function appliedChart(template: Template): any[] {
  const raw = chartOf(template).raw;
  expect(typeof raw).toBe('string'); // no deploy-time value in these charts
  return JSON.parse(raw);
}
const podSpec = (objects: any[]) => objects.find((o) => o.kind === 'Deployment').spec.template.spec;
const namespaceObject = (objects: any[]) => objects.find((o) => o.kind === 'Namespace');

describe('the pod readiness gate: a new pod is Ready only once the load balancer sees it healthy (no 502/503 mid-rollout)', () => {
  it('node group: the pod template declares the controller\'s gate for this binding, the namespace opts in to its webhook first, the manifests stay schema-valid', async () => {
    const { template, service } = build();
    const applied = appliedChart(template);
    const binding = bindingObject(template);
    // the condition the AWS Load Balancer Controller sets: target-health.elbv2.k8s.aws/<TargetGroupBinding name>
    expect(podSpec(applied).readinessGates).toEqual([{ conditionType: `target-health.elbv2.k8s.aws/${binding.metadata.name}` }]);
    expect(binding.metadata.name).toBe('web');
    expect(POD_READINESS_GATE.controller.conditionTypePrefix).toBe('target-health.elbv2.k8s.aws/');
    // the binding and the pods are in the namespace that carries the webhook's label
    expect(binding.metadata.namespace).toBe(namespaceObject(applied).metadata.name);
    expect(namespaceObject(applied).metadata.labels).toMatchObject({ 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled', 'app.kubernetes.io/name': 'web' });
    // kubectl applies the list in order: the label exists before any pod of the Deployment is created
    expect(applied.findIndex((o) => o.kind === 'Namespace')).toBe(0);
    expect(applied.findIndex((o) => o.kind === 'Deployment')).toBeGreaterThan(0);
    // the chart object (also `service.chart`) says the same; the applied copy only adds eks-v2's prune label
    expect(podSpec(service.chart.toJson())).toEqual(podSpec(applied));
    expect(await validateManifests(applied)).toEqual([]);
  });

  it('node group: the rollout check waits for the binding, which registers the new pods and so makes them Ready', () => {
    const { template } = build();
    const checks = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesObjectValue')) as any[];
    expect(checks).toHaveLength(1);
    expect(checks[0].DependsOn).toContain(bindingOf(template).id);
    expect(checks[0].DependsOn).toContain(chartOf(template).id);
  });

  it('node group in the namespace `default` (not the chart\'s to label): the gate is still declared in the pod template', async () => {
    const { template } = build({ chart: { kubernetesNamespace: 'default' } });
    const applied = appliedChart(template);
    expect(namespaceObject(applied)).toBeUndefined();
    expect(podSpec(applied).readinessGates).toEqual([{ conditionType: `target-health.elbv2.k8s.aws/${bindingObject(template).metadata.name}` }]);
    expect(bindingObject(template).metadata.namespace).toBe('default');
    expect(await validateManifests(applied)).toEqual([]);
  });

  it('Auto Mode: the namespace carries Auto Mode\'s opt-in label and Auto Mode injects its gate; no controller gate is declared', async () => {
    const { template } = build({ clusterProps: { capacity: NodeCapacity.autoMode() } });
    const applied = appliedChart(template);
    expect(namespaceObject(applied).metadata.labels).toMatchObject({ 'eks.amazonaws.com/pod-readiness-gate-inject': 'enabled' });
    expect(namespaceObject(applied).metadata.labels).not.toHaveProperty(POD_READINESS_GATE.controller.injectLabel);
    expect(podSpec(applied).readinessGates).toBeUndefined();
    expect(await validateManifests(applied)).toEqual([]);
  });

  it('Auto Mode in the namespace `default`: nothing to label, and a warning says the pods get no gate', () => {
    const stack = testStack();
    const { template } = build({ clusterProps: { capacity: NodeCapacity.autoMode() }, chart: { kubernetesNamespace: 'default' } }, stack);
    expect(podSpec(appliedChart(template)).readinessGates).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('/Test/Service', Match.stringLikeRegexp("eks.amazonaws.com/pod-readiness-gate-inject: enabled, and the chart does not create \\(so cannot label\\) the namespace 'default'"));
  });

  it('podReadinessGate: false, or no load balancer: no gate and no label (nothing would set the condition)', () => {
    for (const exposure of [ServiceExposure.loadBalancer({ podReadinessGate: false }), ServiceExposure.clusterIp()]) {
      const { template } = build({ exposure });
      const applied = appliedChart(template);
      expect(podSpec(applied).readinessGates).toBeUndefined();
      expect(Object.keys(namespaceObject(applied).metadata.labels).filter((k) => k.includes('readiness'))).toEqual([]);
      expect(chartOf(template).text).not.toContain('readiness-gate-inject');
    }
  });
});

describe('ServiceExposure.clusterIp(): inside the cluster only', () => {
  it('creates no load balancer, binding or controller; the URL is the Service\'s cluster DNS name; the metrics say why there are none', () => {
    const { template, service } = build({ exposure: ServiceExposure.clusterIp() });
    expect(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')).toEqual({});
    expect(manifests(template).filter((m) => m.text.includes('TargetGroupBinding'))).toEqual([]);
    expect(service.loadBalancerController).toBeUndefined();
    expect(service.url).toBe('http://web.web.svc.cluster.local');
    for (const metric of [() => service.metricRequests(), () => service.metricErrors(), () => service.metricLatency()]) {
      expect(orchestrationErrorFrom(metric).message).toMatch(/^Test\/Service: exposure \("ServiceExposure.clusterIp\(\)"\) publishes no request metrics \(metric\w+\(\)\)/);
    }
    // a grant still works: the pods' own role
    const stack = testStack();
    const inCluster = new ContainerService(stack, 'Service', { app: { name: 'web', source: IMAGE }, exposure: ServiceExposure.clusterIp() });
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    table.grantReadData(inCluster);
    const policy = Object.values(templateOf(stack).findResources('AWS::IAM::Policy')).find((p: any) => JSON.stringify(p.Properties.PolicyDocument).includes('dynamodb:GetItem')) as any;
    expect(policy.Properties.Roles).toEqual([{ Ref: stack.getLogicalId(inCluster.podRole.node.defaultChild as any) }]);
  });
});

describe('ServiceExposure rejects bad input with the library\'s error', () => {
  const message = (props: Record<string, unknown>) => orchestrationErrorFrom(() => new ContainerService(testStack('Bad'), 'Service', { app: { source: IMAGE }, ...props } as ContainerServiceProps)).message;

  it('an object literal instead of the class', () => {
    expect(message({ exposure: { internetFacing: false } })).toBe('Bad/Service: exposure ({"internetFacing":false}) must be made with ServiceExposure.loadBalancer() or ServiceExposure.clusterIp()');
    expect(message({ exposure: 'clusterIp' })).toBe('Bad/Service: exposure ("clusterIp") must be made with ServiceExposure.loadBalancer() or ServiceExposure.clusterIp()');
  });

  it('the factory\'s options: unknown, wrong type, contradictory', () => {
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ internetfacing: false } as never)).message).toMatch(/^ServiceExposure\.loadBalancer\(options\)\.internetfacing \(false\) is not a known prop: did you mean ServiceExposure\.loadBalancer\(options\)\.internetFacing\?/);
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ internetFacing: 'no' as never })).message).toBe('ServiceExposure.loadBalancer(options).internetFacing ("no") must be a boolean');
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ accessLogs: 1 as never })).message).toBe('ServiceExposure.loadBalancer(options).accessLogs (1) must be a boolean');
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ accessLogsRemovalPolicy: 'gone' as never })).message).toMatch(/^ServiceExposure\.loadBalancer\(options\)\.accessLogsRemovalPolicy \("gone"\) must be one of "destroy", "retain"/);
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ podReadinessGate: 'yes' as never })).message).toBe('ServiceExposure.loadBalancer(options).podReadinessGate ("yes") must be a boolean');
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ podReadinessgate: false } as never)).message).toMatch(/^ServiceExposure\.loadBalancer\(options\)\.podReadinessgate \(false\) is not a known prop: did you mean ServiceExposure\.loadBalancer\(options\)\.podReadinessGate\?/);
    expect(message({ exposure: Object.assign(ServiceExposure.loadBalancer(), { loadBalancerOptions: { podReadinessGate: 0 } }) })).toBe('Bad/Service: exposure.podReadinessGate (0) must be a boolean');
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ accessLogs: false, accessLogsRemovalPolicy: RemovalPolicy.DESTROY })).message).toBe('ServiceExposure.loadBalancer(options).accessLogsRemovalPolicy ("destroy") only applies with ServiceExposure.loadBalancer(options).accessLogs (it is false)');
  });

  it('a node-group cluster told not to install the controller', () => {
    expect(message({ clusterProps: { albController: false } })).toMatch(/^Bad\/Service: clusterProps\.albController \(false\) must not be false with ServiceExposure\.loadBalancer\(\) on a node group/);
    expect(() => new ContainerService(testStack(), 'Service', { app: { source: IMAGE }, clusterProps: { albController: false }, exposure: ServiceExposure.clusterIp() })).not.toThrow();
  });
});
