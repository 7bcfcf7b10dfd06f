import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { OrchestrationOutputs, VmService, type VmServiceProps } from '../constructs/vm';
import { AlarmTopic } from '../constructs/shared/alarm-topic';
import { EnvironmentBudget } from '../constructs/shared/budget';
import { LogsKey } from '../constructs/shared/log-encryption';
import { NetworkEgress } from '../constructs/shared/network';
import { type EnvironmentSizes, type ProductionSettings, sampleAppSettings, type SampleAppVariant } from '../lib/environments';
import { AppSource } from '../lib/app';

export interface VmSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
  /** The e2e suite's app version and failure switch (docs/e2e.md). @default - the sample app as it is */
  readonly appVariant?: SampleAppVariant;
  /**
   * What prod does differently: `vm.<domainName>` over HTTPS, a NAT gateway per AZ, alarms that
   * notify an encrypted topic (e-mail from `alarmEmail`), KMS-encrypted logs kept a year, a
   * dashboard, ALB deletion protection (off with `teardown`), two Graviton instance types and a budget.
   * @default - dev/stage: the book's sample (HTTP on the ALB's name, one NAT instance)
   */
  readonly production?: ProductionSettings;
}

/**
 * The instance types of the prod fleet, in order of priority (on-demand, prioritized): two
 * Graviton families, so the group launches in a zone where one type has no capacity
 * (CT.AUTOSCALING.PR.6), both Nitro types that encrypt traffic between instances
 * (CT.AUTOSCALING.PR.10 / PR.11), which the burstable t4g of dev is not.
 */
export const VM_PROD_INSTANCE_TYPES = ['c7g.medium', 'm7g.medium'] as const;

/**
 * The book's vm sample: the sample app baked into an AMI by EC2 Image Builder, run by an Auto
 * Scaling group (3 to 10 in dev) behind an ALB, rolled out by instance refresh.
 */
export class VmSampleStack extends Stack {
  public readonly service: VmService;
  /** The alarm topic (prod only). */
  public readonly alarmTopic?: AlarmTopic;
  /** The key of the log groups (prod only). */
  public readonly logsKey?: LogsKey;
  /** The environment's budget (prod only). */
  public readonly budget?: EnvironmentBudget;

  constructor(scope: Construct, id: string, props: VmSampleStackProps) {
    super(scope, id, props);
    const prod = props.production;
    let production: Partial<VmServiceProps> = {};
    if (prod) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: prod.hostedZoneId, zoneName: prod.domainName });
      this.alarmTopic = new AlarmTopic(this, 'Alarms', { emails: prod.alarmEmail ? [prod.alarmEmail] : undefined });
      this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: RemovalPolicy.DESTROY });
      // -c teardown=true turns deletion protection off, so that `cdk destroy` can delete the ALB.
      const teardown = (prod as ProductionSettings & { readonly teardown?: boolean }).teardown === true;
      production = {
        domain: { domainName: `vm.${prod.domainName}`, hostedZone: zone },
        alarmTopic: this.alarmTopic.topic,
        dashboard: true,
        logEncryptionKey: this.logsKey.key,
        logRetention: logs.RetentionDays.ONE_YEAR,
        deletionProtection: !teardown,
        detailedMonitoring: true,
        instanceTypes: VM_PROD_INSTANCE_TYPES.map((t) => new ec2.InstanceType(t)),
      };
    }
    this.service = new VmService(this, 'Service', {
      app: {
        name: 'sample-app',
        source: AppSource.fromDirectory(path.join(__dirname, 'sample-app')),
        ...sampleAppSettings(props.appVariant),
        replicas: { min: props.sizes.minReplicas, max: props.sizes.maxReplicas },
      },
      // A sample: `cdk destroy` leaves nothing behind.
      accessLogsRemovalPolicy: RemovalPolicy.DESTROY,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      network: prod
        ? { flowLogRemovalPolicy: RemovalPolicy.DESTROY, flowLogRetention: logs.RetentionDays.ONE_YEAR, egress: NetworkEgress.natGateway() }
        : { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
      ...production,
    });
    if (prod && this.alarmTopic) {
      this.budget = new EnvironmentBudget(this, 'Budget', { limitUsd: prod.monthlyBudgetUsd, topic: this.alarmTopic.topic });
    }
    const s = this.service;
    // Style, Region, AlbUrl and AutoScalingGroupName: the outputs cdk-orchestrate reads.
    new OrchestrationOutputs(this, 'CliOutputs', { service: s });
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('TargetGroupArn', s.targetGroup.targetGroupArn, 'The target group (target health)');
    out('LoadBalancerArn', s.loadBalancer.loadBalancerArn, 'The Application Load Balancer');
    out('LaunchTemplateId', s.launchTemplate.launchTemplateId!, 'The launch template');
    out('LogGroupName', s.logGroup.logGroupName, 'The app log group (one stream per instance)');
    out('ImageId', s.image!.imageId, 'The AMI baked by EC2 Image Builder');
    out('AppVersion', s.appVersion, 'The version the app reports (x-app-version)');
    const estimate = s.rolloutEstimate!; // always set by the vm style
    out('RolloutEstimateSeconds', String(estimate.totalSeconds), `Worst-case rollout duration: ${estimate.summary}`);
  }
}
