import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { OrchestrationOutputs, ServerService, type ServerServiceProps } from '../constructs/server';
import { AlarmTopic } from '../constructs/shared/alarm-topic';
import { EnvironmentBudget } from '../constructs/shared/budget';
import { LogsKey } from '../constructs/shared/log-encryption';
import { NetworkEgress } from '../constructs/shared/network';
import { type EnvironmentSizes, type ProductionSettings, sampleAppSettings, type SampleAppVariant } from '../lib/environments';
import { AppSource } from '../lib/app';

export interface ServerSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
  /** The e2e suite's app version and failure switch (docs/e2e.md). @default - the sample app as it is */
  readonly appVariant?: SampleAppVariant;
  /**
   * What prod does differently: two nginx servers in two AZs behind a network load balancer that
   * serves `server.<domainName>` over TLS (port 80 redirected), nginx and the servers in private
   * subnets, a NAT gateway per AZ, alarms that notify an encrypted topic (e-mail from `alarmEmail`),
   * KMS-encrypted logs kept a year, detailed monitoring, a dashboard, Nitro instances that encrypt
   * traffic between instances, deletion protection on the load balancer (off with `teardown`) and a budget.
   * @default - dev/stage: the book's sample (one public nginx over HTTP, one NAT instance)
   */
  readonly production?: ProductionSettings;
}

/**
 * The prod instance type of the app servers and nginx: the cheapest Graviton type on AWS Control
 * Tower's list of Nitro types that encrypt traffic between instances (CT.EC2.PR.19), which dev's
 * burstable t3.micro is not. arm64: the Amazon Linux 2023 image is picked for it.
 */
export const SERVER_PROD_INSTANCE_TYPE = 'c7g.medium';

/** nginx servers in prod, one per AZ of the network. */
export const SERVER_PROD_NGINX_COUNT = 2;

/** The book's server sample: the sample app on a fleet of EC2 servers behind nginx, updated in place. */
export class ServerSampleStack extends Stack {
  public readonly service: ServerService;
  /** The alarm topic (prod only). */
  public readonly alarmTopic?: AlarmTopic;
  /** The key of the log groups (prod only). */
  public readonly logsKey?: LogsKey;
  /** The environment's budget (prod only). */
  public readonly budget?: EnvironmentBudget;

  constructor(scope: Construct, id: string, props: ServerSampleStackProps) {
    super(scope, id, props);
    const prod = props.production;
    let production: Partial<ServerServiceProps> = {};
    if (prod) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: prod.hostedZoneId, zoneName: prod.domainName });
      this.alarmTopic = new AlarmTopic(this, 'Alarms', { emails: prod.alarmEmail ? [prod.alarmEmail] : undefined });
      this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: RemovalPolicy.DESTROY });
      // -c teardown=true turns deletion protection off, so that `cdk destroy` can delete the network load balancer.
      const teardown = (prod as ProductionSettings & { readonly teardown?: boolean }).teardown === true;
      const instanceType = new ec2.InstanceType(SERVER_PROD_INSTANCE_TYPE);
      production = {
        domain: { domainName: `server.${prod.domainName}`, hostedZone: zone },
        alarmTopic: this.alarmTopic.topic,
        dashboard: true,
        logEncryptionKey: this.logsKey.key,
        logRetention: logs.RetentionDays.ONE_YEAR,
        detailedMonitoring: true,
        instanceType,
        loadBalancer: {
          logRemovalPolicy: RemovalPolicy.DESTROY,
          logRetention: logs.RetentionDays.ONE_YEAR,
          instanceCount: SERVER_PROD_NGINX_COUNT,
          networkLoadBalancer: true,
          deletionProtection: !teardown,
          accessLogsRemovalPolicy: RemovalPolicy.DESTROY,
          detailedMonitoring: true,
          instanceType,
        },
        network: {
          flowLogRemovalPolicy: RemovalPolicy.DESTROY,
          flowLogRetention: logs.RetentionDays.ONE_YEAR,
          flowLogEncryptionKey: this.logsKey.key,
          egress: NetworkEgress.natGateway(),
        },
      };
    }
    this.service = new ServerService(this, 'Service', {
      app: {
        name: 'sample-app',
        source: AppSource.fromDirectory(path.join(__dirname, 'sample-app')),
        ...sampleAppSettings(props.appVariant),
        replicas: { min: props.sizes.minReplicas },
      },
      logRemovalPolicy: RemovalPolicy.DESTROY, // a sample: `cdk destroy` leaves nothing behind
      loadBalancer: { logRemovalPolicy: RemovalPolicy.DESTROY },
      network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
      ...production,
    });
    if (prod && this.alarmTopic) {
      this.budget = new EnvironmentBudget(this, 'Budget', { limitUsd: prod.monthlyBudgetUsd, topic: this.alarmTopic.topic });
    }
    const { fleet, loadBalancer } = this.service;
    // Style, Region, NginxUrl, InstanceIds and AssociationId: the outputs cdk-orchestrate reads.
    new OrchestrationOutputs(this, 'CliOutputs', { service: this.service });
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('NginxInstanceId', loadBalancer.instance.instanceId, 'The nginx server');
    if (loadBalancer.instances.length > 1) {
      out('NginxInstanceIds', Fn.join(',', loadBalancer.instances.map((i) => i.instanceId)), 'Every nginx server, comma-separated');
    }
    if (loadBalancer.networkLoadBalancer) {
      out('NlbDnsName', loadBalancer.networkLoadBalancer.loadBalancerDnsName, 'The network load balancer in front of nginx (the domain is an alias of it)');
    }
    out('RolloutDocument', fleet.document.ref, 'The SSM Command document each server runs in a rollout');
    out('NginxAssociationId', loadBalancer.association.attrAssociationId, 'The SSM association that installs nginx.conf and reloads nginx');
    out('AppVersion', fleet.appVersion, 'The version the servers report (x-app-version)');
    out('AppPort', String(fleet.app.port), 'The app port on each server');
    out('HealthCheckPath', fleet.app.healthCheckPath, 'The app health check path');
    out('NginxHealthPath', '/nginx-health', "nginx's own health endpoint");
    out('LogGroup', fleet.logGroup.logGroupName, 'The app log group (one stream per server)');
    out('NginxLogGroup', loadBalancer.logGroup.logGroupName, "nginx's access and error logs");
  }
}
