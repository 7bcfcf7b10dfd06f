import { CfnCondition, CfnResource, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeControl } from '../shared/compliance';
import { acknowledgeNag } from '../shared/nag';
import { type AppNetwork, type AppNetworkProps, vpcOrNewNetwork } from '../shared/network';
import { kubectlLayerFor, type SupportedKubernetesVersion, warnOnExtendedSupport } from './kubernetes-version';
import { NODEGROUP_DEFAULTS, type NodeCapacity, type NodegroupCapacityOptions, NodeOs, rootVolumeGiB } from './node-capacity';
import { checkAdminPrincipalArn, checkAppClusterProps } from './private/cluster-props';

/** Props of {@link AppCluster}. */
export interface AppClusterProps {
  /**
   * The Kubernetes version: one of EKS's release calendar (1.29 to 1.36, `KUBERNETES_VERSION_CALENDAR`).
   * In EKS extended support on the day of synth, a warning names the extra cost ($0.60 instead of $0.10
   * per cluster-hour); past extended support, an error. "Today" is the `cdk-orchestration:today`
   * context (`YYYY-MM-DD`), else `CDK_ORCHESTRATION_TODAY`, else the clock.
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
   * Where pods run: `NodeCapacity.nodegroup({ minNodes, maxNodes, instanceTypes, nodeOs, rootVolumeSize })`,
   * a managed node group of EC2 instances (the book's), or `NodeCapacity.autoMode()`, EKS Auto Mode
   * (AWS manages the nodes, their scaling and the add-ons; about 12 % on top of the EC2 price).
   * @default NodeCapacity.nodegroup(): 3..10 t4g.medium AL2023 nodes with 20 GiB root volumes
   */
  readonly capacity?: NodeCapacity;
  /**
   * An IAM principal given cluster-admin (`AmazonEKSClusterAdminPolicy`) through an EKS access entry: a role
   * ARN, with its path if it has one (`arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123`),
   * or a user ARN. An assumed-role session ARN (`arn:aws:sts::...:assumed-role/...`) is our error. More admins:
   * {@link AppCluster.addClusterAdmin}.
   * @default - no person is admin: the only access entries are the kubectl handler's role (through which CDK applies
   *   manifests) and, as EKS makes the cluster creator admin, CloudFormation's execution role
   *   (`cdk-hnb659fds-cfn-exec-role-...` with the default bootstrap), which nobody signs in as. The identity that runs
   *   `cdk deploy` is not admin: `kubectl` with its credentials gets `Unauthorized`
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
  if (os === NodeOs.BOTTLEROCKET) return arm ? eks.NodegroupAmiType.BOTTLEROCKET_ARM_64 : eks.NodegroupAmiType.BOTTLEROCKET_X86_64;
  return arm ? eks.NodegroupAmiType.AL2023_ARM_64_STANDARD : eks.NodegroupAmiType.AL2023_X86_64_STANDARD;
}

/** The AWS-managed policies of EKS Auto Mode's node role (EKS user guide, "Amazon EKS Auto Mode node IAM role"). */
export const AUTO_MODE_NODE_POLICIES = ['AmazonEKSWorkerNodeMinimalPolicy', 'AmazonEC2ContainerRegistryPullOnly'] as const;

/**
 * The AWS-managed policies EKS Auto Mode needs on the cluster role besides AmazonEKSClusterPolicy (EKS user guide,
 * "Amazon EKS Auto Mode cluster IAM role"); aws-eks-v2 attaches them, with `sts:TagSession` in the role's trust policy.
 */
export const AUTO_MODE_CLUSTER_POLICIES = ['AmazonEKSComputePolicy', 'AmazonEKSBlockStoragePolicy', 'AmazonEKSLoadBalancingPolicy', 'AmazonEKSNetworkingPolicy'] as const;

/** The control-plane log types turned on by default. */
export const DEFAULT_CLUSTER_LOGGING = [eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR];

/**
 * An EKS cluster (aws-eks-v2) for apps: a supported Kubernetes version with its kubectl layer,
 * nodes in private subnets of an {@link AppNetwork} (one NAT instance), a managed node group
 * of AL2023 or Bottlerocket nodes (3..10, IMDSv2, encrypted disks) or EKS Auto Mode
 * ({@link NodeCapacity}), control-plane logging, KMS envelope encryption of Secrets, access entries,
 * and the add-ons apps need (metrics-server for the HPA, the EKS Pod Identity agent, optionally the
 * AWS Load Balancer Controller).
 *
 * @example
 * const cluster = new AppCluster(this, 'Cluster', {
 *   capacity: NodeCapacity.nodegroup({ minNodes: 3, maxNodes: 10 }),
 *   adminPrincipalArn: 'arn:aws:iam::123456789012:role/Admin',
 * });
 */
export class AppCluster extends Construct {
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  /** Where the pods run (the default node group when `capacity` was not given). */
  public readonly capacity: NodeCapacity;
  /** The managed node group (`NodeCapacity.nodegroup()`). */
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
  /** The node group's AMI type (`NodeCapacity.nodegroup()`). */
  public readonly amiType?: eks.NodegroupAmiType;
  /** `aws eks update-kubeconfig ...` for this cluster. */
  public readonly configureKubectlCommand: string;
  /**
   * The security group of CDK's kubectl functions, which run in the VPC's private subnets: it may reach the
   * Kubernetes API's private endpoint (HTTPS to the control plane's security group) and, through the subnets'
   * NAT, the AWS APIs (STS, EKS, ECR) the handler calls.
   */
  public readonly kubectlSecurityGroup: ec2.SecurityGroup;
  /**
   * The role of EKS Auto Mode's nodes (`NodeCapacity.autoMode()`): `AmazonEKSWorkerNodeMinimalPolicy` and
   * `AmazonEC2ContainerRegistryPullOnly`, what EKS documents for Auto Mode nodes, narrower than eks-v2's default
   * (`AmazonEKSWorkerNodePolicy` and `AmazonEC2ContainerRegistryReadOnly`).
   */
  public readonly autoModeNodeRole?: iam.Role;

  constructor(scope: Construct, id: string, props: AppClusterProps = {}) {
    super(scope, id);
    props = props ?? {};
    ({ version: this.version, capacity: this.capacity } = checkAppClusterProps(this, props));
    const nodegroupOptions = this.capacity.nodegroupOptions;
    const instanceTypes = nodegroupOptions?.instanceTypes ?? [new ec2.InstanceType('t4g.medium')];
    this.nodeArchitecture = nodegroupOptions ? instanceTypes[0]!.architecture : ec2.InstanceArchitecture.X86_64;
    ({ vpc: this.vpc, network: this.network } = vpcOrNewNetwork(this, props));
    this.secretsEncryptionKey = props.secretsEncryptionKey ?? this.createSecretsKey();
    const privateSubnets = this.privateSubnets();
    this.kubectlSecurityGroup = new ec2.SecurityGroup(this, 'KubectlSecurityGroup', {
      vpc: this.vpc,
      description: 'CDK kubectl functions: HTTPS to the private Kubernetes API endpoint, AWS APIs through the NAT',
      allowAllOutbound: true,
    });
    if (this.capacity.isAutoMode) this.autoModeNodeRole = this.createAutoModeNodeRole();
    this.cluster = this.createCluster(props, privateSubnets);
    // The private endpoint's network interfaces carry the control plane's security group (eks-v2 creates it).
    this.cluster.connections.allowFrom(this.kubectlSecurityGroup, ec2.Port.tcp(443), "CDK's kubectl functions to the Kubernetes API");
    this.acknowledgeEndpointAccess();
    this.configureKubectlCommand = `aws eks update-kubeconfig --name ${this.cluster.clusterName} --region ${this.cluster.stack.region}`;
    if (props.adminPrincipalArn) this.addClusterAdmin(props.adminPrincipalArn, 'AdminAccess');
    warnOnExtendedSupport(this, this.version as SupportedKubernetesVersion);
    if (nodegroupOptions) {
      this.amiType = amiTypeFor(nodegroupOptions.nodeOs ?? NodeOs.AL2023, this.nodeArchitecture);
      this.nodegroup = this.addNodes(nodegroupOptions, instanceTypes, privateSubnets);
    }
    this.metricsServer = this.addMetricsServer();
    this.acknowledge();
  }

  /**
   * Makes an IAM principal cluster-admin (`AmazonEKSClusterAdminPolicy`, cluster scope) through an EKS access
   * entry: a role ARN (its path included) or a user ARN; an assumed-role session ARN is our error.
   * @param principalArn the role or user ARN
   * @param id the access entry's construct id (default: `Admin` and the next free number)
   */
  public addClusterAdmin(principalArn: string, id?: string): void {
    checkAdminPrincipalArn(this, 'principalArn', principalArn);
    this.cluster.grantClusterAdmin(id ?? `Admin${++this.adminCount}`, principalArn);
  }

  private adminCount = 0;

  /**
   * The Secrets key (rotated yearly). Control Tower's CT.KMS.PR.3 asks for a key policy statement that denies
   * `kms:CreateGrant` unless an AWS service creates the grant for an AWS resource. EKS creates a grant on this key when
   * the cluster is created, with the creator's credentials (CloudFormation's role); AWS does not document that this
   * request carries `kms:GrantIsForAWSResource`, and a deny that matched it would fail cluster creation. So the key
   * keeps the default policy (the account's IAM policies decide) and the control is acknowledged here.
   */
  private createSecretsKey(): kms.IKey {
    const key = new kms.Key(this, 'SecretsKey', { enableKeyRotation: true, description: 'Envelope encryption of Kubernetes Secrets', removalPolicy: RemovalPolicy.DESTROY });
    acknowledgeControl(key, 'CT.KMS.PR.3', 'EKS creates its envelope-encryption grant on this key at cluster creation with the creator\'s credentials; AWS does not document that request as kms:GrantIsForAWSResource, so a deny on other grants could fail cluster creation. Only principals this account\'s IAM policies allow can create grants.');
    return key;
  }

  /** Auto Mode's node role, with the two policies EKS documents for it. */
  private createAutoModeNodeRole(): iam.Role {
    const role = new iam.Role(this, 'AutoModeNodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EKS Auto Mode nodes',
      managedPolicies: AUTO_MODE_NODE_POLICIES.map((p) => iam.ManagedPolicy.fromAwsManagedPolicyName(p)),
    });
    for (const policy of AUTO_MODE_NODE_POLICIES) {
      acknowledgeNag(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`, `EKS documents the AWS-managed ${policy} for EKS Auto Mode nodes (kubelet registration, image pulls); AWS keeps it current with the Auto Mode AMIs.`);
    }
    return role;
  }

  /**
   * A public endpoint restricted to named CIDRs is the user's choice (CT.EKS.PR.1 wants no public endpoint):
   * acknowledged with the CIDRs. A public endpoint open to any address is not acknowledged.
   */
  private acknowledgeEndpointAccess(): void {
    const cfn = this.cluster.node.defaultChild as eks.CfnCluster;
    const vpcConfig = cfn.resourcesVpcConfig as eks.CfnCluster.ResourcesVpcConfigProperty;
    if (vpcConfig.endpointPublicAccess === false) return;
    const cidrs = (vpcConfig.publicAccessCidrs as string[] | undefined) ?? ['0.0.0.0/0'];
    if (cidrs.some((c) => Token.isUnresolved(c) || /\/0$/.test(c))) return;
    acknowledgeControl(cfn, 'CT.EKS.PR.1', `The public Kubernetes API endpoint is kept by choice and restricted to ${cidrs.join(', ')} (endpointAccess ... .onlyFrom(...)); requests still need IAM credentials with an access entry.`);
  }

  /** The subnets of the control plane's ENIs, the nodes and the kubectl function: private, with egress when the VPC has it. */
  private privateSubnets(): ec2.ISubnet[] {
    return this.vpc.selectSubnets({ subnetType: this.vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED }).subnets;
  }

  private createCluster(props: AppClusterProps, privateSubnets: ec2.ISubnet[]): eks.Cluster {
    const autoMode = this.capacity.isAutoMode;
    return new eks.Cluster(this, 'Resource', {
      version: eks.KubernetesVersion.of(this.version),
      vpc: this.vpc,
      vpcSubnets: [{ subnets: privateSubnets }],
      endpointAccess: props.endpointAccess ?? eks.EndpointAccess.PUBLIC_AND_PRIVATE,
      clusterLogging: props.clusterLogging ?? DEFAULT_CLUSTER_LOGGING,
      secretsEncryptionKey: this.secretsEncryptionKey,
      defaultCapacityType: autoMode ? eks.DefaultCapacityType.AUTOMODE : eks.DefaultCapacityType.NODEGROUP,
      ...(autoMode ? { compute: { nodePools: ['system', 'general-purpose'], nodeRole: this.autoModeNodeRole } } : { defaultCapacity: 0 }),
      kubectlProviderOptions: {
        kubectlLayer: props.kubectlLayer ?? kubectlLayerFor(this, 'KubectlLayer', this.version as SupportedKubernetesVersion),
        // In the VPC, so the handler reaches a private endpoint (PRIVATE) or one restricted to named CIDRs.
        privateSubnets,
        securityGroups: [this.kubectlSecurityGroup],
      },
      albController: props.albController ? { version: eks.AlbControllerVersion.V2_17_1 } : undefined,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /**
   * The managed node group, with a launch template only for what the node group cannot set: IMDSv2
   * (hop limit 1, so pods cannot borrow the node role's credentials) and an encrypted gp3 root volume.
   */
  private addNodes(options: NodegroupCapacityOptions, instanceTypes: ec2.InstanceType[], subnets: ec2.ISubnet[]): eks.Nodegroup {
    const launchTemplate = this.createNodeLaunchTemplate(options);
    const maxSize = options.maxNodes ?? NODEGROUP_DEFAULTS.maxNodes;
    // aws-cdk-lib compares maxUnavailable with maxSize even when maxSize is a token (and fails):
    // with a deploy-time maxNodes, the same UpdateConfig is set on the resource instead.
    const maxUnavailableInProps = !Token.isUnresolved(maxSize);
    const nodegroup = this.cluster.addNodegroupCapacity('Nodes', {
      amiType: this.amiType,
      instanceTypes,
      minSize: options.minNodes ?? NODEGROUP_DEFAULTS.minNodes,
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

  private createNodeLaunchTemplate(options: NodegroupCapacityOptions): ec2.CfnLaunchTemplate {
    return new ec2.CfnLaunchTemplate(this, 'NodeLaunchTemplate', {
      launchTemplateData: {
        ...(options.detailedMonitoring ? { monitoring: { enabled: true } } : {}),
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: options.podImdsAccess ? 2 : 1, httpEndpoint: 'enabled' },
        blockDeviceMappings: [
          {
            deviceName: options.nodeOs === NodeOs.BOTTLEROCKET ? '/dev/xvdb' : '/dev/xvda',
            ebs: { volumeSize: rootVolumeGiB(this, 'capacity.rootVolumeSize', options.rootVolumeSize), volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
          },
        ],
      },
    });
  }

  /** metrics-server (the HPA needs it; EKS does not install it), after the nodes it runs on. */
  private addMetricsServer(): eks.Addon {
    const addon = new eks.Addon(this, 'MetricsServer', { cluster: this.cluster, addonName: 'metrics-server', preserveOnDelete: false });
    if (this.nodegroup) addon.node.addDependency(this.nodegroup);
    return addon;
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
    if (this.capacity.isAutoMode) {
      for (const policy of AUTO_MODE_CLUSTER_POLICIES) {
        acknowledgeNag(this.cluster.role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`, `EKS Auto Mode needs the AWS-managed ${policy} on the cluster role (EKS user guide, "Amazon EKS Auto Mode cluster IAM role"): it launches nodes, volumes, load balancer targets and network interfaces scoped by the cluster's tags, and AWS updates it with Auto Mode.`);
      }
    }
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
