// Issue 14 (production profile), the container style: nodes in every AZ that scale (EKS Auto Mode) with the IAM
// EKS documents for it, a private Kubernetes API endpoint with the kubectl handler in the VPC, the Secrets key's
// grant restriction (CT.KMS.PR.3), detailed monitoring of node-group nodes, HTTPS at a domain, deletion
// protection, alarms to a topic, a dashboard and encrypted log groups.
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppCluster, type AppClusterProps, ContainerService, type ContainerServiceProps, NodeCapacity, ServiceExposure } from '../../../constructs/container';
import { AUTO_MODE_CLUSTER_POLICIES, AUTO_MODE_NODE_POLICIES } from '../../../constructs/container/app-cluster';
import { TLS_POLICY } from '../../../constructs/shared/domain';
import { CONTROL_TOWER_PLUGIN } from '../../../constructs/shared/compliance';
import { AppSource } from '../../../lib/app';
import { type CfnTemplate, trustDecision } from '../../iam/engine';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom, SAMPLE_APP_DIR, templateOf, testStack } from '../../helpers';
import { resolved } from '../shared/policy-decision';

const app = { name: 'web', source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27') };
const managed = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]] });

function cluster(props: AppClusterProps = {}) {
  const stack = testStack();
  const c = new AppCluster(stack, 'Cluster', props);
  return { stack, cluster: c, template: templateOf(stack) };
}

function service(props: Partial<ContainerServiceProps> = {}) {
  const stack = testStack();
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  const s = new ContainerService(stack, 'Service', { app, ...props });
  return { stack, service: s, zone };
}

/** The reasons the construct acknowledges a Control Tower control with. */
function ackReasons(construct: IConstruct, control: string): string[] {
  return construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .map((m) => (m.data as Record<string, string>)[`${CONTROL_TOWER_PLUGIN}::${control}`])
    .filter((r): r is string => r !== undefined);
}

describe('EKS Auto Mode (prod): nodes in every AZ that scale, with the IAM EKS documents', () => {
  let template: Template;
  let cfn: CfnTemplate;
  let props: any;
  let c: AppCluster;
  beforeAll(() => {
    ({ template, cluster: c } = cluster({ capacity: NodeCapacity.autoMode() }));
    cfn = template.toJSON() as CfnTemplate;
    props = onlyResource(template, 'AWS::EKS::Cluster').Properties;
  });

  it('enables Auto Mode compute (system and general-purpose node pools), block storage and load balancing; no node group', () => {
    expect(props.ComputeConfig.Enabled).toBe(true);
    expect(props.ComputeConfig.NodePools).toEqual(['system', 'general-purpose']);
    expect(props.StorageConfig.BlockStorage.Enabled).toBe(true);
    expect(props.KubernetesNetworkConfig.ElasticLoadBalancing.Enabled).toBe(true);
    template.resourceCountIs('AWS::EKS::Nodegroup', 0);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
  });

  it("places the cluster (whose subnets Auto Mode's default node class launches nodes into) in a private subnet of every AZ", () => {
    const subnets = props.ResourcesVpcConfig.SubnetIds.map((s: any) => s.Ref);
    const vpcSubnets = c.vpc.privateSubnets.map((s) => Stack.of(c).resolve(s.subnetId).Ref);
    expect(subnets.sort()).toEqual(vpcSubnets.sort());
    const azs = new Set(c.vpc.privateSubnets.map((s) => s.availabilityZone));
    expect(azs.size).toBe(c.vpc.availabilityZones.length);
    expect(azs.size).toBeGreaterThanOrEqual(2);
  });

  it('the cluster role: AmazonEKSClusterPolicy plus the four Auto Mode policies, and a trust that lets EKS tag its session (policy engine)', async () => {
    const roleId = props.RoleArn['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toEqual(expect.arrayContaining(['AmazonEKSClusterPolicy', ...AUTO_MODE_CLUSTER_POLICIES].map(managed)));
    expect(await trustDecision(cfn, roleId, 'eks.amazonaws.com')).toBe('Allowed');
    expect(await trustDecision(cfn, roleId, 'eks.amazonaws.com', 'sts:TagSession')).toBe('Allowed');
    expect(await trustDecision(cfn, roleId, 'ec2.amazonaws.com')).not.toBe('Allowed');
  });

  it('the node role: AmazonEKSWorkerNodeMinimalPolicy and AmazonEC2ContainerRegistryPullOnly only, assumed by EC2 only (policy engine)', async () => {
    const roleId = props.ComputeConfig.NodeRoleArn['Fn::GetAtt'][0];
    expect(roleId).toBe(Stack.of(c).resolve((c.autoModeNodeRole!.node.defaultChild as any).logicalId));
    expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toEqual(AUTO_MODE_NODE_POLICIES.map(managed));
    expect(await trustDecision(cfn, roleId, 'ec2.amazonaws.com')).toBe('Allowed');
    expect(await trustDecision(cfn, roleId, 'eks.amazonaws.com')).not.toBe('Allowed');
  });
});

describe('node group (dev default): nodes in every AZ', () => {
  it('spans a private subnet of each AZ, two by default and three with network.maxAzs 3', () => {
    for (const maxAzs of [undefined, 3]) {
      const { template, cluster: c } = cluster(maxAzs ? { network: { maxAzs } } : {});
      const ng = onlyResource(template, 'AWS::EKS::Nodegroup').Properties;
      expect(ng.Subnets).toHaveLength(maxAzs ?? 2);
      expect(ng.Subnets.map((s: any) => s.Ref).sort()).toEqual(c.vpc.privateSubnets.map((s) => Stack.of(c).resolve(s.subnetId).Ref).sort());
      expect(new Set(c.vpc.privateSubnets.map((s) => s.availabilityZone)).size).toBe(maxAzs ?? 2);
    }
  });

  it('detailedMonitoring turns on the launch template\'s monitoring (CT.EC2.PR.10); off by default', () => {
    const lt = (t: Template) => onlyResource(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt(cluster().template).Monitoring).toBeUndefined();
    expect(lt(cluster({ capacity: NodeCapacity.nodegroup({ detailedMonitoring: true }) }).template).Monitoring).toEqual({ Enabled: true });
    const e = orchestrationErrorFrom(() => NodeCapacity.nodegroup({ detailedMonitoring: 'yes' as never }));
    expect(e.prop).toBe('detailedMonitoring');
    expect(e.message).toContain('must be a boolean');
  });
});

describe('the Kubernetes API endpoint and the kubectl handler', () => {
  it('PRIVATE: no public endpoint, and the kubectl functions run in the private subnets with their own security group', () => {
    const { template, cluster: c } = cluster({ endpointAccess: eks.EndpointAccess.PRIVATE });
    const vpcConfig = onlyResource(template, 'AWS::EKS::Cluster').Properties.ResourcesVpcConfig;
    expect(vpcConfig.EndpointPublicAccess).toBe(false);
    expect(vpcConfig.EndpointPrivateAccess).toBe(true);
    const sgId = Stack.of(c).resolve(c.kubectlSecurityGroup.securityGroupId)['Fn::GetAtt'][0];
    const privateSubnets = c.vpc.privateSubnets.map((s) => Stack.of(c).resolve(s.subnetId).Ref).sort();
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((f: any) => f.Properties.VpcConfig) as any[];
    expect(fns.length).toBe(2); // the kubectl handler and the provider framework's onEvent function
    for (const f of fns) {
      expect(f.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
      expect(f.Properties.VpcConfig.SubnetIds.map((s: any) => s.Ref).sort()).toEqual(privateSubnets);
    }
    // Egress (STS, EKS, ECR through the NAT) and HTTPS into the control plane's security group, which the
    // private endpoint's network interfaces carry.
    expect(template.toJSON().Resources[sgId].Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }]);
    const controlPlaneSg = vpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties);
    expect(ingress).toContainEqual(expect.objectContaining({ GroupId: { 'Fn::GetAtt': [controlPlaneSg, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] }, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }));
    expect(ackReasons(c.cluster.node.defaultChild!, 'CT.EKS.PR.1')).toEqual([]);
  });

  it('public only to named CIDRs: acknowledged for CT.EKS.PR.1 with the CIDRs in the reason; open to all: not acknowledged', () => {
    const restricted = cluster({ endpointAccess: eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom('203.0.113.0/24', '198.51.100.7/32') });
    expect(onlyResource(restricted.template, 'AWS::EKS::Cluster').Properties.ResourcesVpcConfig.PublicAccessCidrs).toEqual(['203.0.113.0/24', '198.51.100.7/32']);
    const reason = ackReasons(restricted.cluster.cluster.node.defaultChild!, 'CT.EKS.PR.1');
    expect(reason).toHaveLength(1);
    expect(reason[0]).toContain('restricted to 203.0.113.0/24, 198.51.100.7/32');
    expect(ackReasons(cluster().cluster.cluster.node.defaultChild!, 'CT.EKS.PR.1')).toEqual([]);
    expect(ackReasons(cluster({ endpointAccess: eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom('0.0.0.0/0') }).cluster.cluster.node.defaultChild!, 'CT.EKS.PR.1')).toEqual([]);
  });
});

describe('the Secrets key (CT.KMS.PR.3)', () => {
  it('keeps the default key policy (no deny on CreateGrant that could catch EKS\'s own grant) and acknowledges the control on the key', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'TestStack');
    const c = new AppCluster(stack, 'Cluster');
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const keyId = Object.keys(template.Resources).find((id) => template.Resources[id]!.Type === 'AWS::KMS::Key' && /SecretsKey/.test(id))!;
    const policy = resolved(template, keyId, 'KeyPolicy');
    expect(policy.Statement.filter((s: any) => s.Effect === 'Deny')).toEqual([]);
    const key = c.node.findAll().find((n) => n.node.id === 'SecretsKey')!;
    const reasons = ackReasons(key, 'CT.KMS.PR.3');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('EKS creates its envelope-encryption grant');
  });
});

describe('ServiceExposure.loadBalancer({ domain, deletionProtection })', () => {
  let template: Template;
  let s: ContainerService;
  beforeAll(() => {
    const stack = testStack();
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    s = new ContainerService(stack, 'Service', { app, exposure: ServiceExposure.loadBalancer({ domain: { domainName: 'container.example.com', hostedZone }, deletionProtection: true }) });
    template = templateOf(stack);
  });

  it('HTTPS on 443 with the library TLS policy and a DNS-validated certificate; 80 redirects to HTTPS (CT.ELASTICLOADBALANCING.PR.1)', () => {
    const listeners = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l: any) => l.Properties);
    expect(listeners).toHaveLength(2);
    const https = listeners.find((l) => l.Port === 443)!;
    expect(https.Protocol).toBe('HTTPS');
    expect(https.SslPolicy).toBe(TLS_POLICY);
    expect(https.DefaultActions[0].Type).toBe('forward');
    expect(https.Certificates).toHaveLength(1);
    const cert = onlyResource(template, 'AWS::CertificateManager::Certificate').Properties;
    expect(cert.DomainName).toBe('container.example.com');
    expect(cert.ValidationMethod).toBe('DNS');
    expect(cert.DomainValidationOptions).toEqual([{ DomainName: 'container.example.com', HostedZoneId: 'Z0EXAMPLE' }]);
    const http = listeners.find((l) => l.Port === 80)!;
    expect(http.Protocol).toBe('HTTP');
    expect(http.DefaultActions).toEqual([{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }]);
    expect(s.listener).toBeDefined();
    expect(s.redirectListener).toBeDefined();
  });

  it('an alias A record for the domain; the url is https://<domain>', () => {
    const record = onlyResource(template, 'AWS::Route53::RecordSet').Properties;
    expect(record.Name).toBe('container.example.com.');
    expect(record.Type).toBe('A');
    expect(record.HostedZoneId).toBe('Z0EXAMPLE');
    expect(record.AliasTarget.DNSName).toBeDefined();
    expect(s.url).toBe('https://container.example.com');
    expect(s.aliasRecord).toBeDefined();
  });

  it('opens 443 and 80 to the internet, nothing else; deletion protection on', () => {
    const lb = onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties;
    expect(lb.LoadBalancerAttributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'true' });
    const sgId = lb.SecurityGroups[0]['Fn::GetAtt'][0];
    const ingress = template.toJSON().Resources[sgId].Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort]);
    expect(ingress.sort()).toEqual([['0.0.0.0/0', 443], ['0.0.0.0/0', 80]]);
  });

  it('without them: HTTP on 80 at the load balancer name, no certificate or record, no deletion protection (dev, unchanged)', () => {
    const { stack } = service();
    const t = templateOf(stack);
    const listeners = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l: any) => l.Properties);
    expect(listeners).toHaveLength(1);
    expect(listeners[0].Port).toBe(80);
    expect(listeners[0].DefaultActions[0].Type).toBe('forward');
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(onlyResource(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
  });

  it('internal with a domain: 443 and 80 open to the VPC only', () => {
    const stack = testStack();
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    new ContainerService(stack, 'Service', { app, exposure: ServiceExposure.loadBalancer({ internetFacing: false, domain: { domainName: 'in.example.com', hostedZone } }) });
    const t = templateOf(stack);
    const lb = onlyResource(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties;
    const ingress = t.toJSON().Resources[lb.SecurityGroups[0]['Fn::GetAtt'][0]].Properties.SecurityGroupIngress;
    expect(ingress.map((r: any) => r.FromPort).sort()).toEqual([443, 80]);
    expect(ingress.every((r: any) => r.CidrIp !== '0.0.0.0/0')).toBe(true);
  });

  it('rejects a bad domain or deletionProtection with the library error', () => {
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ deletionProtection: 'yes' as never })).message).toContain('deletionProtection ("yes") must be a boolean');
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ domain: 'example.com' as never })).message).toContain('domain ("example.com") must be a ServiceDomain');
    const stack = testStack();
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    const e = orchestrationErrorFrom(() => new ContainerService(stack, 'Service', { app, exposure: ServiceExposure.loadBalancer({ domain: { domainName: 'app.example.org', hostedZone } }) }));
    expect(e.message).toContain('Service: exposure.domain.domainName ("app.example.org") must be the hosted zone\'s name (example.com)');
    const e2 = orchestrationErrorFrom(() => new ContainerService(testStack(), 'Service', { app, exposure: ServiceExposure.loadBalancer({ domain: { domainName: 'a.example.com' } as never }) }));
    expect(e2.message).toContain('exposure.domain.hostedZone');
  });
});

describe('alarmTopic, dashboard and logEncryptionKey', () => {
  let template: Template;
  let s: ContainerService;
  let topicId: string;
  beforeAll(() => {
    const stack = testStack();
    const topic = new sns.Topic(stack, 'Topic');
    const key = new kms.Key(stack, 'LogsKey');
    s = new ContainerService(stack, 'Service', { app, alarmTopic: topic, dashboard: true, logEncryptionKey: key });
    template = templateOf(stack);
    topicId = stack.resolve((topic.node.defaultChild as sns.CfnTopic).logicalId);
  });

  it('alarmTopic: two alarms on the target group (no healthy pod; 5xx), each notifying the topic on ALARM and OK', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms).toHaveLength(2);
    expect(s.alarms).toHaveLength(2);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
    }
    const healthy = alarms.find((a) => a.MetricName === 'HealthyHostCount')!;
    expect(healthy).toMatchObject({ Namespace: 'AWS/ApplicationELB', Statistic: 'Minimum', Threshold: 1, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 2, TreatMissingData: 'breaching', Period: 60 });
    expect(healthy.Dimensions.map((d: any) => d.Name).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
    const errors = alarms.find((a) => a.Metrics)!;
    expect(JSON.stringify(errors.Metrics)).toContain('HTTPCode_Target_5XX_Count');
    expect(JSON.stringify(errors.Metrics)).toContain('HTTPCode_ELB_5XX_Count');
    expect(errors).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 3, TreatMissingData: 'notBreaching' });
  });

  it('dashboard: healthy pods (HealthyHostCount), requests per pod and unhealthy pods, p50 and p99 latency', () => {
    expect(s.dashboard).toBeDefined();
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const m of ['HealthyHostCount', 'RequestCountPerTarget', 'UnHealthyHostCount', 'RequestCount', 'TargetResponseTime', 'HTTPCode_Target_5XX_Count']) expect(body).toContain(m);
    expect(body).toContain('p50');
    expect(body).toContain('p99');
  });

  it('logEncryptionKey: every log group it creates (flow logs, the kubectl functions\' logs) is encrypted with it, and its policy lets CloudWatch Logs use it', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties);
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(JSON.stringify(g.KmsKeyId)).toContain('LogsKey');
    const key = Object.values(template.findResources('AWS::KMS::Key')).find((k: any) => JSON.stringify(k.Properties.KeyPolicy).includes('AllowCloudWatchLogsForThisAccountsLogGroups'));
    expect(key).toBeDefined();
  });

  it('none of them by default: no alarm, no dashboard, CloudWatch Logs\' own encryption (dev, unchanged)', () => {
    const { stack, service: plain } = service();
    const t = templateOf(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    for (const g of Object.values(t.findResources('AWS::Logs::LogGroup')) as any[]) expect(g.Properties.KmsKeyId).toBeUndefined();
    expect(plain.alarms).toEqual([]);
    expect(plain.dashboard).toBeUndefined();
  });

  it('rejects bad input, and alarms or a dashboard without a load balancer', () => {
    const err = (props: Partial<ContainerServiceProps>) => orchestrationErrorFrom(() => new ContainerService(testStack(), 'Service', { app, ...props }));
    expect(err({ dashboard: 'yes' as never }).message).toContain('dashboard ("yes") must be a boolean');
    expect(err({ alarmTopic: 'arn:aws:sns:eu-west-1:111122223333:t' as never }).message).toContain('alarmTopic ("arn:aws:sns:eu-west-1:111122223333:t") must be an SNS topic');
    expect(err({ logEncryptionKey: 'alias/logs' as never }).message).toContain('logEncryptionKey ("alias/logs") must be a KMS key');
    const stack = testStack();
    const topic = new sns.Topic(stack, 'T');
    expect(orchestrationErrorFrom(() => new ContainerService(stack, 'A', { app, exposure: ServiceExposure.clusterIp(), alarmTopic: topic })).message).toContain('alarmTopic ("an SNS topic") needs ServiceExposure.loadBalancer()');
    expect(err({ exposure: ServiceExposure.clusterIp(), dashboard: true }).message).toContain('dashboard (true) needs ServiceExposure.loadBalancer()');
  });
});

describe('Control Tower acknowledgements of aws-cdk-lib singletons the style causes', () => {
  it("node group: the AWS Load Balancer Controller's IRSA CfnJson provider, CT.LAMBDA.PR.3 with a reason; the access log bucket's auto-delete provider", () => {
    const { stack } = service({ exposure: ServiceExposure.loadBalancer({ accessLogsRemovalPolicy: RemovalPolicy.DESTROY }) });
    // With cdk.json's flags (the tests' context) the OIDC provider is the native resource: no provider function then.
    expect(stack.node.tryFindChild('Custom::AWSCDKOpenIdConnectProviderCustomResourceProvider')).toBeUndefined();
    for (const id of ['AWSCDKCfnUtilsProviderCustomResourceProvider', 'Custom::S3AutoDeleteObjectsCustomResourceProvider']) {
      const provider = stack.node.findChild(id);
      const reasons = ackReasons(provider, 'CT.LAMBDA.PR.3');
      expect(reasons, id).toHaveLength(1);
      expect(reasons[0]).toMatch(/aws-cdk-lib gives it no VPC placement/);
    }
  });

  it('the access log bucket: the S3 controls an ALB log bucket cannot or need not meet, each with its reason', () => {
    const { service: s } = service();
    const bucket = s.accessLogsBucket!;
    expect(ackReasons(bucket, 'CT.S3.PR.10')[0]).toContain('SSE-S3');
    for (const control of ['CT.S3.PR.11', 'CT.S3.PR.2', 'CT.S3.PR.4', 'CT.S3.PR.9'] as const) expect(ackReasons(bucket, control), control).toHaveLength(1);
  });

  it('accessLogsVersioned: versioning on (CT.S3.PR.11 met, not acknowledged), noncurrent logs kept a day; bad input', () => {
    const { stack, service: s } = service({ exposure: ServiceExposure.loadBalancer({ accessLogsVersioned: true }) });
    const bucket = onlyResource(templateOf(stack), 'AWS::S3::Bucket').Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(JSON.stringify(bucket.LifecycleConfiguration)).toContain('"NoncurrentVersionExpiration":{"NoncurrentDays":1}');
    expect(ackReasons(s.accessLogsBucket!, 'CT.S3.PR.11')).toEqual([]);
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ accessLogsVersioned: 1 as never })).message).toContain('accessLogsVersioned (1) must be a boolean');
    expect(orchestrationErrorFrom(() => ServiceExposure.loadBalancer({ accessLogs: false, accessLogsVersioned: true })).message).toContain('accessLogsVersioned (true) only applies with');
  });
});

void SAMPLE_APP_DIR;
