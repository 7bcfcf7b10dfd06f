// Issue 12, "IAM decided by a real policy engine": every runtime identity of the four sample stacks
// (and of the same styles reading secrets under customer-managed KMS keys), its template policies
// resolved for a test account and region plus its AWS-managed policies at pinned versions, decided
// by @cloud-copilot/iam-simulate. Each identity's calls come from the scripts the template renders
// (`aws <service> <command>` lines, Image Builder S3Download steps) and from the handlers' SDK calls;
// the calls of agents we don't write are listed with the AWS page that documents them.
// Customer-managed KMS keys: the identity side only (an imported key's policy is outside the
// template): the key policy is assumed to be the default one that lets IAM policies grant its use.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../../apps/sample-app-stacks';
import { ContainerService } from '../../constructs/container';
import { ServerService } from '../../constructs/server';
import { FunctionService } from '../../constructs/serverless';
import { VmImage, VmService } from '../../constructs/vm';
import { AppSecret, AppSource } from '../../lib/app';
import { CDK_CONTEXT, SAMPLE_APP_DIR } from '../helpers';
import { ACCOUNT, type CfnTemplate, type Call, MANAGED_POLICY_VERSIONS, PARTITION, REGION, Resolver, cliCalls, decide, pythonCliLines, roleIdentity, scriptText, sdkV3Actions, trustDecision } from './engine';

const A = ACCOUNT;
const R = REGION;
const P = PARTITION;
const OTHER_BUCKET_OBJECT = `arn:${P}:s3:::another-bucket/release.zip`;
const OTHER_SECRET = `arn:${P}:secretsmanager:${R}:${A}:secret:other-app/db-XyZ123`;
const OTHER_FUNCTION = `arn:${P}:lambda:${R}:${A}:function:another-function`;
const OTHER_LOG_GROUP_STREAM = `arn:${P}:logs:${R}:${A}:log-group:/other/app:log-stream:i-0123`;
const OTHER_CLUSTER = `arn:${P}:eks:${R}:${A}:cluster/another-cluster`;

/**
 * Agents we don't write, with the calls their documentation names. Each is proven allowed for the
 * identity that runs it.
 */
const SSM_AGENT = {
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
  // (AmazonSSMManagedInstanceCore: "the minimum permissions the SSM Agent needs")
  source: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html',
  calls: ['ssm:UpdateInstanceInformation', 'ssm:ListInstanceAssociations', 'ssm:DescribeAssociation', 'ssm:GetDocument', 'ssm:UpdateInstanceAssociationStatus', 'ssm:PutInventory',
    'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
    'ec2messages:GetMessages', 'ec2messages:AcknowledgeMessage', 'ec2messages:SendReply', 'ec2messages:GetEndpoint'].map((action) => ({ action, resource: '*' })),
};
/** The CloudWatch agent shipping a log file to an existing log group (it does not create groups). */
function cloudWatchAgent(logGroupArn: string): Call[] {
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent.html
  const stream = logGroupArn.replace(/:\*$/, ':log-stream:i-0123456789abcdef0');
  return [
    { action: 'logs:CreateLogStream', resource: stream },
    // A log group's ARN with its trailing `:*` is the one IAM decides on for every action but a few
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html).
    { action: 'logs:DescribeLogStreams', resource: logGroupArn },
    { action: 'logs:PutLogEvents', resource: stream },
  ];
}
/** Lambda writing a function's logs with its execution role. */
function lambdaLogs(logGroupArn: string): Call[] {
  // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
  const stream = logGroupArn.replace(/:\*$/, ':log-stream:2026/01/01/[$LATEST]0123');
  return [
    { action: 'logs:CreateLogStream', resource: stream },
    { action: 'logs:PutLogEvents', resource: stream },
  ];
}

interface Proven {
  identity: string;
  managed: string[];
  allowed: Call[];
  denied: Call[];
  trust?: string;
}
const report: Proven[] = [];

/** The roles each template's tests proved (the coverage test below checks every role of the sample stacks is here or out of scope). */
const covered = new Map<CfnTemplate, Set<string>>();

/**
 * Proves `allowed` allowed and `denied` not allowed for the role; with `trust`, also that this
 * service principal may assume the role and another one may not.
 */
async function prove(template: CfnTemplate, identity: string, roleId: string, allowed: Call[], denied: Call[], trust?: string) {
  const role = roleIdentity(template, roleId);
  for (const call of allowed) expect(await decide(role, call), `${identity}: ${call.action} on ${call.resource}`).toBe('Allowed');
  for (const call of denied) expect(await decide(role, call), `${identity}: ${call.action} on ${call.resource} must be denied`).not.toBe('Allowed');
  if (trust) {
    expect(await trustDecision(template, roleId, trust), `${identity}: ${trust} assumes it`).toBe('Allowed');
    const other = trust === 'lambda.amazonaws.com' ? 'ec2.amazonaws.com' : 'lambda.amazonaws.com';
    expect(await trustDecision(template, roleId, other), `${identity}: ${other} must not assume it`).not.toBe('Allowed');
  }
  report.push({ identity, managed: role.managed, allowed, denied, ...(trust ? { trust } : {}) });
  if (!covered.has(template)) covered.set(template, new Set());
  covered.get(template)!.add(roleId);
}

/** The one role whose logical id starts with `prefix` (the CDK adds a hash). */
function roleId(template: CfnTemplate, prefix: string): string {
  const ids = Object.keys(template.Resources).filter((id) => id.startsWith(prefix) && template.Resources[id]!.Type === 'AWS::IAM::Role');
  expect(ids, prefix).toHaveLength(1);
  return ids[0]!;
}
function resourceIds(template: CfnTemplate, type: string, prefix = ''): string[] {
  return Object.keys(template.Resources).filter((id) => id.startsWith(prefix) && template.Resources[id]!.Type === type);
}
/** The resolved text of resources (user data, documents, associations, manifests). */
function scriptsOf(template: CfnTemplate, ids: string[]): string {
  const r = new Resolver(template);
  return ids.map((id) => scriptText(r.resolve(template.Resources[id]!.Properties))).join('\n');
}

/** The `s3://bucket/key` sources an S3 copy or an Image Builder S3Download step reads, as object ARNs. */
function s3Sources(text: string): string[] {
  return [...new Set([...text.matchAll(/s3:\/\/([a-z0-9.-]+)\/([A-Za-z0-9!_.*()/-]+)/g)].map((m) => `arn:${P}:s3:::${m[1]}/${m[2]}`))];
}

/** SDK calls in a handler's source: `new <Operation>Command(` of `@aws-sdk/client-<service>`. */
function sdkCalls(dir: string, files: string[]): string[] {
  const calls: string[] = [];
  for (const f of files) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    const clients = [...src.matchAll(/@aws-sdk\/client-([a-z0-9-]+)/g)].map((m) => m[1]);
    for (const m of src.matchAll(/new\s+([A-Z][A-Za-z]+)Command\s*\(/g)) calls.push(`${clients[0] ?? '?'}:${m[1]}`);
    if (/require\(['"]aws-sdk['"]\)/.test(src)) throw new Error(`${f}: SDK v2 calls are not derived: use @aws-sdk/client-*`);
  }
  return calls;
}

let sample: Record<'server' | 'vm' | 'container' | 'serverless', CfnTemplate>;
beforeAll(() => {
  const { stacks } = createSampleApp({ context: CDK_CONTEXT, gate: false });
  sample = Object.fromEntries(Object.entries(stacks).map(([k, s]) => [k, Template.fromStack(s as Stack).toJSON() as CfnTemplate])) as typeof sample;
});

describe('the calls derived from scripts', () => {
  it('an `aws` command without its IAM action fails; comments are not calls', () => {
    expect(() => cliCalls('set -e\nvalue=$(aws sts get-caller-identity --query Account)')).toThrow('a script runs `aws sts get-caller-identity`: map it to its IAM action in CLI_ACTIONS');
    expect(cliCalls('# aws s3 cp is how we download\naws --region eu-west-1 ssm get-parameter --name /x')).toEqual(['ssm:GetParameter']);
  });

  it('an SDK v3 operation without its IAM actions fails; client methods, commands and waiters are calls', () => {
    expect(() => sdkV3Actions('const c=require("@aws-sdk/client-s3");var u=new c.S3({});u.putObject({})')).toThrow('a handler calls s3:PutObject: map it to its IAM actions in SDK_ACTIONS');
    expect(() => sdkV3Actions('const c=require("@aws-sdk/client-lambda");(0,c.waitUntilFunctionUpdated)({})')).toThrow('waiter waitUntilFunctionUpdated');
    expect(() => sdkV3Actions('const AWS=require("aws-sdk")')).toThrow('SDK v2');
    expect(sdkV3Actions('const c=require("@aws-sdk/client-s3");var u=new c.S3({});u.listObjectVersions({});await x.send(new DeleteObjectsCommand({}))'))
      .toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:ListBucketVersions']);
  });
});

describe('managed policies', () => {
  it('every AWS-managed policy the sample stacks attach is pinned, and only those', () => {
    const attached = new Set<string>();
    for (const t of Object.values(sample)) {
      const r = new Resolver(t);
      for (const id of resourceIds(t, 'AWS::IAM::Role')) for (const arn of r.resolve(t.Resources[id]!.Properties).ManagedPolicyArns ?? []) attached.add(String(arn).split('/').pop()!);
    }
    expect([...attached].sort()).toEqual(Object.keys(MANAGED_POLICY_VERSIONS).sort());
  });
});

describe('server sample', () => {
  it('app server role: the rollout document and user data calls, SSM and CloudWatch agents', async () => {
    const t = sample.server;
    const scripts = scriptsOf(t, [...resourceIds(t, 'AWS::EC2::Instance', 'ServiceFleetServer'), ...resourceIds(t, 'AWS::SSM::Document', 'ServiceFleetRollout'), ...resourceIds(t, 'AWS::SSM::Association', 'ServiceFleetRollout')]);
    // The secrets script is rendered but reads nothing here: the sample has no secrets (proven below with some).
    expect(cliCalls(scripts)).toEqual(['s3:GetObject', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']);
    expect(secretReads(scripts)).toEqual([]);
    // The release the rollout copies: the association's `source` parameter.
    const release = s3Sources(scriptsOf(t, resourceIds(t, 'AWS::SSM::Association', 'ServiceFleetRollout')));
    expect(release).toHaveLength(1);
    const logGroup = new Resolver(t).resolve({ 'Fn::GetAtt': ['ServiceFleetLogGroupB75B0225', 'Arn'] });
    await prove(t, 'server: app server role', roleId(t, 'ServiceFleetRole'),
      [...release.map((resource) => ({ action: 's3:GetObject', resource })), ...SSM_AGENT.calls, ...cloudWatchAgent(logGroup)],
      [
        { action: 's3:GetObject', resource: release[0]!.replace(/[^/]+$/, 'another-release.zip') },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM },
        { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
      ]);
  });

  it('nginx role: its config document and user data make no AWS call; SSM and CloudWatch agents', async () => {
    const t = sample.server;
    const scripts = scriptsOf(t, [...resourceIds(t, 'AWS::EC2::Instance', 'ServiceLoadBalancer'), ...resourceIds(t, 'AWS::SSM::Document', 'ServiceLoadBalancer'), ...resourceIds(t, 'AWS::SSM::Association', 'ServiceLoadBalancer')]);
    expect(cliCalls(scripts)).toEqual([]);
    const logGroup = new Resolver(t).resolve({ 'Fn::GetAtt': ['ServiceLoadBalancerLogGroup7BA4A91A', 'Arn'] });
    const release = s3Sources(scriptsOf(t, resourceIds(t, 'AWS::SSM::Association', 'ServiceFleetRollout')));
    await prove(t, 'server: nginx role', roleId(t, 'ServiceLoadBalancerRole'),
      [...SSM_AGENT.calls, ...cloudWatchAgent(logGroup)],
      [
        { action: 's3:GetObject', resource: release[0]! }, // the app's release is not nginx's
        { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      ]);
  });
});

describe('server sample: the rollout waiters (fleet rollout, nginx config)', () => {
  const waiters = [
    { name: 'fleet rollout waiter', prefix: 'ServiceFleetRolloutWaiter', association: 'ServiceFleetRollout', other: 'ServiceLoadBalancerConfig' },
    { name: 'nginx config waiter', prefix: 'ServiceLoadBalancerConfigWaiter', association: 'ServiceLoadBalancerConfig', other: 'ServiceFleetRollout' },
  ];
  for (const w of waiters) {
    it(`${w.name} role: its handler's SDK calls on its association only, and its log group`, async () => {
      const t = sample.server;
      const r = new Resolver(t);
      const source = fs.readFileSync(path.join(__dirname, '../../constructs/server/assets/rollout-waiter/index.mjs'), 'utf8');
      expect(sdkV3Actions(source)).toEqual(['ssm:DescribeAssociation', 'ssm:DescribeAssociationExecutions']);
      const arnOfAssociation = (prefix: string) => {
        const ids = resourceIds(t, 'AWS::SSM::Association', prefix);
        expect(ids, prefix).toHaveLength(1);
        return `arn:${P}:ssm:${R}:${A}:association/${r.resolve({ 'Fn::GetAtt': [ids[0]!, 'AssociationId'] })}`;
      };
      const associationArn = arnOfAssociation(w.association);
      await prove(t, `server: ${w.name} role`, roleId(t, `${w.prefix}Role`),
        [
          ...sdkV3Actions(source).map((action) => ({ action, resource: associationArn })),
          ...lambdaLogs(r.arnOf(resourceIds(t, 'AWS::Logs::LogGroup', `${w.prefix}LogGroup`)[0]!)),
        ],
        [
          { action: 'ssm:DescribeAssociationExecutions', resource: arnOfAssociation(w.other) },
          { action: 'ssm:UpdateAssociation', resource: associationArn },
          { action: 'ssm:StartAssociationsOnce', resource: associationArn },
          { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM },
          { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
        ], 'lambda.amazonaws.com');
    });
  }
});

describe('vm sample', () => {
  it('instance role: launch template user data, SSM and CloudWatch agents', async () => {
    const t = sample.vm;
    const scripts = scriptsOf(t, resourceIds(t, 'AWS::EC2::LaunchTemplate'));
    expect(cliCalls(scripts)).toEqual([]);
    const logGroup = new Resolver(t).resolve({ 'Fn::GetAtt': ['ServiceLogGroupB910EE76', 'Arn'] });
    const release = s3Sources(scriptsOf(t, resourceIds(t, 'AWS::ImageBuilder::Component')));
    await prove(t, 'vm: instance role', roleId(t, 'ServiceInstanceRole'),
      [...SSM_AGENT.calls, ...cloudWatchAgent(logGroup)],
      [
        { action: 's3:GetObject', resource: release[0]! }, // baked into the image: instances never read it
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
        { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      ]);
  });

  it('Image Builder instance role: the component\'s S3Download, Image Builder and SSM agents', async () => {
    const t = sample.vm;
    const component = scriptsOf(t, resourceIds(t, 'AWS::ImageBuilder::Component'));
    expect(cliCalls(component)).toEqual([]);
    const steps = [...component.matchAll(/action"?:\s*"?([A-Za-z0-9]+)/g)].map((m) => m[1]);
    expect(steps.filter((s) => !['ExecuteBash', 'S3Download'].includes(s!)), 'component actions that call AWS').toEqual([]);
    const release = s3Sources(component);
    expect(release).toHaveLength(1);
    await prove(t, 'vm: Image Builder instance role', roleId(t, 'ServiceImageBuildRole'),
      [
        ...release.map((resource) => ({ action: 's3:GetObject', resource })),
        ...SSM_AGENT.calls,
        // The Image Builder agent (TOE) on the build instance:
        // https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-setting-up.html#image-builder-IAM-prereq
        { action: 'imagebuilder:GetComponent', resource: `arn:${P}:imagebuilder:${R}:${A}:component/sample-app/1.0.0/1` },
      ],
      [
        { action: 's3:GetObject', resource: release[0]!.replace(/[^/]+$/, 'another-asset.zip') },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      ]);
  });
});

describe('container sample', () => {
  it('node role: kubelet, VPC CNI, image pulls, the EKS Pod Identity agent', async () => {
    const t = sample.container;
    const r = new Resolver(t);
    const cluster = r.arnOf('ServiceCluster99DC8B80');
    const repo = r.arnOf('Registry28E4C1B9');
    expect(cliCalls(scriptsOf(t, resourceIds(t, 'AWS::EC2::LaunchTemplate', 'ServiceClusterNode')))).toEqual([]);
    await prove(t, 'container: node role', roleId(t, 'ServiceClusterNodegroupNodesNodeGroupRole'),
      [
        // https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
        { action: 'eks:DescribeCluster', resource: cluster },
        { action: 'ec2:DescribeInstances', resource: '*' },
        // https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html (the VPC CNI on the node role)
        ...['ec2:AssignPrivateIpAddresses', 'ec2:AttachNetworkInterface', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DetachNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:UnassignPrivateIpAddresses']
          .map((action) => ({ action, resource: action.endsWith('Describe') || action.startsWith('ec2:Describe') ? '*' : `arn:${P}:ec2:${R}:${A}:network-interface/eni-0123` })),
        { action: 'ec2:CreateTags', resource: `arn:${P}:ec2:${R}:${A}:network-interface/eni-0123` },
        // https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_EKS.html (kubelet pulls images)
        { action: 'ecr:GetAuthorizationToken', resource: '*' },
        { action: 'ecr:BatchGetImage', resource: repo },
        { action: 'ecr:GetDownloadUrlForLayer', resource: repo },
        // https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html
        { action: 'eks-auth:AssumeRoleForPodIdentity', resource: cluster },
      ],
      [
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
        { action: 'ecr:PutImage', resource: repo },
      ], 'ec2.amazonaws.com');
  });

  it('pod role: no AWS call in the sample (no secrets), so nothing is allowed', async () => {
    const t = sample.container;
    const manifests = scriptsOf(t, resourceIds(t, 'Custom::AWSCDK-EKS-KubernetesResource', 'ServiceClusterServiceChart'));
    expect(cliCalls(manifests)).toEqual([]);
    await prove(t, 'container: pod role', roleId(t, 'ServicePodRole'), [], [
      { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      { action: 'ssm:GetParameter', resource: `arn:${P}:ssm:${R}:${A}:parameter/other-app/token` },
      { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      { action: 'eks:DescribeCluster', resource: new Resolver(t).arnOf('ServiceCluster99DC8B80') },
    ], 'pods.eks.amazonaws.com');
    // EKS Pod Identity also tags the session: https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
    expect(await trustDecision(t, roleId(t, 'ServicePodRole'), 'pods.eks.amazonaws.com', 'sts:TagSession')).toBe('Allowed');
  });

  it('kubectl handler role: the calls of aws-cdk-lib\'s handler (its Python source), its logs and VPC ENIs', async () => {
    const t = sample.container;
    const r = new Resolver(t);
    const cluster = r.arnOf('ServiceCluster99DC8B80');
    const logGroup = r.arnOf('ServiceClusterKubectlProviderHandlerLogGroup64444D47');
    // The handler aws-cdk-lib's eks-v2 deploys (apply, get, patch, helm), read from the installed package.
    const handlerDir = path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), 'custom-resource-handlers', 'dist', 'aws-eks-v2', 'kubectl-handler');
    const handler = ['apply', 'get', 'patch', 'helm'].map((d) => fs.readFileSync(path.join(handlerDir, d, '__init__.py'), 'utf8')).join('\n');
    expect(cliCalls(pythonCliLines(handler))).toEqual(['ecr-public:GetAuthorizationToken', 'ecr:GetAuthorizationToken', 'eks:DescribeCluster', 's3:GetObject', 'sts:GetServiceBearerToken']);
    // `aws s3 cp` runs only for a chart asset (ChartAssetURL); the sample's chart comes from a repository.
    const charts = resourceIds(t, 'Custom::AWSCDK-EKS-HelmChart').map((id) => t.Resources[id]!.Properties);
    expect(charts.map((c) => [c.ChartAssetURL, c.Repository])).toEqual([[undefined, 'https://aws.github.io/eks-charts']]);
    await prove(t, 'container: kubectl handler role', roleId(t, 'ServiceClusterKubectlProviderHandlerServiceRole'),
      [
        { action: 'eks:DescribeCluster', resource: cluster },
        { action: 'ecr:GetAuthorizationToken', resource: '*' }, // an oci:// chart in a private ECR registry
        { action: 'ecr-public:GetAuthorizationToken', resource: '*' }, // an oci:// chart on public.ecr.aws
        { action: 'sts:GetServiceBearerToken', resource: '*', context: { 'sts:AWSServiceName': 'ecr-public.amazonaws.com' } },
        ...lambdaLogs(logGroup),
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
        { action: 'ec2:CreateNetworkInterface', resource: '*' },
        { action: 'ec2:DescribeNetworkInterfaces', resource: '*' },
        { action: 'ec2:DeleteNetworkInterface', resource: '*' },
      ],
      [
        { action: 'eks:DescribeCluster', resource: OTHER_CLUSTER },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT }, // no chart asset
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      ]);
  });

  it('AWS Load Balancer Controller role: binding pods to the CloudFormation-owned target group', async () => {
    const t = sample.container;
    const r = new Resolver(t);
    const targetGroup = r.arnOf('ServiceLoadBalancerTargetGroup615986E6');
    const loadBalancer = r.arnOf('ServiceLoadBalancer3BC31695');
    await prove(t, 'container: AWS Load Balancer Controller role', roleId(t, 'SampleContainerdev'),
      [
        // A TargetGroupBinding: https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/targetgroupbinding/
        { action: 'elasticloadbalancing:DescribeTargetGroups', resource: '*' },
        { action: 'elasticloadbalancing:DescribeTargetHealth', resource: '*' },
        { action: 'elasticloadbalancing:RegisterTargets', resource: targetGroup },
        { action: 'elasticloadbalancing:DeregisterTargets', resource: targetGroup },
        { action: 'ec2:DescribeSecurityGroups', resource: '*' },
        { action: 'ec2:DescribeInstances', resource: '*' },
        { action: 'ec2:DescribeNetworkInterfaces', resource: '*' },
        { action: 'ec2:DescribeSubnets', resource: '*' },
        { action: 'ec2:DescribeVpcs', resource: '*' },
      ],
      [
        // The load balancer CloudFormation owns carries no elbv2.k8s.aws/cluster tag: the controller cannot delete or change it.
        { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: loadBalancer },
        { action: 'elasticloadbalancing:DeleteTargetGroup', resource: targetGroup },
        { action: 'iam:CreateRole', resource: `arn:${P}:iam::${A}:role/x` },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      ]);
    // Known scope of the controller's published policy (which the cluster attaches): Register and
    // DeregisterTargets on every target group (`targetgroup/*/*`), another app's too. Reported in
    // issue 12; turns red when it is scoped to the cluster's target groups.
    const otherTargetGroup = `arn:${P}:elasticloadbalancing:${R}:${A}:targetgroup/another-app/fedcba9876543210`;
    expect(await decide(roleIdentity(t, roleId(t, 'SampleContainerdev')), { action: 'elasticloadbalancing:RegisterTargets', resource: otherTargetGroup })).toBe('Allowed');
  });
});

describe('serverless sample', () => {
  it('Lambda role: its handler\'s SDK calls (none) and its logs', async () => {
    const t = sample.serverless;
    expect(sdkCalls(SAMPLE_APP_DIR, ['lambda.js', 'respond.js'])).toEqual([]);
    const r = new Resolver(t);
    await prove(t, 'serverless: Lambda role', roleId(t, 'ServiceServiceRole'),
      lambdaLogs(r.arnOf('ServiceLogGroupB910EE76')),
      [
        { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM },
        { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      ]);
  });

  it('CodeDeploy role: shifting the live alias, reading the alarm', async () => {
    const t = sample.serverless;
    const r = new Resolver(t);
    const fn = r.arnOf('ServiceAD644FD0');
    await prove(t, 'serverless: CodeDeploy role', roleId(t, 'ServiceDeploymentGroupServiceRole'),
      [
        // https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html
        { action: 'lambda:GetAlias', resource: `${fn}:live` },
        { action: 'lambda:UpdateAlias', resource: `${fn}:live` },
        { action: 'cloudwatch:DescribeAlarms', resource: `arn:${P}:cloudwatch:${R}:${A}:alarm:errors` },
      ],
      [
        { action: 'lambda:UpdateFunctionCode', resource: fn },
        { action: 'lambda:DeleteFunction', resource: fn },
        { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      ]);
    // Known scope of AWSCodeDeployRoleForLambdaLimited (v1), AWS's policy for this role: UpdateAlias
    // and GetAlias on every function ("Resource": "*"), so another function's alias can be moved.
    // Reported in issue 12; turns red when the deployment group's role is scoped.
    expect(await decide(roleIdentity(t, roleId(t, 'ServiceDeploymentGroupServiceRole')), { action: 'lambda:UpdateAlias', resource: `${OTHER_FUNCTION}:live` })).toBe('Allowed');
  });
});

// ---------------------------------------------------------------------------------------------
// The other roles of the sample stacks: the network's (NAT instance, VPC flow logs), the EKS
// cluster role, Image Builder's image deletion role and aws-cdk-lib's custom-resource roles, whose
// calls are read from the handler source aws-cdk-lib ships (node_modules/aws-cdk-lib/...).

const CDK_LIB = path.dirname(require.resolve('aws-cdk-lib/package.json'));
const cdkHandler = (file: string) => fs.readFileSync(path.join(CDK_LIB, file), 'utf8');
/** aws-cdk-lib's custom-resources Provider framework runtime (the code of its onEvent, isComplete and onTimeout functions). */
const FRAMEWORK_RUNTIME = 'custom-resources/lib/provider-framework/runtime';
/**
 * What one of the framework's handlers (framework.js `onEvent`, `isComplete`, `onTimeout`) calls: the
 * environment variables naming the user functions it invokes (`invokeUserFunction`, outbound.js
 * invokeFunction) and the state machines it starts (outbound.js startExecution).
 */
function frameworkHandlerCalls(handler: 'onEvent' | 'isComplete' | 'onTimeout'): { invokes: string[]; starts: string[] } {
  const src = cdkHandler(`${FRAMEWORK_RUNTIME}/framework.js`);
  const consts = Object.fromEntries([...cdkHandler(`${FRAMEWORK_RUNTIME}/consts.js`).matchAll(/exports\.(\w+)="(\w+)"/g)].map((m) => [m[1]!, m[2]!]));
  const start = src.indexOf(`async function ${handler}(`);
  expect(start, `framework.js ${handler}`).toBeGreaterThan(-1);
  const end = src.indexOf('function ', start + `async function ${handler}(`.length);
  const body = src.slice(start, end === -1 ? undefined : end);
  const envOf = (name: string) => {
    expect(consts[name], `consts.${name}`).toBeDefined();
    return consts[name]!;
  };
  const invokes = [...body.matchAll(/invokeUserFunction\(consts\.(\w+)/g)].map((m) => envOf(m[1]!));
  const starts = /outbound_1\.startExecution\)/.test(body) ? [...new Set([...body.matchAll(/stateMachineArn:\(0,util_1\.getEnv\)\(consts\.(\w+)\)/g)].map((m) => envOf(m[1]!)))] : [];
  if (/outbound_1\.startExecution\)/.test(body)) expect(starts, `framework.js ${handler}: the state machine it starts`).toHaveLength(1);
  // No other outbound call (or a direct SDK call) is left unread.
  expect([...body.matchAll(/outbound_1\.(\w+)/g)].map((m) => m[1]).filter((c) => c !== 'startExecution'), `framework.js ${handler}`).toEqual([]);
  expect(body, `framework.js ${handler}`).not.toContain('@aws-sdk');
  return { invokes, starts };
}
const OTHER_SECURITY_GROUP = `arn:${P}:ec2:${R}:${A}:security-group/sg-0another0000000000`;
const OTHER_BUCKET = `arn:${P}:s3:::another-bucket`;
/** Roles of the four sample stacks, by stack, that hold `Ref`/`GetAtt` of a role (instance profiles, flow logs, functions). */
function roleOfInstance(t: CfnTemplate, instanceId: string): string {
  const profile = t.Resources[instanceId]!.Properties.IamInstanceProfile.Ref as string;
  return t.Resources[profile]!.Properties.Roles[0].Ref as string;
}
function roleOfFunction(t: CfnTemplate, fnId: string): string {
  return t.Resources[fnId]!.Properties.Role['Fn::GetAtt'][0] as string;
}
/** Lambda's own log group for a function without one in the template (`/aws/lambda/<name>`). */
function defaultLambdaLogGroup(t: CfnTemplate, fnId: string): string {
  return `arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/${new Resolver(t).physicalName(fnId)}:*`;
}
/** The sample stacks that hold a resource of this type. */
function stacksWith(type: string): Array<[string, CfnTemplate]> {
  return Object.entries(sample).filter(([, t]) => resourceIds(t, type).length > 0);
}

describe('network roles (server, vm and container samples)', () => {
  it('NAT instance role: its user data makes no AWS call (cfn-signal needs no credentials), so nothing is allowed', async () => {
    let count = 0;
    for (const [name, t] of Object.entries(sample)) {
      for (const instance of resourceIds(t, 'AWS::EC2::Instance').filter((id) => id.includes('NatInstance'))) {
        const script = scriptsOf(t, [instance]);
        expect(script, `${name}: the NAT user data`).toContain('cfn-signal --exit-code');
        expect(cliCalls(script)).toEqual([]);
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-signal.html: "cfn-signal
        // doesn't require credentials ... CloudFormation checks for stack membership and limits the
        // scope of the call to the stack that the instance belongs to."
        expect(script, 'cfn-signal without credentials').not.toMatch(/cfn-signal[^\n]*--(role|access-key|credential-file)/);
        const role = roleOfInstance(t, instance);
        expect(roleIdentity(t, role).policies, `${name}: the NAT role has no policy`).toEqual([]);
        await prove(t, `${name}: NAT instance role`, role, [], [
          { action: 'cloudformation:SignalResource', resource: `arn:${P}:cloudformation:${R}:${A}:stack/TestStack/1` },
          { action: 'ec2:ModifyInstanceAttribute', resource: `arn:${P}:ec2:${R}:${A}:instance/i-0123456789abcdef0` },
          { action: 'ssm:UpdateInstanceInformation', resource: `arn:${P}:ec2:${R}:${A}:instance/i-0123456789abcdef0` },
          { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
          { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        ], 'ec2.amazonaws.com');
        count++;
      }
    }
    expect(count).toBe(3); // one NAT instance in each of server, vm and container
  });

  it('VPC flow-log role: writes its own log group only; assumed by vpc-flow-logs.amazonaws.com', async () => {
    let count = 0;
    for (const [name, t] of stacksWith('AWS::EC2::FlowLog')) {
      const r = new Resolver(t);
      for (const id of resourceIds(t, 'AWS::EC2::FlowLog')) {
        const props = t.Resources[id]!.Properties;
        expect(props.LogDestinationType).toBe('cloud-watch-logs');
        const group = r.arnOf(props.LogGroupName.Ref);
        const stream = group.replace(/:\*$/, ':log-stream:eni-0123456789abcdef0-all');
        await prove(t, `${name}: VPC flow-log role`, props.DeliverLogsPermissionArn['Fn::GetAtt'][0],
          [
            // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
            { action: 'logs:CreateLogStream', resource: stream },
            { action: 'logs:PutLogEvents', resource: stream },
            { action: 'logs:DescribeLogStreams', resource: group },
          ],
          [
            { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM },
            { action: 'logs:CreateLogStream', resource: OTHER_LOG_GROUP_STREAM },
            { action: 'logs:CreateLogGroup', resource: `arn:${P}:logs:${R}:${A}:log-group:/other/app:*` },
            { action: 'logs:DeleteLogGroup', resource: group },
            { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
          ], 'vpc-flow-logs.amazonaws.com');
        // Known scope of aws-cdk-lib's flow-log role (FlowLog with a CloudWatch Logs destination): its
        // trust policy has no aws:SourceAccount/aws:SourceArn condition, which the VPC guide recommends
        // against the confused deputy (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html),
        // so the service assumes it for a flow log of another account too. Reported in issue 12; turns
        // red when the role's trust is scoped.
        expect(await trustDecision(t, props.DeliverLogsPermissionArn['Fn::GetAtt'][0], 'vpc-flow-logs.amazonaws.com', 'sts:AssumeRole',
          { 'aws:SourceAccount': '999999999999', 'aws:SourceArn': `arn:${P}:ec2:${R}:999999999999:vpc-flow-log/fl-0123` })).toBe('Allowed');
        count++;
      }
    }
    expect(count).toBe(3);
  });
});

describe('aws-cdk-lib custom-resource roles (calls read from the handler source aws-cdk-lib ships)', () => {
  it('restrict-default-security-group role: removes the default security group\'s rules, that group only', async () => {
    const file = 'custom-resource-handlers/dist/aws-ec2/restrict-default-security-group-handler/index.js';
    const actions = sdkV3Actions(cdkHandler(file));
    expect(actions).toEqual(['ec2:AuthorizeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress']);
    let count = 0;
    for (const [name, t] of stacksWith('Custom::VpcRestrictDefaultSG')) {
      const r = new Resolver(t);
      for (const id of resourceIds(t, 'Custom::VpcRestrictDefaultSG')) {
        const props = r.resolve(t.Resources[id]!.Properties);
        const group = `arn:${P}:ec2:${R}:${A}:security-group/${props.DefaultSecurityGroupId}`;
        const fn = t.Resources[id]!.Properties.ServiceToken['Fn::GetAtt'][0] as string;
        await prove(t, `${name}: restrict-default-security-group role`, roleOfFunction(t, fn),
          [...actions.map((action) => ({ action, resource: group })), ...lambdaLogs(defaultLambdaLogGroup(t, fn))],
          [
            ...actions.map((action) => ({ action, resource: OTHER_SECURITY_GROUP })),
            { action: 'ec2:DeleteSecurityGroup', resource: group },
            { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
          ], 'lambda.amazonaws.com');
        // Known scope of AWSLambdaBasicExecutionRole (v1), which aws-cdk-lib attaches to every
        // custom-resource provider role (and the kubectl roles): logs:CreateLogGroup, CreateLogStream and
        // PutLogEvents on "*", so these roles can write another log group. Reported in issue 12; turns
        // red when aws-cdk-lib scopes them (then move it into the denials).
        expect(await decide(roleIdentity(t, roleOfFunction(t, fn)), { action: 'logs:PutLogEvents', resource: OTHER_LOG_GROUP_STREAM })).toBe('Allowed');
        count++;
      }
    }
    expect(count).toBe(3);
  });

  it('S3 auto-delete-objects role: empties its own buckets (their bucket policies grant it), no other bucket', async () => {
    const file = 'custom-resource-handlers/dist/aws-s3/auto-delete-objects-handler/index.js';
    const actions = sdkV3Actions(cdkHandler(file));
    expect(actions).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetBucketPolicy', 's3:GetBucketTagging', 's3:ListBucketVersions', 's3:PutBucketPolicy']);
    const onObjects = (action: string) => action.startsWith('s3:DeleteObject');
    let count = 0;
    for (const [name, t] of stacksWith('Custom::S3AutoDeleteObjects')) {
      const r = new Resolver(t);
      const fn = new Set(resourceIds(t, 'Custom::S3AutoDeleteObjects').map((id) => t.Resources[id]!.Properties.ServiceToken['Fn::GetAtt'][0] as string));
      expect(fn.size).toBe(1); // one provider (and role) per stack
      const role = roleOfFunction(t, [...fn][0]!);
      const allowed: Call[] = [];
      const denied: Call[] = [];
      for (const id of resourceIds(t, 'Custom::S3AutoDeleteObjects')) {
        const bucketId = t.Resources[id]!.Properties.BucketName.Ref as string;
        const bucket = r.arnOf(bucketId);
        const policies = resourceIds(t, 'AWS::S3::BucketPolicy').filter((p) => t.Resources[p]!.Properties.Bucket.Ref === bucketId);
        expect(policies).toHaveLength(1);
        const resourcePolicy = r.resolve(t.Resources[policies[0]!]!.Properties.PolicyDocument);
        const secure = { 'aws:SecureTransport': 'true' };
        for (const action of actions) allowed.push({ action, resource: onObjects(action) ? `${bucket}/alb/AWSLogs/x.log.gz` : bucket, context: secure, resourcePolicy });
        // The bucket policy denies every request without TLS, this role's too.
        denied.push({ action: 's3:DeleteObject', resource: `${bucket}/alb/AWSLogs/x.log.gz`, context: { 'aws:SecureTransport': 'false' }, resourcePolicy });
        // It may not put objects (the handler denies new objects before emptying).
        denied.push({ action: 's3:PutObject', resource: `${bucket}/x`, context: secure, resourcePolicy });
        count++;
      }
      await prove(t, `${name}: S3 auto-delete-objects role`, role,
        [...allowed, ...lambdaLogs(defaultLambdaLogGroup(t, [...fn][0]!))],
        [
          ...denied,
          // Another bucket: no bucket policy grants it and its identity policy has no S3 action.
          ...actions.map((action) => ({ action, resource: onObjects(action) ? OTHER_BUCKET_OBJECT : OTHER_BUCKET, context: { 'aws:SecureTransport': 'true' } })),
        ], 'lambda.amazonaws.com');
    }
    expect(count).toBe(2); // the ALB access-log buckets of vm and container
  });

  it('CfnJson (AWSCDKCfnUtilsProvider) role: its handler makes no AWS call', async () => {
    const file = 'core/lib/dist/core/cfn-utils-provider/index.js';
    expect(sdkV3Actions(cdkHandler(file))).toEqual([]);
    expect(cdkHandler(file)).not.toContain('@aws-sdk');
    const [name, t] = stacksWith('Custom::AWSCDKCfnJson')[0]!;
    const fns = new Set(resourceIds(t, 'Custom::AWSCDKCfnJson').map((id) => t.Resources[id]!.Properties.ServiceToken['Fn::GetAtt'][0] as string));
    expect(fns.size).toBe(1);
    const fn = [...fns][0]!;
    await prove(t, `${name}: CfnJson provider role`, roleOfFunction(t, fn), lambdaLogs(defaultLambdaLogGroup(t, fn)), [
      { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
      { action: 'iam:PassRole', resource: `arn:${P}:iam::${A}:role/any` },
    ], 'lambda.amazonaws.com');
  });

  it('kubectl provider framework onEvent role: invokes the kubectl handler only', async () => {
    const t = sample.container;
    const r = new Resolver(t);
    // The provider framework's runtime (aws-cdk-lib/custom-resources/lib/provider-framework/runtime):
    // invoke (retried after waitUntilFunctionActiveV2, a GetFunction poll) and startExecution, which
    // only a provider with an isComplete handler makes (its waiter state machine).
    const actions = sdkV3Actions(cdkHandler(`${FRAMEWORK_RUNTIME}/outbound.js`));
    expect(actions).toEqual(['lambda:GetFunction', 'lambda:InvokeFunction', 'states:StartExecution']);
    expect(resourceIds(t, 'AWS::StepFunctions::StateMachine'), 'no isComplete waiter').toEqual([]);
    const onEvent = resourceIds(t, 'AWS::Lambda::Function', 'ServiceClusterKubectlProviderframeworkonEvent');
    expect(onEvent).toHaveLength(1);
    const env = t.Resources[onEvent[0]!]!.Properties.Environment.Variables;
    const handler = r.resolve(env.USER_ON_EVENT_FUNCTION_ARN);
    expect(handler).toBe(r.arnOf(resourceIds(t, 'AWS::Lambda::Function', 'ServiceClusterKubectlProviderHandler')[0]!));
    await prove(t, 'container: kubectl provider framework onEvent role', roleOfFunction(t, onEvent[0]!),
      [
        { action: 'lambda:InvokeFunction', resource: handler },
        { action: 'lambda:GetFunction', resource: handler },
        ...lambdaLogs(r.arnOf(resourceIds(t, 'AWS::Logs::LogGroup', 'ServiceClusterKubectlProviderframeworkonEvent')[0]!)),
        // In the cluster's VPC: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
        { action: 'ec2:CreateNetworkInterface', resource: '*' },
        { action: 'ec2:DescribeNetworkInterfaces', resource: '*' },
        { action: 'ec2:DeleteNetworkInterface', resource: '*' },
      ],
      [
        { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
        { action: 'lambda:UpdateFunctionCode', resource: handler },
        { action: 'states:StartExecution', resource: `arn:${P}:states:${R}:${A}:stateMachine:any` },
        { action: 'eks:DescribeCluster', resource: r.arnOf('ServiceCluster99DC8B80') },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      ], 'lambda.amazonaws.com');
  });

  // The server sample's two rollout waiters (constructs/server/rollout-waiter.ts) use a Provider with
  // an isComplete handler: its framework's onEvent, isComplete and onTimeout functions and its waiter
  // state machine, each with its own role.
  const frameworks = [
    { name: 'fleet rollout waiter', prefix: 'ServiceFleetRolloutWaiter', other: 'ServiceLoadBalancerConfigWaiter' },
    { name: 'nginx config waiter', prefix: 'ServiceLoadBalancerConfigWaiter', other: 'ServiceFleetRolloutWaiter' },
  ];
  for (const w of frameworks) {
    it(`${w.name} Provider framework roles (onEvent, isComplete, onTimeout, waiter state machine): each calls its own targets only`, async () => {
      const t = sample.server;
      const r = new Resolver(t);
      const one = (type: string, prefix: string) => {
        const ids = resourceIds(t, type, prefix);
        expect(ids, prefix).toHaveLength(1);
        return ids[0]!;
      };
      const fnArn = (prefix: string) => r.arnOf(one('AWS::Lambda::Function', prefix));
      const stateMachine = one('AWS::StepFunctions::StateMachine', `${w.prefix}Provider`);
      const stateMachineArn = r.arnOf(stateMachine);
      const otherStateMachineArn = r.arnOf(one('AWS::StepFunctions::StateMachine', `${w.other}Provider`));
      const user = { onEvent: fnArn(`${w.prefix}OnEvent`), isComplete: fnArn(`${w.prefix}IsComplete`) };
      const otherUser = { onEvent: fnArn(`${w.other}OnEvent`), isComplete: fnArn(`${w.other}IsComplete`) };
      const logGroupId = one('AWS::Logs::LogGroup', `${w.prefix}LogGroup`);
      const outbound = sdkV3Actions(cdkHandler(`${FRAMEWORK_RUNTIME}/outbound.js`));
      expect(outbound).toEqual(['lambda:GetFunction', 'lambda:InvokeFunction', 'states:StartExecution']);
      const expected = {
        onEvent: { invokes: [user.onEvent], starts: [stateMachineArn] },
        isComplete: { invokes: [user.isComplete], starts: [] },
        onTimeout: { invokes: [], starts: [] },
      };
      const framework: Record<string, string> = {};
      for (const handler of ['onEvent', 'isComplete', 'onTimeout'] as const) {
        const fn = one('AWS::Lambda::Function', `${w.prefix}Providerframework${handler}`);
        framework[handler] = r.arnOf(fn);
        const props = t.Resources[fn]!.Properties;
        expect(props.Handler).toBe(`framework.${handler}`);
        // The framework functions log to the waiter's log group (the Provider's `logGroup`).
        expect(props.LoggingConfig.LogGroup).toEqual({ Ref: logGroupId });
        const env = r.resolve(props.Environment.Variables) as Record<string, string>;
        const calls = frameworkHandlerCalls(handler);
        const invokes = calls.invokes.map((v) => env[v]!);
        const starts = calls.starts.map((v) => env[v]!);
        expect({ invokes, starts }, `framework.${handler}`).toEqual(expected[handler]);
        const role = roleOfFunction(t, fn);
        await prove(t, `server: ${w.name} Provider framework ${handler} role`, role,
          [
            // outbound.js invokeFunction: Invoke, retried after waitUntilFunctionActiveV2 (GetFunction).
            ...invokes.flatMap((resource) => [{ action: 'lambda:InvokeFunction', resource }, { action: 'lambda:GetFunction', resource }]),
            // outbound.js startExecution.
            ...starts.map((resource) => ({ action: 'states:StartExecution', resource })),
            ...lambdaLogs(r.arnOf(logGroupId)),
          ],
          [
            { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
            { action: 'lambda:InvokeFunction', resource: otherUser.onEvent },
            { action: 'lambda:InvokeFunction', resource: otherUser.isComplete },
            { action: 'lambda:UpdateFunctionCode', resource: user.onEvent },
            { action: 'lambda:UpdateFunctionCode', resource: user.isComplete },
            { action: 'states:StartExecution', resource: otherStateMachineArn },
            // Only onEvent starts the waiter.
            ...(starts.length === 0 ? [{ action: 'states:StartExecution', resource: stateMachineArn }] : []),
            { action: 'ssm:DescribeAssociationExecutions', resource: `arn:${P}:ssm:${R}:${A}:association/*` },
            { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
            { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
          ], 'lambda.amazonaws.com');
        // Known scope of aws-cdk-lib's Provider: it renders the same invoke grant (the user onEvent and
        // isComplete functions, `<arn>` and `<arn>:*`) on all three framework roles, so the framework's
        // isComplete and onTimeout roles may invoke a user function their handler never calls. Turns red
        // when aws-cdk-lib scopes each role to its handler's calls (then move these into the denials).
        for (const target of [user.onEvent, user.isComplete].filter((a) => !invokes.includes(a))) {
          expect(await decide(roleIdentity(t, role), { action: 'lambda:InvokeFunction', resource: target }), `framework.${handler} may invoke ${target}`).toBe('Allowed');
        }
      }

      // The waiter state machine (aws-cdk-lib's provider-framework/waiter-state-machine.js): its Task
      // states' resources are Lambda function ARNs, which Step Functions invokes with the role
      // (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
      const props = t.Resources[stateMachine]!.Properties;
      const definition = JSON.parse(r.resolve(props.DefinitionString)) as { States: Record<string, { Type: string; Resource?: string }> };
      const tasks = Object.values(definition.States).filter((s) => s.Type === 'Task').map((s) => s.Resource!);
      expect(tasks).toEqual([framework.isComplete, framework.onTimeout]);
      await prove(t, `server: ${w.name} Provider waiter state machine role`, props.RoleArn['Fn::GetAtt'][0] as string,
        tasks.map((resource) => ({ action: 'lambda:InvokeFunction', resource })),
        [
          { action: 'lambda:InvokeFunction', resource: OTHER_FUNCTION },
          { action: 'lambda:InvokeFunction', resource: framework.onEvent! },
          { action: 'lambda:InvokeFunction', resource: user.onEvent },
          { action: 'lambda:InvokeFunction', resource: user.isComplete },
          { action: 'lambda:InvokeFunction', resource: r.arnOf(one('AWS::Lambda::Function', `${w.other}ProviderframeworkisComplete`)) },
          { action: 'lambda:UpdateFunctionCode', resource: framework.isComplete! },
          { action: 'states:StartExecution', resource: stateMachineArn },
          { action: 'states:StartExecution', resource: otherStateMachineArn },
          { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
          { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        ], 'states.amazonaws.com');
    });
  }
});

describe('service roles', () => {
  it('EKS cluster role: AmazonEKSClusterPolicy\'s documented uses; assumed by eks.amazonaws.com', async () => {
    const t = sample.container;
    const r = new Resolver(t);
    const clusterRole = t.Resources.ServiceCluster99DC8B80!.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const eni = `arn:${P}:ec2:${R}:${A}:network-interface/eni-0123456789abcdef0`;
    await prove(t, 'container: EKS cluster role', clusterRole,
      [
        // https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html: the minimum "to manage nodes"
        { action: 'ec2:CreateTags', resource: `arn:${P}:ec2:${R}:${A}:instance/i-0123456789abcdef0`, context: { 'aws:TagKeys': ['kubernetes.io/cluster/sample'] } },
        ...['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstanceTopology']
          .map((action) => ({ action, resource: '*' })),
        { action: 'kms:DescribeKey', resource: `arn:${P}:kms:${R}:${A}:key/11111111-2222-3333-4444-555555555555` },
        // ... and the rest of AmazonEKSClusterPolicy (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEKSClusterPolicy.html):
        // the legacy cloud provider's load balancers, and the VPC CNI's leaked ENIs.
        { action: 'ec2:DescribeSubnets', resource: '*' },
        { action: 'ec2:DescribeSecurityGroups', resource: '*' },
        { action: 'elasticloadbalancing:DescribeLoadBalancers', resource: '*' },
        { action: 'ec2:DeleteNetworkInterface', resource: eni, context: { 'ec2:ResourceTag/eks:eni:owner': 'amazon-vpc-cni' } },
        { action: 'iam:CreateServiceLinkedRole', resource: `arn:${P}:iam::${A}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`, context: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
      ],
      [
        { action: 'ec2:DeleteNetworkInterface', resource: eni, context: { 'ec2:ResourceTag/eks:eni:owner': 'someone-else' } },
        { action: 'iam:CreateServiceLinkedRole', resource: `arn:${P}:iam::${A}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`, context: { 'iam:AWSServiceName': 'rds.amazonaws.com' } },
        { action: 'eks:DescribeCluster', resource: OTHER_CLUSTER },
        { action: 'eks:DeleteCluster', resource: r.arnOf('ServiceCluster99DC8B80') },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
      ], 'eks.amazonaws.com');
    // Known scope of AmazonEKSClusterPolicy (v10), which EKS requires for the legacy cloud provider:
    // elasticloadbalancing:* management actions on "*", the CloudFormation-owned ALB of the sample
    // included. Reported in issue 12; AWS's policy, not ours to scope.
    expect(await decide(roleIdentity(t, clusterRole), { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: r.arnOf('ServiceLoadBalancer3BC31695') })).toBe('Allowed');
  });

  it('Image Builder image deletion role: deregisters AMIs and deletes snapshots Image Builder created only', async () => {
    const t = sample.vm;
    const images = resourceIds(t, 'AWS::ImageBuilder::Image');
    expect(images).toHaveLength(1);
    const role = t.Resources[images[0]!]!.Properties.DeletionSettings.ExecutionRole['Fn::GetAtt'][0] as string;
    const ami = `arn:${P}:ec2:${R}::image/ami-0123456789abcdef0`;
    const snapshot = `arn:${P}:ec2:${R}::snapshot/snap-0123456789abcdef0`;
    const byImageBuilder = { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' };
    await prove(t, 'vm: Image Builder image deletion role', role,
      [
        // AWS::ImageBuilder::Image DeletionSettings.ExecutionRole: Image Builder deletes the image and
        // its resources with it (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-imagebuilder-image-deletionsettings.html);
        // the calls are those of the lifecycle execution policy
        // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderLifecycleExecutionPolicy.html).
        { action: 'imagebuilder:DeleteImage', resource: `arn:${P}:imagebuilder:${R}:${A}:image/sample-app/1.0.0/1` },
        { action: 'ec2:DescribeImages', resource: '*' },
        { action: 'ec2:DeregisterImage', resource: ami, context: byImageBuilder },
        { action: 'ec2:DeleteSnapshot', resource: snapshot, context: byImageBuilder },
      ],
      [
        { action: 'ec2:DeregisterImage', resource: ami, context: { 'aws:ResourceTag/CreatedBy': 'someone' } },
        { action: 'ec2:DeleteSnapshot', resource: snapshot },
        { action: 'ec2:TerminateInstances', resource: `arn:${P}:ec2:${R}:${A}:instance/i-0123456789abcdef0` },
        { action: 's3:GetObject', resource: OTHER_BUCKET_OBJECT },
        { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      ], 'imagebuilder.amazonaws.com');
  });
});

/**
 * Roles of the sample stacks deliberately not proven here, each with its reason (by logical-id
 * prefix and stack). A role neither proven above nor listed here fails the coverage test.
 */
const OUT_OF_SCOPE: Array<{ stack: keyof typeof sample; prefix: string; reason: string }> = [
  // None: every role of the four sample stacks is proven above.
];

/** The roles of `templates` neither in `proven` nor in `outOfScope` (with a reason), and the out-of-scope entries matching no role. */
function uncoveredRoles(templates: Record<string, CfnTemplate>, proven: Map<CfnTemplate, Set<string>>, outOfScope: typeof OUT_OF_SCOPE) {
  const missing: string[] = [];
  const stale: string[] = [];
  for (const [name, t] of Object.entries(templates)) {
    const roles = resourceIds(t, 'AWS::IAM::Role');
    for (const id of roles) {
      if (proven.get(t)?.has(id)) continue;
      if (outOfScope.some((o) => o.stack === name && id.startsWith(o.prefix) && o.reason.trim() !== '')) continue;
      missing.push(`${name}: ${id}`);
    }
    for (const o of outOfScope.filter((x) => x.stack === name)) if (!roles.some((id) => id.startsWith(o.prefix))) stale.push(`${name}: ${o.prefix}`);
  }
  return { missing, stale };
}

describe('coverage', () => {
  it('a role neither proven nor listed with a reason fails; so does a stale entry', () => {
    const role = { Type: 'AWS::IAM::Role', Properties: {} };
    const t: CfnTemplate = { Resources: { ProvenRole1: role, NewRole2: role } };
    const proven = new Map([[t, new Set(['ProvenRole1'])]]);
    expect(uncoveredRoles({ server: t }, proven, [])).toEqual({ missing: ['server: NewRole2'], stale: [] });
    expect(uncoveredRoles({ server: t }, proven, [{ stack: 'server', prefix: 'NewRole', reason: '' }]).missing).toEqual(['server: NewRole2']);
    expect(uncoveredRoles({ server: t }, proven, [{ stack: 'server', prefix: 'NewRole', reason: 'why' }, { stack: 'server', prefix: 'Gone', reason: 'why' }])).toEqual({ missing: [], stale: ['server: Gone'] });
  });

  it('every IAM role of every sample stack is proven above or listed out of scope with a reason', () => {
    const { missing, stale } = uncoveredRoles(sample, covered, OUT_OF_SCOPE);
    expect(missing, 'roles neither proven nor listed in OUT_OF_SCOPE').toEqual([]);
    expect(stale, 'OUT_OF_SCOPE entries that match no role').toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The same identities reading secrets: by name, by ARN and as a SecureString parameter, each under
// a customer-managed KMS key (defect 4), in one small app (one synth for the file).

const KEY = `arn:${P}:kms:${R}:${A}:key/11111111-2222-3333-4444-555555555555`;
const OTHER_KEY = `arn:${P}:kms:${R}:${A}:key/99999999-8888-7777-6666-555555555555`;
const SECRET_ARN = `arn:${P}:secretsmanager:${R}:${A}:secret:app/api-key-AbC123`;

function secretsOf(stack: Stack) {
  const key = kms.Key.fromKeyArn(stack, 'Key', KEY);
  return {
    DB_PASSWORD: AppSecret.fromSecretName('app/db', { jsonField: 'password', encryptionKey: key }),
    API_KEY: AppSecret.fromSecretArn(SECRET_ARN, { encryptionKey: key }),
    TOKEN: AppSecret.fromParameterName('/app/token', { encryptionKey: key }),
  };
}

/** The calls a secret reference found in a rendered script makes: the read, and the decrypt through that service. */
function secretReads(text: string): Call[] {
  const calls: Call[] = [];
  // `resolve:ssm:` is CloudFormation's own parameter lookup (the AMI id), not a secret reference.
  for (const m of new Set(text.match(/(?<!resolve:)\b(?:secretsmanager|ssm):(?:arn:[^\s"'#,\\]+|\/?[A-Za-z0-9/_+=.@-]+)/g) ?? [])) {
    const [service, ...rest] = m.split(':');
    const id = rest.join(':');
    if (service === 'ssm' && !id.startsWith('/')) continue; // an IAM action such as ssm:GetParameter, not a reference
    if (service === 'secretsmanager' && /^[A-Z]/.test(id)) continue;
    if (service === 'ssm') calls.push({ action: 'ssm:GetParameter', resource: `arn:${P}:ssm:${R}:${A}:parameter${id}` });
    else calls.push({ action: 'secretsmanager:GetSecretValue', resource: id.startsWith('arn:') ? id : `arn:${P}:secretsmanager:${R}:${A}:secret:${id}-XyZ789` });
    calls.push({ action: 'kms:Decrypt', resource: KEY, context: { 'kms:ViaService': `${service}.${R}.amazonaws.com` } });
  }
  return calls;
}
const EXPECTED_READS = 6; // three secrets: a read and a decrypt each

const OTHER_PARAMETER: Call = { action: 'ssm:GetParameter', resource: `arn:${P}:ssm:${R}:${A}:parameter/other-app/token` };
const SECRET_DENIALS: Call[] = [
  { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
  { action: 'kms:Decrypt', resource: OTHER_KEY, context: { 'kms:ViaService': `secretsmanager.${R}.amazonaws.com` } },
  // The key only through the secret's service: not a direct Decrypt of any ciphertext.
  { action: 'kms:Decrypt', resource: KEY },
];

/**
 * Known gap, reported in issue 12: AmazonSSMManagedInstanceCore (v2) allows ssm:GetParameter and
 * ssm:GetParameters on every parameter, so an EC2 role with it (server, vm) can read another app's
 * parameter; a SecureString under another customer-managed key still cannot be decrypted (denied
 * above), one under the AWS-managed `aws/ssm` key can. This assertion turns red when the styles
 * scope it (then move OTHER_PARAMETER into their denials).
 */
async function expectManagedCoreReadsAnyParameter(t: CfnTemplate, role: string) {
  expect(await decide(roleIdentity(t, role), OTHER_PARAMETER)).toBe('Allowed');
}

describe('secrets under a customer-managed KMS key (identity side only: the key policy is assumed to be the default one)', () => {
  let t: Record<'server' | 'vm' | 'container' | 'serverless', CfnTemplate>;
  beforeAll(() => {
    const app = new App({ context: CDK_CONTEXT });
    const stack = (id: string) => new Stack(app, id, { env: { account: A, region: R } });
    const source = AppSource.fromDirectory(SAMPLE_APP_DIR);
    const server = stack('Server');
    new ServerService(server, 'Svc', { app: { source, secrets: secretsOf(server) }, fleetSize: 1 });
    const vm = stack('Vm');
    new VmService(vm, 'Svc', { app: { source, secrets: secretsOf(vm) }, image: VmImage.fromAmiId('ami-0123456789abcdef0') });
    const container = stack('Container');
    new ContainerService(container, 'Svc', { app: { source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 8080, secrets: secretsOf(container) } });
    const serverless = stack('Serverless');
    new FunctionService(serverless, 'Svc', { app: { source, secrets: secretsOf(serverless) } });
    t = { server: Template.fromStack(server).toJSON(), vm: Template.fromStack(vm).toJSON(), container: Template.fromStack(container).toJSON(), serverless: Template.fromStack(serverless).toJSON() } as typeof t;
  });

  it('server: the app server role reads each secret its rendered scripts reference', async () => {
    const tt = t.server;
    const scripts = scriptsOf(tt, [...resourceIds(tt, 'AWS::EC2::Instance', 'SvcFleet'), ...resourceIds(tt, 'AWS::SSM::Document', 'SvcFleet'), ...resourceIds(tt, 'AWS::SSM::Association', 'SvcFleet')]);
    expect(cliCalls(scripts)).toEqual(['s3:GetObject', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']);
    const reads = secretReads(scripts);
    expect(reads).toHaveLength(EXPECTED_READS);
    await prove(tt, 'server + secrets: app server role', roleId(tt, 'SvcFleetRole'), reads, SECRET_DENIALS);
    await expectManagedCoreReadsAnyParameter(tt, roleId(tt, 'SvcFleetRole'));
  });

  it('vm: the instance role reads each secret its user data references', async () => {
    const tt = t.vm;
    const scripts = scriptsOf(tt, [...resourceIds(tt, 'AWS::EC2::LaunchTemplate'), ...resourceIds(tt, 'AWS::ImageBuilder::Component')]);
    expect(cliCalls(scripts)).toEqual(['secretsmanager:GetSecretValue', 'ssm:GetParameter']);
    const reads = secretReads(scripts);
    expect(reads).toHaveLength(EXPECTED_READS);
    await prove(tt, 'vm + secrets: instance role', roleId(tt, 'SvcInstanceRole'), reads, SECRET_DENIALS);
    await expectManagedCoreReadsAnyParameter(tt, roleId(tt, 'SvcInstanceRole'));
  });

  it('container: the pod role reads each secret its init container references', async () => {
    const tt = t.container;
    const manifests = scriptsOf(tt, resourceIds(tt, 'Custom::AWSCDK-EKS-KubernetesResource'));
    expect(cliCalls(manifests)).toEqual(['secretsmanager:GetSecretValue', 'ssm:GetParameter']);
    const reads = secretReads(manifests);
    expect(reads).toHaveLength(EXPECTED_READS);
    await prove(tt, 'container + secrets: pod role', roleId(tt, 'SvcPodRole'), reads, [...SECRET_DENIALS, OTHER_PARAMETER]);
  });

  it('serverless: the Lambda role reads each secret its *_SECRET_REF variables name', async () => {
    const tt = t.serverless;
    const fn = resourceIds(tt, 'AWS::Lambda::Function', 'Svc');
    const env = scriptsOf(tt, fn);
    const reads = secretReads(env);
    expect(reads).toHaveLength(EXPECTED_READS);
    await prove(tt, 'serverless + secrets: Lambda role', roleId(tt, 'SvcServiceRole'), reads, [...SECRET_DENIALS, OTHER_PARAMETER]);
  });
});

// `IAM_REPORT=<file> npx vitest run test/iam` writes what was proven, identity by identity (for the closing note).
afterAll(() => {
  if (process.env.IAM_REPORT) fs.writeFileSync(process.env.IAM_REPORT, JSON.stringify(report, null, 1));
});
