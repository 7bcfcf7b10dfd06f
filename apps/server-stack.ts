import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { OrchestrationOutputs, ServerService } from '../constructs/server';
import type { EnvironmentSizes } from '../lib/environments';
import { AppSource } from '../lib/app';

export interface ServerSampleStackProps extends StackProps {
  readonly sizes: EnvironmentSizes;
}

/** The book's server sample: the sample app on a fleet of EC2 servers behind one nginx, updated in place. */
export class ServerSampleStack extends Stack {
  public readonly service: ServerService;

  constructor(scope: Construct, id: string, props: ServerSampleStackProps) {
    super(scope, id, props);
    this.service = new ServerService(this, 'Service', {
      app: {
        name: 'sample-app',
        source: AppSource.fromDirectory(path.join(__dirname, 'sample-app')),
        environment: { NODE_ENV: 'production' },
        replicas: { min: props.sizes.minReplicas },
      },
      logRemovalPolicy: RemovalPolicy.DESTROY, // a sample: `cdk destroy` leaves nothing behind
      loadBalancer: { logRemovalPolicy: RemovalPolicy.DESTROY },
      network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY },
    });
    const { fleet, loadBalancer } = this.service;
    // Style, Region, NginxUrl, InstanceIds and AssociationId: the outputs cdk-orchestrate reads.
    new OrchestrationOutputs(this, 'CliOutputs', { service: this.service });
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('NginxInstanceId', loadBalancer.instance.instanceId, 'The nginx server');
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
