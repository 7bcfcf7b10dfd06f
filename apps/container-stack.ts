import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { ContainerRegistry, ContainerService, NodeCapacity, OrchestrationOutputs, ServiceExposure } from '../constructs/container';
import { checkAdminPrincipalArn } from '../constructs/container/private/cluster-props';
import { type AppDescription, AppSource } from '../lib/app';
import type { EnvironmentSizes } from '../lib/environments';

/** The sample app as the container style runs it (also used by `npm run manifests`). */
export function sampleContainerApp(sizes: EnvironmentSizes): AppDescription {
  return {
    name: 'sample-app',
    source: AppSource.fromDirectory(path.join(__dirname, 'sample-app')),
    environment: { NODE_ENV: 'production' },
    replicas: { min: sizes.minReplicas, max: sizes.maxReplicas },
  };
}

export interface ContainerSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
  /**
   * The cluster's admins: IAM role ARNs (with their paths) or user ARNs, each given an EKS access entry with
   * `AmazonEKSClusterAdminPolicy`. The sample app reads them from `-c adminRoleArn=ARN[,ARN...]`.
   * @default - none: nobody but CDK's kubectl handler (and CloudFormation's execution role, the cluster creator) can
   *   use the Kubernetes API, and a synth warning says so
   */
  readonly adminPrincipalArns?: string[];
}

/** The context key that names the container sample's cluster admins: `-c adminRoleArn=ARN[,ARN...]`. */
export const ADMIN_ROLE_CONTEXT = 'adminRoleArn';

/** The ARNs in `-c adminRoleArn=...` (comma-separated; an array in cdk.json works too). */
export function adminArnsFromContext(value: unknown): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list.map((v) => String(v).trim()).filter((v) => v !== '');
}

/**
 * The book's container sample: the sample app's image on an EKS cluster of 3..10 nodes, as a
 * Deployment (3 replicas, maxSurge 3, maxUnavailable 0) behind an Application Load Balancer
 * CloudFormation owns (bound to a ClusterIP Service by a TargetGroupBinding), plus an ECR
 * repository for images you push yourself.
 */
export class ContainerSampleStack extends Stack {
  public readonly service: ContainerService;
  public readonly registry: ContainerRegistry;

  constructor(scope: Construct, id: string, props: ContainerSampleStackProps) {
    super(scope, id, props);
    this.registry = new ContainerRegistry(this, 'Registry', {
      removalPolicy: RemovalPolicy.DESTROY, // a sample: `cdk destroy` leaves nothing behind
      emptyOnDelete: true,
    });
    const fromContext = adminArnsFromContext(this.node.tryGetContext(ADMIN_ROLE_CONTEXT));
    // A mistake on the command line is named as typed (-c adminRoleArn), not as the construct prop it feeds.
    if (!props.adminPrincipalArns) for (const arn of fromContext ?? []) checkAdminPrincipalArn(this, `-c ${ADMIN_ROLE_CONTEXT}`, arn);
    const [admin, ...moreAdmins] = props.adminPrincipalArns ?? fromContext ?? [];
    this.service = new ContainerService(this, 'Service', {
      app: sampleContainerApp(props.sizes),
      clusterProps: {
        ...(admin !== undefined ? { adminPrincipalArn: admin } : {}),
        capacity: NodeCapacity.nodegroup({ minNodes: 3, maxNodes: 10 }),
        network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
      },
      // A load balancer CloudFormation owns (nothing created by Kubernetes outlives `cdk destroy`).
      exposure: ServiceExposure.loadBalancer({ accessLogsRemovalPolicy: RemovalPolicy.DESTROY }),
    });
    for (const arn of moreAdmins) this.service.appCluster!.addClusterAdmin(arn);
    if (admin === undefined) {
      // Info, not a warning: the sample's default synth must pass the gate (warnings are findings there),
      // and the message still prints with every synth.
      Annotations.of(this).addInfo(
        `No cluster admin named: the cluster's only access entries are CDK's kubectl handler role and CloudFormation's execution role (the cluster creator), so the ConfigureKubectlCommand output followed by kubectl, and cdk-orchestrate's container commands, get "Unauthorized" with your credentials. Name yourself: -c ${ADMIN_ROLE_CONTEXT}=arn:aws:iam::ACCOUNT:role/PATH/NAME (the role ARN with its path, not the assumed-role ARN \`aws sts get-caller-identity\` prints; comma-separate several).`,
      );
    }
    // Style, Region, ClusterName, NodegroupName, Namespace, DeploymentName, RepositoryUri and
    // ConfigureKubectlCommand: the outputs cdk-orchestrate reads.
    new OrchestrationOutputs(this, 'CliOutputs', { service: this.service, repository: this.registry.repository });
    new CfnOutput(this, 'Url', { value: this.service.url, description: 'The load balancer in front of the pods' });
  }
}
