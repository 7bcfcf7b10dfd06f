import { Size } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { TODAY_CONTEXT_KEY } from '../../../constructs/container/kubernetes-version';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppCluster, type AppClusterProps, NodeCapacity, NodeOs, SUPPORTED_KUBERNETES_VERSIONS } from '../../../constructs/container';
import { onlyResource, templateOf, testStack, orchestrationErrorFrom } from '../../helpers';

function build(props: AppClusterProps = {}, today?: string) {
  const stack = testStack('Test', today ? { [TODAY_CONTEXT_KEY]: today } : {});
  const cluster = new AppCluster(stack, 'Cluster', props);
  return { stack, cluster, template: templateOf(stack) };
}
function expectError(fn: () => unknown, ...parts: string[]) {
  const e = orchestrationErrorFrom(fn);
  for (const p of parts) expect(e.message).toContain(p);
}

const SSO_ROLE = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef';

// One synth of the default cluster serves every assertion on it.
describe('AppCluster (defaults)', () => {
  let template: Template;
  let cluster: AppCluster;
  let props: any;
  beforeAll(() => {
    const stack = testStack();
    cluster = new AppCluster(stack, 'Cluster', { adminPrincipalArn: 'arn:aws:iam::123456789012:role/Admin' });
    cluster.addClusterAdmin(SSO_ROLE); // a role ARN with a path (IAM Identity Center's)
    template = templateOf(stack);
    props = onlyResource(template, 'AWS::EKS::Cluster').Properties;
  });

  it('runs Kubernetes 1.36 (EKS standard support) with its kubectl layer', () => {
    expect(props.Version).toBe('1.36');
    expect(cluster.version).toBe('1.36');
    const layers = Object.values(template.findResources('AWS::Lambda::LayerVersion')) as any[];
    expect(layers.some((l) => /kubectl/i.test(l.Properties.Description ?? ''))).toBe(true);
  });

  it('logs api, audit and authenticator (cdk-nag EKS2 does not check eks-v2)', () => {
    expect(props.Logging.ClusterLogging.EnabledTypes).toEqual([{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }]);
  });

  it('envelope-encrypts Secrets with a rotating KMS key', () => {
    expect(props.EncryptionConfig).toHaveLength(1);
    expect(props.EncryptionConfig[0].Resources).toEqual(['secrets']);
    const keyId = props.EncryptionConfig[0].Provider.KeyArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
  });

  it('sets the endpoint access explicitly (cdk-nag EKS1 does not check eks-v2)', () => {
    expect(props.ResourcesVpcConfig.EndpointPrivateAccess).toBe(true);
    expect(props.ResourcesVpcConfig.EndpointPublicAccess).toBe(true);
  });

  it('places the control plane and the nodes in private subnets of a network with one NAT instance', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 1);
    const subnets = template.findResources('AWS::EC2::Subnet');
    const isPrivate = (ref: any) => subnets[ref.Ref]!.Properties.MapPublicIpOnLaunch === false && /private/i.test(ref.Ref);
    expect(props.ResourcesVpcConfig.SubnetIds.every(isPrivate)).toBe(true);
    const ng = onlyResource(template, 'AWS::EKS::Nodegroup').Properties;
    expect(ng.Subnets.every(isPrivate)).toBe(true);
  });

  it('has a managed node group of 3..10 AL2023 Graviton nodes (not the AL2 default)', () => {
    const ng = onlyResource(template, 'AWS::EKS::Nodegroup').Properties;
    expect(ng.AmiType).toBe('AL2023_ARM_64_STANDARD');
    expect(ng.ScalingConfig).toMatchObject({ MinSize: 3, MaxSize: 10 });
    expect(ng.InstanceTypes).toEqual(['t4g.medium']);
    expect(ng.NodeRepairConfig).toEqual({ Enabled: true });
    expect(cluster.nodeArchitecture).toBe(ec2.InstanceArchitecture.ARM_64);
    expect(cluster.capacity.isAutoMode).toBe(false);
  });

  it('requires IMDSv2 out of pods\' reach (hop limit 1) and encrypts the node disks', () => {
    const lt = onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(lt.BlockDeviceMappings[0]).toMatchObject({ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 20 } });
  });

  it('installs metrics-server (for the HPA) and the Pod Identity agent', () => {
    const addons = Object.values(template.findResources('AWS::EKS::Addon')).map((a: any) => a.Properties.AddonName).sort();
    expect(addons).toEqual(['eks-pod-identity-agent', 'metrics-server']);
  });

  it('gives a role ARN with a path its own access entry, path kept (access entries accept paths)', () => {
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((e: any) => e.Properties);
    const entry = entries.find((e) => e.PrincipalArn === SSO_ROLE);
    expect(JSON.stringify(entry?.AccessPolicies)).toContain('AmazonEKSClusterAdminPolicy');
  });

  it('gives the admin principal an access entry with cluster-admin', () => {
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((e: any) => e.Properties);
    const entry = entries.find((e) => e.PrincipalArn === 'arn:aws:iam::123456789012:role/Admin');
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry.AccessPolicies)).toContain('AmazonEKSClusterAdminPolicy');
    expect(onlyResource(template, 'AWS::EKS::Cluster').Properties.AccessConfig.AuthenticationMode).toBe('API');
  });
});

describe('AppCluster options', () => {
  it('Auto Mode: no node group, compute managed by EKS', () => {
    const { template, cluster } = build({ capacity: NodeCapacity.autoMode() });
    template.resourceCountIs('AWS::EKS::Nodegroup', 0);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    const props = onlyResource(template, 'AWS::EKS::Cluster').Properties;
    expect(props.ComputeConfig).toMatchObject({ Enabled: true, NodePools: ['system', 'general-purpose'] });
    expect(cluster.nodeArchitecture).toBe(ec2.InstanceArchitecture.X86_64);
    expect(cluster.nodegroup).toBeUndefined();
    expect(cluster.amiType).toBeUndefined();
  });

  it('Bottlerocket on x86, a private endpoint, extra logs and the ALB controller', () => {
    const { template } = build({
      capacity: NodeCapacity.nodegroup({ nodeOs: NodeOs.BOTTLEROCKET, instanceTypes: [new ec2.InstanceType('m7i.large')], podImdsAccess: true }),
      endpointAccess: eks.EndpointAccess.PRIVATE,
      clusterLogging: [eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR, eks.ClusterLoggingTypes.SCHEDULER],
      albController: true,
    });
    expect(onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit).toBe(2);
    expect(onlyResource(template, 'AWS::EKS::Nodegroup').Properties.AmiType).toBe('BOTTLEROCKET_x86_64');
    expect(onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.BlockDeviceMappings[0].DeviceName).toBe('/dev/xvdb');
    const props = onlyResource(template, 'AWS::EKS::Cluster').Properties;
    expect(props.ResourcesVpcConfig).toMatchObject({ EndpointPrivateAccess: true, EndpointPublicAccess: false });
    expect(props.Logging.ClusterLogging.EnabledTypes).toHaveLength(4);
    expect(JSON.stringify(template.toJSON())).toContain('aws-load-balancer-controller');
  });

  it('a node group of 2..6 nodes with 40 GiB root volumes (Size, in whole GiB)', () => {
    const { template } = build({ capacity: NodeCapacity.nodegroup({ minNodes: 2, maxNodes: 6, rootVolumeSize: Size.gibibytes(40) }) });
    const ng = onlyResource(template, 'AWS::EKS::Nodegroup').Properties;
    expect(ng.ScalingConfig).toEqual({ MinSize: 2, MaxSize: 6, DesiredSize: 2 });
    expect(ng.UpdateConfig).toEqual({ MaxUnavailable: 1 });
    const lt = onlyResource(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt.BlockDeviceMappings[0].Ebs.VolumeSize).toBe(40);
    // Size.tebibytes(1) is 1024 GiB: converted, not rejected
    const big = build({ capacity: NodeCapacity.nodegroup({ rootVolumeSize: Size.tebibytes(1) }) }).template;
    expect(onlyResource(big, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs.VolumeSize).toBe(1024);
  });
});

describe('AppCluster bad input', () => {
  it('rejects min nodes > max nodes', () => {
    expectError(() => NodeCapacity.nodegroup({ minNodes: 5, maxNodes: 4 }), 'minNodes (5) must not exceed maxNodes (4)');
  });
  it('rejects a Kubernetes version outside EKS\'s release calendar (or without a kubectl layer)', () => {
    for (const v of [eks.KubernetesVersion.V1_37, eks.KubernetesVersion.of('1.28')]) {
      expectError(() => build({ version: v }), `Test/Cluster: version ("${v.version}")`, `one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`);
    }
  });
  it('rejects mixed architectures and a malformed admin ARN', () => {
    expectError(() => NodeCapacity.nodegroup({ instanceTypes: [new ec2.InstanceType('t4g.medium'), new ec2.InstanceType('t3.medium')] }), 'instanceTypes', 'same architecture');
    expectError(() => build({ adminPrincipalArn: 'Admin' }), 'adminPrincipalArn ("Admin")', 'IAM role or user ARN');
  });
  // Issue 12, defect 1: an access entry names an IAM principal; a session ARN is not one.
  it('rejects an assumed-role session ARN with the role ARN to pass instead', () => {
    expectError(
      () => build({ adminPrincipalArn: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123/jane' }),
      'Test/Cluster: adminPrincipalArn ("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123/jane") is an assumed-role session',
      "pass the role's ARN, arn:aws:iam::123456789012:role/<path/>AWSReservedSSO_Admin_0123",
    );
  });
});

// Issue 12, defect 6: versions by EKS's calendar, with "today" injected (context cdk-orchestration:today).
describe('AppCluster Kubernetes version support by date', () => {
  const warnings = (stack: any) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('extended support'));
  it('warns with the extra cost once a version leaves standard support, not before', () => {
    const before = build({ version: eks.KubernetesVersion.V1_35 }, '2026-12-01');
    expect(warnings(before.stack)).toHaveLength(0);
    const { stack } = build({ version: eks.KubernetesVersion.V1_35 }, '2027-03-27');
    const found = warnings(stack);
    expect(found).toHaveLength(1);
    expect(found[0]!.id).toBe('/Test/Cluster');
    expect(String(found[0]!.entry.data)).toContain('Kubernetes 1.35 left EKS standard support on 2027-03-27: EKS bills extended support, $0.60 instead of $0.10 per cluster-hour (about $365 more a month per cluster), until 2028-03-27');
  });
  it('rejects a version past extended support with our error', () => {
    expectError(() => build({ version: eks.KubernetesVersion.V1_34 }, '2027-12-02'), 'Test/Cluster: version ("1.34") is past EKS extended support (it ended on 2027-12-02; today is 2027-12-02)', 'Use one of 1.36');
    expectError(() => build({ version: eks.KubernetesVersion.V1_31 }, '2026-11-29'), 'version ("1.31") is past EKS extended support (it ended on 2026-11-26');
  });
  it('rejects a malformed "today"', () => {
    expectError(() => build({}, '29/11/2026'), 'cdk-orchestration:today ("29/11/2026") must be a date YYYY-MM-DD');
  });
  it('uses the bundled 1.36 kubectl layer for 1.35 (within kubectl\'s skew) and asks for the package for 1.34', () => {
    const installed = (pkg: string) => {
      try {
        require.resolve(pkg);
        return true;
      } catch {
        return false;
      }
    };
    const { template } = build({ version: eks.KubernetesVersion.V1_35 }, '2026-11-29');
    expect(onlyResource(template, 'AWS::EKS::Cluster').Properties.Version).toBe('1.35');
    if (installed('@aws-cdk/lambda-layer-kubectl-v34')) return; // the user installed it: 1.34 then works
    expectError(() => build({ version: eks.KubernetesVersion.V1_34 }, '2026-11-29'), 'Test/Cluster: kubectlLayer (undefined)', 'npm install @aws-cdk/lambda-layer-kubectl-v34');
  });
});
