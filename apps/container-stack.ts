import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { ContainerRegistry, ContainerService, NodeCapacity, ServiceExposure } from '../constructs/container';
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
    this.service = new ContainerService(this, 'Service', {
      app: sampleContainerApp(props.sizes),
      clusterProps: {
        capacity: NodeCapacity.nodegroup({ minNodes: 3, maxNodes: 10 }),
        network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
      },
      // A load balancer CloudFormation owns (nothing created by Kubernetes outlives `cdk destroy`).
      exposure: ServiceExposure.loadBalancer({ accessLogsRemovalPolicy: RemovalPolicy.DESTROY }),
    });
    const cluster = this.service.cluster;
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('Style', 'container', 'Orchestration style of this stack (read by cdk-orchestrate)');
    out('ClusterName', cluster.clusterName, 'The EKS cluster');
    out('NodegroupName', this.service.appCluster?.nodegroup?.nodegroupName ?? 'auto-mode', 'The managed node group');
    out('Url', this.service.url, 'The load balancer in front of the pods');
    out('Namespace', this.service.kubernetesNamespace, 'Namespace of the app');
    out('DeploymentName', this.service.deploymentName, 'The Kubernetes Deployment');
    out('RepositoryUri', this.registry.repositoryUri, 'ECR repository for images you push yourself');
    out('Region', this.region, 'Region of this stack');
    out('ConfigureKubectlCommand', this.service.appCluster!.configureKubectlCommand, 'Points kubectl at the cluster');
  }
}
