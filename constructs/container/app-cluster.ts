import { CfnCondition, CfnResource, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../shared/nag';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { kubectlLayerFor, type SupportedKubernetesVersion } from './kubernetes-version';
import { checkAppClusterProps } from './private/cluster-props';

/** The operating system of the worker nodes. Never Amazon Linux 2 (end of support, and eks-v2's default). */
export type NodeOs = 'al2023' | 'bottlerocket';

/** Props of {@link AppCluster}. */
export interface AppClusterProps {
  /**
   * The Kubernetes version: one in EKS standard support (1.34, 1.35 or 1.36).
   * @default eks.KubernetesVersion.V1_36
   */
  readonly version?: eks.KubernetesVersion;
  /**
   * The kubectl Lambda layer for applying manifests; it must match `version`.
   * @default - the `@aws-cdk/lambda-layer-kubectl-vNN` package of `version`
   */
  readonly kubectlLayer?: lambda.ILayerVersion;
  /**
   * The VPC. Nodes go into its private subnets.
   * @default - a new {@link AppNetwork}: private subnets whose egress (image pulls) goes
   *   through one t4g.nano NAT instance, not the two NAT gateways eks-v2 creates
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Props of the network created when `vpc` is not given.
   * @default - AppNetwork's defaults
   */
  readonly network?: AppNetworkProps;
  /**
   * Where pods run: a managed node group of EC2 instances (the book's), or EKS Auto Mode
   * (AWS manages the nodes, their scaling and the add-ons; about 12 % on top of the EC2 price).
   * @default 'nodegroup'
   */
  readonly capacity?: 'nodegroup' | 'auto-mode';
  /**
   * The node group's minimum size.
   * @default 3
   */
  readonly minNodes?: number;
  /**
   * The node group's maximum size.
   * @default 10
   */
  readonly maxNodes?: number;
  /**
   * The node group's instance types (all of one architecture).
   * @default [t4g.medium] (Graviton: 2 vCPU, 4 GiB)
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /**
   * The nodes' operating system: EKS-optimised Amazon Linux 2023 or Bottlerocket. The AMI type
   * follows from it and the instance architecture (e.g. `AL2023_ARM_64_STANDARD`).
   * @default 'al2023'
   */
  readonly nodeOs?: NodeOs;
  /**
   * The size of each node's encrypted gp3 root volume, in GiB.
   * @default 20
   */
  readonly nodeDiskSize?: number;
  /**
   * Let pods reach the node's instance metadata (IMDSv2 hop limit 2). Off, pods cannot use the
   * node role's credentials (hop limit 1); they get their own through EKS Pod Identity. Host-network
   * pods (VPC CNI, kube-proxy, the Pod Identity agent) reach it either way.
   * @default false
   */
  readonly podImdsAccess?: boolean;
  /**
   * An IAM principal (role or user ARN) given cluster-admin through an EKS access entry,
   * for example your SSO administrator role.
   * @default - only the identity that deploys the stack (the cluster creator) is admin
   */
  readonly adminPrincipalArn?: string;
  /**
   * Who can reach the Kubernetes API endpoint. `eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom('203.0.113.0/24')`
   * restricts the public endpoint; `eks.EndpointAccess.PRIVATE` removes it (then kubectl must run inside the VPC).
   * @default eks.EndpointAccess.PUBLIC_AND_PRIVATE (nodes use the private endpoint; the public one is open to
   *   any address but needs IAM credentials with an access entry)
   */
  readonly endpointAccess?: eks.EndpointAccess;
  /**
   * Control-plane log types sent to CloudWatch Logs (`/aws/eks/<cluster>/cluster`).
   * @default [API, AUDIT, AUTHENTICATOR]
   */
  readonly clusterLogging?: eks.ClusterLoggingTypes[];
  /**
   * The KMS key that envelope-encrypts Kubernetes Secrets in etcd.
   * @default - a new key with yearly rotation
   */
  readonly secretsEncryptionKey?: kms.IKey;
  /**
   * Install the AWS Load Balancer Controller, so an Ingress gets an ALB (the book's exercise).
   * @default false
   */
  readonly albController?: boolean;
  /**
   * What happens to the cluster's resources when they leave the stack.
   * @default RemovalPolicy.DESTROY (a cluster holds no data of its own)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The node group's AMI type for an operating system and an architecture. */
function amiTypeFor(os: NodeOs, arch: ec2.InstanceArchitecture): eks.NodegroupAmiType {
  const arm = arch === ec2.InstanceArchitecture.ARM_64;
  if (os === 'bottlerocket') return arm ? eks.NodegroupAmiType.BOTTLEROCKET_ARM_64 : eks.NodegroupAmiType.BOTTLEROCKET_X86_64;
  return arm ? eks.NodegroupAmiType.AL2023_ARM_64_STANDARD : eks.NodegroupAmiType.AL2023_X86_64_STANDARD;
}

/** The control-plane log types turned on by default. */
export const DEFAULT_CLUSTER_LOGGING = [eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR];

/**
 * An EKS cluster (aws-eks-v2) for apps: a supported Kubernetes version with its kubectl layer,
 * nodes in private subnets of an {@link AppNetwork} (one NAT instance), a managed node group
 * of AL2023 or Bottlerocket nodes (3..10, IMDSv2, encrypted disks) or EKS Auto Mode,
 * control-plane logging, KMS envelope encryption of Secrets, access entries, and the add-ons
 * apps need (metrics-server for the HPA, the EKS Pod Identity agent, optionally the AWS Load
 * Balancer Controller).
 *
 * @example
 * const cluster = new AppCluster(this, 'Cluster', { adminPrincipalArn: 'arn:aws:iam::123456789012:role/Admin' });
 */
export class AppCluster extends Construct {
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  /** The managed node group (`capacity: 'nodegroup'`). */
  public readonly nodegroup?: eks.Nodegroup;
  /** The network, when this construct created it. */
  public readonly network?: AppNetwork;
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The key that encrypts Kubernetes Secrets. */
  public readonly secretsEncryptionKey: kms.IKey;
  /** The metrics-server add-on. */
  public readonly metricsServer: eks.Addon;
  /** The Kubernetes version. */
  public readonly version: string;
  /** The architecture of the nodes (what images must be built for; x86_64 with Auto Mode, whose built-in node pools are amd64). */
  public readonly nodeArchitecture: ec2.InstanceArchitecture;
  /** The node group's AMI type (`capacity: 'nodegroup'`). */
  public readonly amiType?: eks.NodegroupAmiType;
  /** `aws eks update-kubeconfig ...` for this cluster. */
  public readonly configureKubectlCommand: string;

  constructor(scope: Construct, id: string, props: AppClusterProps = {}) {
    super(scope, id);
    props = props ?? {};
    this.version = checkAppClusterProps(this, props);
    const autoMode = props.capacity === 'auto-mode';
    const instanceTypes = props.instanceTypes ?? [new ec2.InstanceType('t4g.medium')];
    this.nodeArchitecture = autoMode ? ec2.InstanceArchitecture.X86_64 : instanceTypes[0]!.architecture;
    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    this.secretsEncryptionKey =
      props.secretsEncryptionKey ??
      new kms.Key(this, 'SecretsKey', { enableKeyRotation: true, description: 'Envelope encryption of Kubernetes Secrets', removalPolicy: RemovalPolicy.DESTROY });
    const privateSubnets = this.vpc.selectSubnets({ subnetType: this.vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED });
    this.cluster = this.createCluster(props, privateSubnets.subnets, autoMode);
    this.configureKubectlCommand = `aws eks update-kubeconfig --name ${this.cluster.clusterName} --region ${this.cluster.stack.region}`;
    if (props.adminPrincipalArn) this.cluster.grantClusterAdmin('AdminAccess', props.adminPrincipalArn);
    if (!autoMode) {
      this.amiType = amiTypeFor(props.nodeOs ?? 'al2023', this.nodeArchitecture);
      this.nodegroup = this.addNodes(props, instanceTypes, privateSubnets.subnets);
    }
    this.metricsServer = new eks.Addon(this, 'MetricsServer', { cluster: this.cluster, addonName: 'metrics-server', preserveOnDelete: false });
    if (this.nodegroup) this.metricsServer.node.addDependency(this.nodegroup);
    this.acknowledge();
  }

  private createCluster(props: AppClusterProps, privateSubnets: ec2.ISubnet[], autoMode: boolean): eks.Cluster {
    return new eks.Cluster(this, 'Resource', {
      version: eks.KubernetesVersion.of(this.version),
      vpc: this.vpc,
      vpcSubnets: [{ subnets: privateSubnets }],
      endpointAccess: props.endpointAccess ?? eks.EndpointAccess.PUBLIC_AND_PRIVATE,
      clusterLogging: props.clusterLogging ?? DEFAULT_CLUSTER_LOGGING,
      secretsEncryptionKey: this.secretsEncryptionKey,
      defaultCapacityType: autoMode ? eks.DefaultCapacityType.AUTOMODE : eks.DefaultCapacityType.NODEGROUP,
      ...(autoMode ? { compute: { nodePools: ['system', 'general-purpose'] } } : { defaultCapacity: 0 }),
      kubectlProviderOptions: {
        kubectlLayer: props.kubectlLayer ?? kubectlLayerFor(this, 'KubectlLayer', this.version as SupportedKubernetesVersion),
        privateSubnets,
      },
      albController: props.albController ? { version: eks.AlbControllerVersion.V2_17_1 } : undefined,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /**
   * The managed node group, with a launch template only for what the node group cannot set: IMDSv2
   * (hop limit 1, so pods cannot borrow the node role's credentials) and an encrypted gp3 root volume.
   */
  private addNodes(props: AppClusterProps, instanceTypes: ec2.InstanceType[], subnets: ec2.ISubnet[]): eks.Nodegroup {
    const launchTemplate = new ec2.CfnLaunchTemplate(this, 'NodeLaunchTemplate', {
      launchTemplateData: {
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: props.podImdsAccess ? 2 : 1, httpEndpoint: 'enabled' },
        blockDeviceMappings: [
          {
            deviceName: props.nodeOs === 'bottlerocket' ? '/dev/xvdb' : '/dev/xvda',
            ebs: { volumeSize: props.nodeDiskSize ?? 20, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
          },
        ],
      },
    });
    const maxSize = props.maxNodes ?? 10;
    // aws-cdk-lib compares maxUnavailable with maxSize even when maxSize is a token (and fails):
    // with a deploy-time maxNodes, the same UpdateConfig is set on the resource instead.
    const maxUnavailableInProps = !Token.isUnresolved(maxSize);
    const nodegroup = this.cluster.addNodegroupCapacity('Nodes', {
      amiType: this.amiType,
      instanceTypes,
      minSize: props.minNodes ?? 3,
      maxSize,
      subnets: { subnets },
      launchTemplateSpec: { id: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber },
      enableNodeAutoRepair: true,
      ...(maxUnavailableInProps ? { maxUnavailable: 1 } : {}),
    });
    if (!maxUnavailableInProps) (nodegroup.node.defaultChild as eks.CfnNodegroup).addPropertyOverride('UpdateConfig', { MaxUnavailable: 1 });
    // The Pod Identity agent (Auto Mode has it built in) lets pods assume roles without IRSA.
    void this.cluster.eksPodIdentityAgent; // the getter creates the add-on
    this.acknowledgeNodeRole(nodegroup.role);
    return nodegroup;
  }

  private acknowledgeNodeRole(role: iam.IRole): void {
    for (const policy of ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']) {
      acknowledgeNag(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`, `EKS worker nodes need the AWS-managed ${policy} (kubelet registration, pod networking, image pulls); AWS keeps it current with the node AMIs.`);
    }
  }

  /** The findings eks-v2's own children raise, acknowledged on the children that cause them. */
  private acknowledge(): void {
    const stack = Stack.of(this);
    // aws-eks-v2 renders EncryptionConfig[].Resources ['secrets'] (what the EKS API still documents for
    // envelope encryption); the CloudFormation registry marks the property deprecated (W9009).
    const cfnCluster = this.cluster.node.defaultChild;
    if (cfnCluster) {
      Validations.of(cfnCluster).acknowledge({
        id: 'CloudFormation-Validate::W9009',
        reason: 'aws-eks-v2 renders EncryptionConfig.Resources ["secrets"] for KMS envelope encryption of Kubernetes Secrets; the property is marked deprecated by the CloudFormation registry but still selects what the key encrypts.',
      });
    }
    acknowledgeNag(this.cluster.role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]', 'The EKS control plane role needs the AWS-managed AmazonEKSClusterPolicy; EKS documents no narrower replacement and AWS updates it with new EKS features.');
    const provider = this.cluster.kubectlProvider;
    if (provider) {
      const managed = ['service-role/AWSLambdaBasicExecutionRole', 'service-role/AWSLambdaVPCAccessExecutionRole'];
      const handler = provider.node.tryFindChild('Handler');
      const framework = provider.node.tryFindChild('Provider')?.node.tryFindChild('framework-onEvent');
      for (const fn of [handler, framework]) {
        if (!fn) continue;
        const role = fn.node.tryFindChild('ServiceRole') ?? fn;
        for (const policy of managed) {
          acknowledgeNag(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`, `The kubectl provider functions (aws-eks-v2) run in the VPC's private subnets and log to CloudWatch through the AWS-managed ${policy.split('/')[1]}.`);
        }
      }
      if (handler) {
        const role = handler.node.tryFindChild('ServiceRole') ?? handler;
        acknowledgeNag(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]', 'aws-eks-v2 gives the kubectl handler read-only ECR access so Helm charts can be pulled from ECR (OCI); read-only.');
        for (const cond of handler.node.findAll().filter((c): c is CfnCondition => c instanceof CfnCondition)) {
          const id = stack.resolve(stack.getLogicalId(cond));
          acknowledgeNag(role, `AwsSolutions-IAM4[Policy::{"Fn::If":["${id}",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]`, 'aws-eks-v2 gives the kubectl handler read-only ECR Public access (only in regions that have ECR Public) to pull public Helm charts.');
        }
        const fnResource = handler.node.tryFindChild('Resource');
        if (fnResource instanceof CfnResource) {
          acknowledgeNag(handler, 'AwsSolutions-L1', 'The kubectl handler is aws-eks-v2\'s Python function; its runtime is set by aws-cdk-lib to match the kubectl layer and cannot be changed from here.');
          if (framework) {
            const policy = framework.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy') ?? framework;
            acknowledgeNag(policy, `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(fnResource))}.Arn>:*]`, 'The custom resource framework may invoke every version and alias of the kubectl handler (`<arn>:*`) and nothing else.');
          }
        }
      }
    }
  }
}
