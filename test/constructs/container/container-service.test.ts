import { App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContainerService, NodeCapacity } from '../../../constructs/container';
import { OrchestrationError } from '../../../lib/errors';
import { onlyResource, SAMPLE_APP_DIR, templateOf, testStack } from '../../helpers';
import { AppSecret, AppSource } from '../../../lib/app';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';

// One stack with secrets serves the assertions on the service; the cluster itself is tested in app-cluster.test.ts.
/** The manifest resource that applies the chart, with its logical ID (the other one is the TargetGroupBinding). */
function chartManifest(template: Template): [string, any] {
  const found = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter(([, r]: any) => JSON.stringify(r.Properties.Manifest).includes('Deployment'));
  expect(found).toHaveLength(1);
  return found[0] as [string, any];
}

describe('ContainerService', () => {
  let template: Template;
  let service: ContainerService;
  let manifest: string;
  beforeAll(() => {
    const stack = testStack();
    service = new ContainerService(stack, 'Service', {
      app: { name: 'web', source: AppSource.fromDirectory(SAMPLE_APP_DIR), secrets: { DB_PASSWORD: AppSecret.fromSecretArn(secretArn) } },
    });
    template = templateOf(stack);
    manifest = JSON.stringify(chartManifest(template)[1].Properties.Manifest);
  });

  it('applies the chart through the cluster (addCdk8sChart), with the image built for the nodes\' architecture', () => {
    expect(manifest).toContain('\\"kind\\":\\"Deployment\\"');
    expect(manifest).toContain('\\"kind\\":\\"HorizontalPodAutoscaler\\"');
    expect(service.imageAsset).toBeDefined();
    expect(service.appCluster!.nodeArchitecture).toBe(ec2.InstanceArchitecture.ARM_64);
    const assembly = App.of(service)!.synth() as any;
    const assets = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${service.cluster.stack.artifactId}.assets.json`), 'utf8'));
    const images = Object.values(assets.dockerImages) as any[];
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ platform: 'linux/arm64' });
    expect(manifest).toContain(service.imageAsset!.assetHash);
  });

  it('gives the pods (EKS Pod Identity) read access to exactly their secret, with no value in the manifest', () => {
    const assoc = onlyResource(template, 'AWS::EKS::PodIdentityAssociation').Properties;
    expect(assoc).toMatchObject({ Namespace: 'web', ServiceAccount: 'web' });
    const role = Object.values(template.findResources('AWS::IAM::Role')).find((r: any) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('pods.eks.amazonaws.com'),
    ) as any;
    const actions = role.Properties.AssumeRolePolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['sts:AssumeRole', 'sts:TagSession']));
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p: any) => JSON.stringify(p.Properties));
    expect(policies.some((p) => p.includes('secretsmanager:GetSecretValue') && p.includes(secretArn))).toBe(true);
    expect(manifest).toContain(`secretsmanager:${secretArn}`);
    expect(manifest).not.toContain('\\"kind\\":\\"Secret\\"');
    expect(manifest).toContain('AWS_REGION');
  });

  it('waits for the rollout and re-checks it on every manifest change', () => {
    const check = onlyResource(template, 'Custom::AWSCDK-EKS-KubernetesObjectValue');
    expect(check.Properties).toMatchObject({
      ObjectType: 'deployment',
      ObjectName: 'web',
      ObjectNamespace: 'web',
      JsonPath: '.status.conditions[?(@.reason=="NewReplicaSetAvailable")].type',
      TimeoutSeconds: 660,
    });
    expect(check.Properties.Revision).toMatch(/^[0-9a-f]{16}$/);
    const manifestId = chartManifest(template)[0];
    expect(check.DependsOn).toContain(manifestId);
  });

  it('applies the manifest after metrics-server and the node group', () => {
    const deps: string[] = chartManifest(template)[1].DependsOn;
    const addon = Object.entries(template.findResources('AWS::EKS::Addon')).find(([, a]: any) => a.Properties.AddonName === 'metrics-server')![0];
    const ng = Object.keys(template.findResources('AWS::EKS::Nodegroup'))[0]!;
    expect(deps).toEqual(expect.arrayContaining([addon, ng]));
  });
});

describe('ContainerService options and bad input', () => {
  it('runs a given image on a given cluster, without a rollout wait (and migrates an existing Deployment\'s replicas to the HPA)', () => {
    const stack = testStack();
    const cluster = new eks.Cluster(stack, 'Own', {
      version: eks.KubernetesVersion.V1_36,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      kubectlProviderOptions: { kubectlLayer: new (require('@aws-cdk/lambda-layer-kubectl-v36').KubectlV36Layer)(stack, 'Layer') },
    });
    const service = new ContainerService(stack, 'Service', { app: { source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 80 }, cluster, waitForRollout: false, migrateReplicasToHpa: true });
    expect(service.imageAsset).toBeUndefined();
    expect(service.imageUri).toBe('public.ecr.aws/nginx/nginx:1.27');
    const t = templateOf(stack);
    t.resourceCountIs('Custom::AWSCDK-EKS-KubernetesObjectValue', 0);
    // the pods always get a role (the service's grantPrincipal), secrets or not
    t.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    expect(service.grantPrincipal).toBe(service.podRole);
    // Issue 12, defect 2 (the first update of a chart applied with spec.replicas): before the chart, the
    // Deployment's last applied configuration loses spec.replicas, so kubectl apply does not set 1 replica.
    const [patchId, patch] = Object.entries(t.findResources('Custom::AWSCDK-EKS-KubernetesPatch'))[0] as [string, any];
    expect(patch.Properties.ResourceName).toBe(`deployment/${service.deploymentName}`);
    expect(patch.Properties.ResourceNamespace).toBe(service.kubernetesNamespace);
    expect(patch.Properties.PatchType).toBe('merge');
    const applied = JSON.parse(JSON.parse(patch.Properties.ApplyPatchJson).metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(applied).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: service.deploymentName, namespace: service.kubernetesNamespace } });
    expect(patch.DeletionPolicy).toBe('Retain'); // a Delete would patch a Deployment that may be gone
    expect(chartManifest(t)[1].DependsOn).toContain(patchId);
  });

  it('on an Auto Mode cluster: a ClusterIP Service (no Auto Mode NLB), no Pod Identity add-on (built into its nodes), an x86 image', () => {
    const stack = testStack();
    const service = new ContainerService(stack, 'Service', {
      app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), secrets: { TOKEN: AppSecret.fromParameterName('/app/token') } },
      clusterProps: { capacity: NodeCapacity.autoMode() },
    });
    const t = templateOf(stack);
    const addons = Object.values(t.findResources('AWS::EKS::Addon')).map((a: any) => a.Properties.AddonName);
    expect(addons).toEqual(['metrics-server']);
    t.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    const svc = service.chart.toJson().find((o: any) => o.kind === 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.loadBalancerClass).toBeUndefined();
    expect(service.appCluster!.nodeArchitecture).toBe(ec2.InstanceArchitecture.X86_64);
  });

  it('with clusterProps.albController: the cluster\'s controller (no second one), the chart applied after it', () => {
    const stack = testStack();
    const service = new ContainerService(stack, 'Service', {
      app: { source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 80 },
      clusterProps: { albController: true },
    });
    const t = templateOf(stack);
    expect(service.loadBalancerController).toBeUndefined();
    const helm = Object.entries(t.findResources('Custom::AWSCDK-EKS-HelmChart')).filter(([, r]: any) => r.Properties.Chart === 'aws-load-balancer-controller');
    expect(helm).toHaveLength(1);
    expect(chartManifest(t)[1].DependsOn).toContain(helm[0]![0]);
  });

  it('rejects cluster and clusterProps together, and chart bad input with the service path', () => {
    const stack = testStack();
    expect(() => new ContainerService(stack, 'A', { app: { source: AppSource.fromImage('x:1') }, cluster: {} as eks.Cluster, clusterProps: {} })).toThrow(OrchestrationError);
    expect(() => new ContainerService(testStack(), 'B', { app: { source: AppSource.fromImage('x:1'), replicas: { min: 0 } } })).toThrow(/app\.replicas\.min \(0\) must be at least 1/);
    expect(() => new ContainerService(testStack(), 'C', { app: { source: AppSource.fromImage('x:1') }, clusterProps: { capacity: 'nodegroup' as never } })).toThrow(
      'Test/C: clusterProps.capacity ("nodegroup") must be made with NodeCapacity.nodegroup() or NodeCapacity.autoMode()',
    );
  });
});
