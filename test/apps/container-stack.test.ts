import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as cdk8s from 'cdk8s';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { adminArnsFromContext, ContainerSampleStack } from '../../apps/container-stack';
import { TLS_POLICY } from '../../constructs/shared/domain';
import { ENVIRONMENT_SIZES, type ProductionSettings, sampleStackName } from '../../lib/environments';
import { SCHEMA_SOURCE, validateManifests } from '../../scripts/k8s-schema';
import { writeManifests } from '../../scripts/manifests';
import { onlyResource, templateOf, testApp } from '../helpers';

// The sample stack is synthesized once for the whole file (an EKS stack is the slowest synth).
describe('ContainerSampleStack', () => {
  let stack: ContainerSampleStack;
  let template: Template;
  let deployment: any;
  beforeAll(() => {
    const app = testApp();
    stack = new ContainerSampleStack(app, sampleStackName('Container', 'dev'), { sizes: ENVIRONMENT_SIZES.dev });
    template = templateOf(stack);
    deployment = stack.service.chart.toJson().find((o: any) => o.kind === 'Deployment');
  });

  // Issue 12, defect 1: without -c adminRoleArn nobody who deploys can use kubectl; the synth says so.
  it('without -c adminRoleArn: only the kubectl handler has an access entry, and an info message says who gets Unauthorized', () => {
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')) as any[];
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries[0].Properties.PrincipalArn)).toMatch(/Kubectl|Handler/i);
    const warnings = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('No cluster admin named'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.entry.data)).toContain('get "Unauthorized"');
    expect(String(warnings[0]!.entry.data)).toContain('-c adminRoleArn=arn:aws:iam::ACCOUNT:role/PATH/NAME');
  });

  it('-c adminRoleArn takes one or more comma-separated ARNs', () => {
    expect(adminArnsFromContext('arn:aws:iam::123456789012:role/a/b/Admin, arn:aws:iam::123456789012:user/jane')).toEqual(['arn:aws:iam::123456789012:role/a/b/Admin', 'arn:aws:iam::123456789012:user/jane']);
    expect(adminArnsFromContext(undefined)).toBeUndefined();
  });

  // Issue 12, defect 2: the sample's Deployment leaves its replica count to the HPA.
  it('renders no spec.replicas on the Deployment (the HPA owns it)', () => {
    expect(deployment.spec).not.toHaveProperty('replicas');
  });

  // The whole stack's snapshot is `container matches its snapshot` in test/apps/sample-stacks.test.ts.
  it('matches the rollout fragment snapshot (strategy, probes, grace period, rollout check)', () => {
    const check = onlyResource(template, 'Custom::AWSCDK-EKS-KubernetesObjectValue').Properties;
    expect({
      strategy: deployment.spec.strategy,
      progressDeadlineSeconds: deployment.spec.progressDeadlineSeconds,
      minReadySeconds: deployment.spec.minReadySeconds,
      terminationGracePeriodSeconds: deployment.spec.template.spec.terminationGracePeriodSeconds,
      readinessProbe: deployment.spec.template.spec.containers[0].readinessProbe,
      readinessGates: deployment.spec.template.spec.readinessGates,
      check: { JsonPath: check.JsonPath, TimeoutSeconds: check.TimeoutSeconds },
    }).toMatchSnapshot();
  });

  it('makes each new pod wait for a healthy target before the rollout counts it (the binding its readiness gate names)', () => {
    // The binding as the template applies it: its manifest is joined with the target group's ARN.
    const bindings = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .map((r: any) => r.Properties.Manifest)
      .map((m: any) => (typeof m === 'string' ? m : m['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'arn')).join('')))
      .flatMap((text: string) => JSON.parse(text))
      .filter((o: any) => o.kind === 'TargetGroupBinding');
    expect(bindings).toHaveLength(1);
    expect(deployment.spec.template.spec.readinessGates).toEqual([{ conditionType: `target-health.elbv2.k8s.aws/${bindings[0].metadata.name}` }]);
    expect(bindings[0].metadata.namespace).toBe(deployment.metadata.namespace);
  });

  it('has the outputs the CLI and the README use', () => {
    const outputs = template.toJSON().Outputs;
    for (const o of ['Style', 'Url', 'ClusterName', 'NodegroupName', 'Namespace', 'DeploymentName', 'RepositoryUri', 'Region', 'ConfigureKubectlCommand']) {
      expect(outputs[o], o).toBeDefined();
    }
    expect(outputs.Style.Value).toBe('container');
    expect(outputs.Namespace.Value).toBe('sample-app');
    expect(outputs.DeploymentName.Value).toBe('sample-app');
    expect(JSON.stringify(outputs.ConfigureKubectlCommand.Value)).toContain('aws eks update-kubeconfig --name');
  });

  it('shows the acceptance settings in the template', () => {
    const repo = onlyResource(template, 'AWS::ECR::Repository').Properties;
    expect(repo).toMatchObject({ ImageScanningConfiguration: { ScanOnPush: true }, ImageTagMutability: 'IMMUTABLE', EmptyOnDelete: true });
    expect(repo.LifecyclePolicy).toBeDefined();
    const cluster = onlyResource(template, 'AWS::EKS::Cluster').Properties;
    expect(cluster.Logging.ClusterLogging.EnabledTypes.map((t: any) => t.Type)).toEqual(expect.arrayContaining(['api', 'audit']));
    expect(cluster.EncryptionConfig[0].Resources).toEqual(['secrets']);
    expect(cluster.Version).toBe('1.36');
    const ng = onlyResource(template, 'AWS::EKS::Nodegroup').Properties;
    expect(ng.ScalingConfig).toMatchObject({ MinSize: 3, MaxSize: 10 });
    expect(ng.AmiType).not.toMatch(/^AL2_/);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const manifests = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).map((r: any) => JSON.stringify(r.Properties.Manifest));
    const manifest = manifests.find((m) => m.includes('Deployment'))!;
    // issue 12 item 7: no Service of type LoadBalancer (Kubernetes would create a load balancer outside CloudFormation)
    expect(manifests.join('')).not.toContain('\\"LoadBalancer\\"');
    expect(manifests.some((m) => m.includes('\\"kind\\":\\"TargetGroupBinding\\"'))).toBe(true);
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ConfigMap']) expect(manifest).toContain(`\\"kind\\":\\"${kind}\\"`);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 3, maxUnavailable: 0 });
    const addons = Object.values(template.findResources('AWS::EKS::Addon')).map((a: any) => a.Properties.AddonName);
    expect(addons).toContain('metrics-server');
  });

  it('passes the cdk-nag AwsSolutions pack with every finding acknowledged where it arises', () => {
    const app = testApp();
    const s = new ContainerSampleStack(app, 'Nag', { sizes: ENVIRONMENT_SIZES.dev });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    void s;
  });
});

describe('npm run manifests (plain YAML for any cluster)', () => {
  it('writes the sample chart as YAML that passes the Kubernetes schema validation', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true })); // pass or fail
    const file = await writeManifests(dir, 'sample-app:local');
    const docs = cdk8s.Yaml.load(file);
    expect(docs.map((d: any) => d.kind)).toEqual(['Namespace', 'ConfigMap', 'ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
    expect(await validateManifests(docs)).toEqual([]);
    expect(SCHEMA_SOURCE).toEqual({ package: 'kubernetes-models', version: '5.1.0', kubernetes: '1.36.0' });
    const d = docs.find((x: any) => x.kind === 'Deployment');
    expect(d.spec.template.spec.containers[0].image).toBe('sample-app:local');
    expect(d.spec.template.spec.containers[0].env[0].value).toMatch(/^[0-9a-f]{12}$/); // APP_VERSION from the source fingerprint
    expect(fs.readFileSync(file, 'utf8')).not.toContain('${Token');
  });

  it('writes into a git-ignored folder that is not the build output', () => {
    const root = path.resolve(__dirname, '../..');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('manifests/');
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.manifests).toBe('node --import tsx scripts/manifests.ts');
  });
});

// Issue 14: what prod changes (and dev keeps).
const PRODUCTION: ProductionSettings = { domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', alarmEmail: 'ops@example.com', monthlyBudgetUsd: 500 };

function prodStack(production: ProductionSettings & { readonly teardown?: boolean } = PRODUCTION) {
  const app = testApp();
  const stack = new ContainerSampleStack(app, sampleStackName('Container', 'prod'), { sizes: ENVIRONMENT_SIZES.prod, production });
  return { app, stack, template: templateOf(stack) };
}

describe('ContainerSampleStack in prod (production settings) and dev', () => {
  let prod: Template;
  let prodStackRef: ContainerSampleStack;
  let dev: Template;
  beforeAll(() => {
    ({ template: prod, stack: prodStackRef } = prodStack());
    dev = templateOf(new ContainerSampleStack(testApp(), sampleStackName('Container', 'dev'), { sizes: ENVIRONMENT_SIZES.dev }));
  });

  it('prod: EKS Auto Mode nodes (scaled by Auto Mode in every AZ of the private subnets), a NAT gateway per AZ; dev: the node group and one NAT instance', () => {
    const cluster = onlyResource(prod, 'AWS::EKS::Cluster').Properties;
    expect(cluster.ComputeConfig).toMatchObject({ Enabled: true, NodePools: ['system', 'general-purpose'] });
    prod.resourceCountIs('AWS::EKS::Nodegroup', 0);
    expect(cluster.ResourcesVpcConfig.SubnetIds).toHaveLength(2);
    prod.resourceCountIs('AWS::EC2::NatGateway', 2);
    expect(Object.keys(prod.findResources('AWS::EC2::Instance'))).toHaveLength(0);
    expect(onlyResource(dev, 'AWS::EKS::Cluster').Properties.ComputeConfig).toEqual({ Enabled: false });
    expect(onlyResource(dev, 'AWS::EKS::Nodegroup').Properties.ScalingConfig).toMatchObject({ MinSize: 3, MaxSize: 10 });
    dev.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(Object.keys(dev.findResources('AWS::EC2::Instance'))).toHaveLength(1);
  });

  it('prod: the Kubernetes API endpoint is private (public only to -c eksApiCidrs when given); dev: public', () => {
    expect(onlyResource(prod, 'AWS::EKS::Cluster').Properties.ResourcesVpcConfig).toMatchObject({ EndpointPublicAccess: false, EndpointPrivateAccess: true });
    expect(onlyResource(dev, 'AWS::EKS::Cluster').Properties.ResourcesVpcConfig).toMatchObject({ EndpointPublicAccess: true, EndpointPrivateAccess: true });
    const restricted = prodStack({ ...PRODUCTION, eksApiCidrs: ['203.0.113.0/24'] }).template;
    expect(onlyResource(restricted, 'AWS::EKS::Cluster').Properties.ResourcesVpcConfig).toMatchObject({ EndpointPublicAccess: true, PublicAccessCidrs: ['203.0.113.0/24'] });
  });

  it('prod: https://container.<domain> (TLS policy, 80 redirected), the alias record in the imported zone, deletion protection; dev: HTTP at the load balancer name', () => {
    const listeners = Object.values(prod.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l: any) => l.Properties);
    expect(listeners.map((l) => [l.Port, l.Protocol, l.DefaultActions[0].Type]).sort()).toEqual([[443, 'HTTPS', 'forward'], [80, 'HTTP', 'redirect']]);
    expect(listeners.find((l) => l.Port === 443).SslPolicy).toBe(TLS_POLICY);
    expect(onlyResource(prod, 'AWS::Route53::RecordSet').Properties).toMatchObject({ Name: 'container.example.com.', Type: 'A', HostedZoneId: 'Z0EXAMPLE' });
    expect(prodStackRef.service.url).toBe('https://container.example.com');
    expect(onlyResource(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'true' });
    const devListeners = Object.values(dev.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l: any) => l.Properties);
    expect(devListeners.map((l) => [l.Port, l.Protocol])).toEqual([[80, 'HTTP']]);
    dev.resourceCountIs('AWS::Route53::RecordSet', 0);
    dev.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(onlyResource(dev, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
  });

  it('prod: alarms to the encrypted alarm topic (e-mail subscribed), a dashboard, year-long flow logs encrypted with the logs key, a versioned access log bucket, a budget; dev: none', () => {
    const alarms = Object.values(prod.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms).toHaveLength(2);
    const topicId = Object.keys(prod.findResources('AWS::SNS::Topic'))[0]!;
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(onlyResource(prod, 'AWS::SNS::Topic').Properties.KmsMasterKeyId).toBeDefined();
    expect(onlyResource(prod, 'AWS::SNS::Subscription').Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.com' });
    prod.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    prod.resourceCountIs('AWS::Budgets::Budget', 1);
    const groups = Object.entries(prod.findResources('AWS::Logs::LogGroup')) as [string, any][];
    const flowLogs = groups.find(([id]) => /FlowLogs/.test(id))![1].Properties;
    expect(flowLogs.RetentionInDays).toBe(365);
    for (const [, g] of groups) {
      expect(g.Properties.KmsKeyId, 'every log group encrypted').toBeDefined();
      expect(g.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
    }
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::Budgets::Budget', 'AWS::SNS::Topic']) dev.resourceCountIs(type, 0);
    expect(onlyResource(prod, 'AWS::S3::Bucket').Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(onlyResource(dev, 'AWS::S3::Bucket').Properties.VersioningConfiguration).toBeUndefined();
    expect((Object.entries(dev.findResources('AWS::Logs::LogGroup')) as [string, any][]).find(([id]) => /FlowLogs/.test(id))![1].Properties).toEqual({ RetentionInDays: 30 });
  });

  it('-c teardown=true: the same template as prod but for the load balancer\'s deletion protection (so cdk destroy can delete it)', () => {
    const teardown = prodStack({ ...PRODUCTION, teardown: true }).template.toJSON();
    const lbId = Object.keys(prod.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0]!;
    const attrs = teardown.Resources[lbId].Properties.LoadBalancerAttributes;
    expect(attrs).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
    attrs.find((a: any) => a.Key === 'deletion_protection.enabled').Value = 'true';
    expect(teardown).toEqual(prod.toJSON());
  });
});
