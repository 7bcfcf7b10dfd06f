import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { ContainerRegistry, ContainerService, NodeCapacity, OrchestrationOutputs, ServiceExposure } from '../constructs/container';
import { checkAdminPrincipalArn } from '../constructs/container/private/cluster-props';
import type { AppClusterProps } from '../constructs/container/app-cluster';
import type { ContainerServiceProps } from '../constructs/container/container-service';
import { AlarmTopic } from '../constructs/shared/alarm-topic';
import { EnvironmentBudget } from '../constructs/shared/budget';
import { LogsKey } from '../constructs/shared/log-encryption';
import { NetworkEgress } from '../constructs/shared/network';
import { type AppDescription, AppSource } from '../lib/app';
import { type EnvironmentSizes, type ProductionSettings, sampleAppSettings, type SampleAppVariant } from '../lib/environments';

/** The sample app as the container style runs it (also used by `npm run manifests`). */
export function sampleContainerApp(sizes: EnvironmentSizes, variant?: SampleAppVariant): AppDescription {
  return {
    name: 'sample-app',
    source: AppSource.fromDirectory(path.join(__dirname, 'sample-app')),
    ...sampleAppSettings(variant),
    replicas: { min: sizes.minReplicas, max: sizes.maxReplicas },
  };
}

export interface ContainerSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
  /** The e2e suite's app version and failure switch (docs/e2e.md). @default - the sample app as it is */
  readonly appVariant?: SampleAppVariant;
  /**
   * The cluster's admins: IAM role ARNs (with their paths) or user ARNs, each given an EKS access entry with
   * `AmazonEKSClusterAdminPolicy`. The sample app reads them from `-c adminRoleArn=ARN[,ARN...]`.
   * @default - none: nobody but CDK's kubectl handler (and CloudFormation's execution role, the cluster creator) can
   *   use the Kubernetes API, and a synth warning says so
   */
  readonly adminPrincipalArns?: string[];
  /**
   * Production: the app at `https://container.<domainName>` (TLS policy, HTTP redirected), EKS Auto Mode nodes
   * that scale in every AZ, a NAT gateway per AZ, the Kubernetes API endpoint private (or public only to
   * `eksApiCidrs`), alarms to an encrypted SNS topic (`alarmEmail` subscribed), a dashboard, flow logs kept a
   * year and encrypted with a customer-managed key, the load balancer's deletion protection (off with
   * `teardown: true`) and a monthly budget.
   * @default - dev/stage: HTTP at the load balancer's name, a node group of 3..10 nodes, one NAT instance,
   *   a public endpoint, no alarms, dashboard or budget
   */
  readonly production?: ProductionSettings;
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
 * repository for images you push yourself. With `production` (`-c env=prod`): EKS Auto Mode nodes in every AZ,
 * NAT gateways, a private Kubernetes API endpoint, HTTPS at `container.<domainName>`, alarms, a dashboard,
 * encrypted year-long flow logs, deletion protection (off with `teardown`) and a budget.
 */
export class ContainerSampleStack extends Stack {
  public readonly service: ContainerService;
  public readonly registry: ContainerRegistry;
  /** prod: the topic alarms notify. */
  public readonly alarmTopic?: AlarmTopic;
  /** prod: the key of the stack's log groups. */
  public readonly logsKey?: LogsKey;
  /** prod: the monthly budget. */
  public readonly budget?: EnvironmentBudget;

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
    const clusterProps: AppClusterProps = {
      ...(admin !== undefined ? { adminPrincipalArn: admin } : {}),
      capacity: NodeCapacity.nodegroup({ minNodes: 3, maxNodes: 10 }),
      network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
    };
    let serviceProps: ContainerServiceProps = {
      app: sampleContainerApp(props.sizes, props.appVariant),
      clusterProps,
      // A load balancer CloudFormation owns (nothing created by Kubernetes outlives `cdk destroy`).
      exposure: ServiceExposure.loadBalancer({ accessLogsRemovalPolicy: RemovalPolicy.DESTROY }),
    };
    const production = props.production;
    if (production) {
      ({ alarmTopic: this.alarmTopic, logsKey: this.logsKey } = this.productionResources(production));
      serviceProps = this.productionServiceProps(serviceProps, clusterProps, production);
    }
    this.service = new ContainerService(this, 'Service', serviceProps);
    if (production) this.budget = new EnvironmentBudget(this, 'Budget', { limitUsd: production.monthlyBudgetUsd, topic: this.alarmTopic!.topic });
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

  /** prod: the alarm topic (e-mailed to `alarmEmail`) and the log groups' key. */
  private productionResources(production: ProductionSettings): { alarmTopic: AlarmTopic; logsKey: LogsKey } {
    const alarmTopic = new AlarmTopic(this, 'Alarms', production.alarmEmail ? { emails: [production.alarmEmail] } : {});
    const logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: RemovalPolicy.DESTROY });
    return { alarmTopic, logsKey };
  }

  /**
   * prod's service: Auto Mode (nodes in every AZ of the cluster's subnets, scaled by Auto Mode's Karpenter to what
   * the pods request), NAT gateways, a private endpoint (or public to `eksApiCidrs`), HTTPS at container.<domain>,
   * deletion protection unless `teardown`, alarms, dashboard and encrypted year-long flow logs.
   */
  private productionServiceProps(dev: ContainerServiceProps, clusterProps: AppClusterProps, production: ProductionSettings): ContainerServiceProps {
    const teardown = (production as { readonly teardown?: boolean }).teardown === true;
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: production.hostedZoneId, zoneName: production.domainName });
    const cidrs = production.eksApiCidrs ?? [];
    return {
      ...dev,
      clusterProps: {
        ...clusterProps,
        capacity: NodeCapacity.autoMode(),
        network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY, flowLogRetention: logs.RetentionDays.ONE_YEAR, egress: NetworkEgress.natGateway() },
        endpointAccess: cidrs.length > 0 ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...cidrs) : eks.EndpointAccess.PRIVATE,
      },
      exposure: ServiceExposure.loadBalancer({
        accessLogsRemovalPolicy: RemovalPolicy.DESTROY,
        accessLogsVersioned: true,
        domain: { domainName: `container.${production.domainName}`, hostedZone },
        deletionProtection: !teardown,
      }),
      alarmTopic: this.alarmTopic!.topic,
      dashboard: true,
      logEncryptionKey: this.logsKey!.key,
    };
  }
}
