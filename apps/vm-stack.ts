import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { OrchestrationOutputs, VmService } from '../constructs/vm';
import type { EnvironmentSizes } from '../lib/environments';
import { AppSource } from '../lib/app';

export interface VmSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
}

/**
 * The book's vm sample: the sample app baked into an AMI by EC2 Image Builder, run by an Auto
 * Scaling group (3 to 10 in dev) behind an ALB, rolled out by instance refresh.
 */
export class VmSampleStack extends Stack {
  public readonly service: VmService;

  constructor(scope: Construct, id: string, props: VmSampleStackProps) {
    super(scope, id, props);
    this.service = new VmService(this, 'Service', {
      app: {
        name: 'sample-app',
        source: AppSource.fromDirectory(path.join(__dirname, 'sample-app')),
        environment: { NODE_ENV: 'production' },
        replicas: { min: props.sizes.minReplicas, max: props.sizes.maxReplicas },
      },
      // A sample: `cdk destroy` leaves nothing behind.
      accessLogsRemovalPolicy: RemovalPolicy.DESTROY,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
    });
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
