import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as cdk8s from 'cdk8s';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { adminArnsFromContext, ContainerSampleStack } from '../../apps/container-stack';
import { ENVIRONMENT_SIZES, sampleStackName } from '../../lib/environments';
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
