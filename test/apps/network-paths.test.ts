// Every network path the sample stacks need on their first deploy, walked over the synthesized
// templates by test/network/reachability.ts: for each workload that runs code, the AWS endpoints
// and peers it needs (on the right port, with the AWS page that says so), and that nothing but its
// load balancer reaches an app port. One synth of the sample app (no asset staging), in a
// temporary folder removed at the end.
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../../apps/sample-app-stacks';
import { CDK_CONTEXT } from '../helpers';
import { type CfnTemplate, type Destination, NetworkModel, type Packet, tcp, udp } from '../network/reachability';

/** Where AWS documents each need. */
const DOC = {
  ssm: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html (ssm, ssmmessages, ec2messages on 443)',
  s3: 'https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html (S3, incl. buckets AWS services download agents and packages from; AL2023 repositories are al2023-repos-<region>-* buckets)',
  logs: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-interface-VPC.html (the CloudWatch agent calls logs on 443)',
  secrets: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html (secretsmanager on 443; SSM parameters come from ssm)',
  imageBuilder: 'https://docs.aws.amazon.com/imagebuilder/latest/userguide/vpc-interface-endpoints.html (imagebuilder; AWSTOE and components from S3; Systems Manager drives the build)',
  cfnSignal: 'https://aws.amazon.com/blogs/mt/signaling-aws-cloudformation-waitconditions-using-aws-privatelink/ (cfn-signal calls the CloudFormation API)',
  cfnResponse: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html (a custom resource answers on a presigned S3 URL)',
  lambdaInvoke: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html (the provider framework invokes the handler through the lambda API)',
  eksPrivate: 'https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html (nodes: API private endpoint, ec2, ecr.api, ecr.dkr, s3, sts, logs; eks-auth for Pod Identity)',
  eksEndpoint: 'https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html (in-VPC clients use the private endpoint)',
  podIdentity: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html (the Pod Identity agent calls eks-auth AssumeRoleForPodIdentity)',
  eksSg: 'https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html (control plane to nodes: 443 and 10250; nodes to nodes: DNS 53)',
  albSg: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html (listener port in; instance listener and health-check port out)',
  lbController: 'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/targetgroupbinding (the AWS Load Balancer Controller registers the pods of a TargetGroupBinding with elasticloadbalancing RegisterTargets; its IRSA credentials come from sts)',
  podTargets: 'https://aws.github.io/aws-eks-best-practices/networking/sgpp/ (with the VPC CNI every pod uses its node\'s security groups, so an IP target is reached through the node\'s group)',
};

interface Need {
  readonly to: Destination;
  readonly packet: Packet;
  readonly doc: string;
}
const https = (service: string, doc: string): Need => ({ to: { service }, packet: tcp(443), doc });
const SSM_AGENT = ['ssm', 'ssmmessages', 'ec2messages'].map((s) => https(s, DOC.ssm));

type Style = 'server' | 'vm' | 'container' | 'serverless';
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'network-paths-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

let sample: ReturnType<typeof createSampleApp>['stacks'];
const models = {} as Record<Style, NetworkModel>;
const templates = {} as Record<Style, CfnTemplate>;
beforeAll(() => {
  // One synth of the whole app; assets are not staged (nothing here reads them).
  sample = createSampleApp({ context: { ...CDK_CONTEXT, 'aws:cdk:disable-asset-staging': true }, outdir, gate: false }).stacks;
  for (const style of ['server', 'vm', 'container', 'serverless'] as const) {
    const stack = sample[style] as Stack;
    templates[style] = Template.fromStack(stack).toJSON() as CfnTemplate;
    models[style] = NetworkModel.fromTemplate(templates[style], stack.stackName);
  }
});

/** The logical ID of a construct (or of its default child). */
function idOf(c: IConstruct): string {
  const cfn = c instanceof CfnElement ? c : (c.node.defaultChild as CfnElement);
  return Stack.of(cfn).resolve(cfn.logicalId) as string;
}

/** Asserts paths from one source: every unreachable one is listed (with its hops) in the failure. */
function expectPaths(style: Style, from: { workload: string } | { internet: true }, needs: readonly Need[]): void {
  const failures = needs
    .map((n) => ({ n, r: models[style].reach(from, n.to, n.packet) }))
    .filter(({ r }) => !r.reachable)
    .map(({ n, r }) => [r.summary, `    needed because: ${n.doc}`, ...r.hops.map((h) => `    ${h}`)].join('\n'));
  expect(failures.length, `${failures.length} of ${needs.length} paths unreachable:\n${failures.join('\n')}`).toBe(0);
}

/** The NAT instance of a stack's network (found from the routes that use it). */
function natOf(style: Style): string {
  const nats = models[style].workloads().filter((w) => w.natInstance);
  expect(nats).toHaveLength(1);
  return nats[0]!.id;
}

/** cfn-signal, when CloudFormation waits for the resource's signal (a CreationPolicy): the CloudFormation API on 443. */
function signalNeeds(style: Style, id: string): Need[] {
  const r = templates[style].Resources![id] as { CreationPolicy?: { ResourceSignal?: unknown } };
  return r.CreationPolicy?.ResourceSignal ? [https('cloudformation', DOC.cfnSignal)] : [];
}

/** What a NAT instance itself needs: packages for its set-up (S3), and CloudFormation when it signals. */
function natNeeds(style: Style): Need[] {
  return [https('s3', DOC.s3), ...signalNeeds(style, natOf(style))];
}

/** Every workload that runs code must appear in a stack's table of needs. */
function expectAllCovered(style: Style, covered: string[]): void {
  const running = models[style].workloads().filter((w) => w.runsCode).map((w) => w.id).sort();
  expect(running).toEqual([...new Set(covered)].sort());
}

describe('server sample: app servers and nginx', () => {
  const servers = () => sample.server.service.fleet.instances.map(idOf);
  const nginx = () => idOf(sample.server.service.loadBalancer.instance);
  const appPort = () => sample.server.service.fleet.app.port;
  // App servers: the SSM agent (rollouts are SSM associations), the code asset and dnf from S3,
  // the CloudWatch agent, and the app's secrets (Secrets Manager or SSM parameters).
  const serverNeeds: Need[] = [...SSM_AGENT, https('s3', DOC.s3), https('logs', DOC.logs), https('secretsmanager', DOC.secrets)];
  // nginx: the same agents (its configuration arrives by an SSM association), dnf from S3, its logs.
  const nginxNeeds: Need[] = [...SSM_AGENT, https('s3', DOC.s3), https('logs', DOC.logs)];

  it.each([0, 1, 2])('app server %i reaches SSM, S3, CloudWatch Logs and Secrets Manager on 443', (i) => {
    expectPaths('server', { workload: servers()[i]! }, [...serverNeeds, ...signalNeeds('server', servers()[i]!)]);
  });

  it('nginx reaches SSM, S3 and CloudWatch Logs on 443, and every app server on the app port', () => {
    expectPaths('server', { workload: nginx() }, [...nginxNeeds, ...signalNeeds('server', nginx())]);
    expectPaths('server', { workload: nginx() }, servers().map((s) => ({ to: { workload: s }, packet: tcp(appPort()), doc: 'nginx proxies to the app servers (constructs/server/nginx-config.ts)' })));
  });

  it('the internet reaches nginx on its listen port', () => {
    expectPaths('server', { internet: true }, [{ to: { workload: nginx() }, packet: tcp(sample.server.service.loadBalancer.listenPort), doc: 'the sample URL is nginx' }]);
  });

  it('nothing but nginx reaches an app server on the app port', () => {
    for (const s of servers()) expect(models.server.whoCanReach({ workload: s }, tcp(appPort())).map((r) => r.id)).toEqual([nginx()]);
  });

  it('the NAT instance reaches what its own set-up needs', () => {
    expectPaths('server', { workload: natOf('server') }, natNeeds('server'));
  });

  it('every workload that runs code is covered above', () => expectAllCovered('server', [...servers(), nginx(), natOf('server')]));
});

describe('vm sample: instances, the Image Builder build instance, the ALB', () => {
  const asg = () => idOf(sample.vm.service.autoScalingGroup);
  const alb = () => idOf(sample.vm.service.loadBalancer);
  const build = () => idOf(sample.vm.service.image!.infrastructureConfiguration);
  const appPort = () => sample.vm.service.app.port;
  // Instances boot from the baked image: the SSM agent, S3 (packages, if any), the CloudWatch
  // agent and the app's secrets.
  const instanceNeeds: Need[] = [...SSM_AGENT, https('s3', DOC.s3), https('logs', DOC.logs), https('secretsmanager', DOC.secrets)];
  // The build (and test) instance: Systems Manager drives it, AWSTOE and the app asset come from S3,
  // it reports to Image Builder and logs to CloudWatch.
  const buildNeeds: Need[] = [...SSM_AGENT.map((n) => ({ ...n, doc: `${n.doc}; ${DOC.imageBuilder}` })), https('s3', DOC.imageBuilder), https('imagebuilder', DOC.imageBuilder), https('logs', DOC.imageBuilder)];

  it('the instances reach SSM, S3, CloudWatch Logs and Secrets Manager on 443', () => {
    expectPaths('vm', { workload: asg() }, [...instanceNeeds, ...signalNeeds('vm', asg())]);
  });

  it('the Image Builder build instance reaches SSM, S3, Image Builder and CloudWatch Logs on 443', () => {
    expectPaths('vm', { workload: build() }, buildNeeds);
  });

  it('the internet reaches the ALB on every listener port (80)', () => {
    const ports = models.vm.listenerPorts(alb());
    expect(ports).toContain(80);
    expectPaths('vm', { internet: true }, ports.map((port) => ({ to: { workload: alb() }, packet: tcp(port), doc: DOC.albSg })));
  });

  it('the ALB reaches the instances on the app port (traffic and health checks)', () => {
    const tg = templates.vm.Resources![idOf(sample.vm.service.targetGroup)]!.Properties!;
    expect(tg.HealthCheckPort ?? 'traffic-port').toBe('traffic-port');
    expect(tg.Port).toBe(appPort());
    expectPaths('vm', { workload: alb() }, [{ to: { workload: asg() }, packet: tcp(appPort()), doc: DOC.albSg }]);
  });

  it('nothing but the ALB reaches the instances on the app port', () => {
    expect(models.vm.whoCanReach({ workload: asg() }, tcp(appPort())).map((r) => r.id)).toEqual([alb()]);
  });

  it('the NAT instance reaches what its own set-up needs', () => {
    expectPaths('vm', { workload: natOf('vm') }, natNeeds('vm'));
  });

  it('every workload that runs code is covered above', () => expectAllCovered('vm', [asg(), build(), natOf('vm')]));
});

describe('container sample: nodes, the kubectl provider, the control plane', () => {
  const cluster = () => idOf(sample.container.service.cluster);
  const nodes = () => idOf(sample.container.service.appCluster!.nodegroup!);
  const provider = () => sample.container.service.cluster.kubectlProvider!;
  const handler = () => idOf(provider().node.findChild('Handler'));
  const framework = () => idOf(provider().node.findChild('Provider').node.findChild('framework-onEvent'));
  // Nodes: register with and watch the API (private endpoint), pull images (ECR API, ECR registry,
  // layers in S3), the VPC CNI's EC2 calls, STS, CloudWatch Logs, and EKS Auth for the Pod Identity agent.
  const nodeNeeds: Need[] = [
    { to: { eksApi: 'CLUSTER' }, packet: tcp(443), doc: `${DOC.eksPrivate}; ${DOC.eksEndpoint}` },
    ...['ecr.api', 'ecr.dkr', 's3', 'sts', 'ec2', 'logs'].map((s) => https(s, DOC.eksPrivate)),
    https('eks-auth', DOC.podIdentity),
    https('elasticloadbalancing', DOC.lbController),
  ];
  // The kubectl handler: kubectl to the API inside the VPC; `aws eks update-kubeconfig`
  // (eks:DescribeCluster on the eks public endpoint) and STS over egress.
  const handlerNeeds: Need[] = [{ to: { eksApi: 'CLUSTER' }, packet: tcp(443), doc: DOC.eksEndpoint }, https('eks', DOC.eksPrivate), https('sts', DOC.eksPrivate)];
  // The provider framework's onEvent function: invokes the handler, answers CloudFormation on S3.
  const frameworkNeeds: Need[] = [https('lambda', DOC.lambdaInvoke), https('s3', DOC.cfnResponse)];
  const resolve = (n: Need): Need => ('eksApi' in n.to ? { ...n, to: { eksApi: cluster() } } : n);

  it('the nodes reach the API private endpoint, ECR, S3, STS, EC2, CloudWatch Logs and EKS Auth on 443', () => {
    expectPaths('container', { workload: nodes() }, nodeNeeds.map(resolve));
  });

  it('the kubectl handler reaches the API inside the VPC, and EKS and STS over egress', () => {
    expectPaths('container', { workload: handler() }, handlerNeeds.map(resolve));
  });

  it('the provider framework function reaches Lambda and S3 (its CloudFormation answer)', () => {
    expectPaths('container', { workload: framework() }, frameworkNeeds);
  });

  it('the control plane reaches the nodes on 10250 (kubelet) and 443 (webhooks); nodes reach each other for DNS', () => {
    expectPaths('container', { workload: cluster() }, [10250, 443].map((port) => ({ to: { workload: nodes() }, packet: tcp(port), doc: DOC.eksSg })));
    expectPaths('container', { workload: nodes() }, [udp(53), tcp(53)].map((packet) => ({ to: { workload: nodes() }, packet, doc: DOC.eksSg })));
  });

  it('the NAT instance reaches what its own set-up needs', () => {
    expectPaths('container', { workload: natOf('container') }, natNeeds('container'));
  });

  it('the internet reaches the load balancer on 80, the load balancer the pods on the app port, and only it does', () => {
    const alb = idOf(sample.container.service.loadBalancer!);
    const port = sample.container.service.app.port;
    expectPaths('container', { internet: true }, [{ to: { workload: alb }, packet: tcp(80), doc: DOC.albSg }]);
    expectPaths('container', { workload: alb }, [{ to: { workload: nodes() }, packet: tcp(port), doc: `${DOC.albSg}; ${DOC.podTargets}` }]);
    expect(models.container.whoCanReach({ workload: nodes() }, tcp(port)).map((x) => x.id)).toContain(alb);
    expect(models.container.reach({ internet: true }, { workload: nodes() }, tcp(port)).reachable).toBe(false);
  });

  it('every workload that runs code (including every Lambda function in the VPC) is covered above', () => {
    expectAllCovered('container', [nodes(), handler(), framework(), natOf('container')]);
  });
});

describe('serverless sample', () => {
  it('runs its functions outside any VPC, so no VPC path applies (Lambda gives them internet access)', () => {
    expect(models.serverless.workloads()).toEqual([]);
    expect(models.serverless.functionsOutsideVpc).toContain(idOf(sample.serverless.service.function));
    expect(Object.values(templates.serverless.Resources!).filter((r) => r.Type.startsWith('AWS::EC2::'))).toEqual([]);
  });
});

describe('functions outside a VPC', () => {
  it.each(['server', 'vm', 'container'] as const)('%s: the custom-resource functions without VpcConfig need no VPC path', (style) => {
    for (const id of models[style].functionsOutsideVpc) expect(templates[style].Resources![id]!.Properties!.VpcConfig).toBeUndefined();
  });
});
