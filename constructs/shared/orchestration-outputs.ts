import { CfnOutput, Fn, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
// Pure constants: the one place that names the outputs `cdk-orchestrate` reads (no CLI code is loaded).
import { REGION_OUTPUT, STACK_OUTPUTS, STYLE_OUTPUT, STYLES, type Style } from '../../lib/cli/stack-outputs';
// Types only (erased): using this construct does not load the other styles.
import type { ContainerService } from '../container/container-service';
import type { ServerService } from '../server/server-service';
import type { FunctionService } from '../serverless/function-service';
import type { VmService } from '../vm/vm-service';
import type { IAppService } from './service';

/** Props of `OrchestrationOutputs`. */
export interface OrchestrationOutputsProps {
  /**
   * The service whose stack `cdk-orchestrate` reads: a `ServerService`, `VmService`, `ContainerService` or
   * `FunctionService`.
   */
  readonly service: IAppService;
  /**
   * Container style: the ECR repository you push images to, written as the `RepositoryUri` output.
   * @default - no RepositoryUri output
   */
  readonly repository?: ecr.IRepository;
}

/** One output: its value and description (`undefined`: the output is left out). */
type OutputValue = { readonly value: string; readonly description: string } | undefined;
/**
 * Every field the CLI reads for a style (a field added to STACK_OUTPUTS is a compile error here until written); the
 * fields the CLI cannot work without must have a value.
 */
type StyleOutputs<S extends Style> = {
  readonly [K in keyof (typeof STACK_OUTPUTS)[S]]: (typeof STACK_OUTPUTS)[S][K] extends { required: true } ? NonNullable<OutputValue> : OutputValue;
};

/**
 * The stack outputs `cdk-orchestrate` reads (`status`, `watch`, `verify`, `rollback`), for a service in your own
 * stack: `Style`, `Region` and the outputs of the service's style, under the names the CLI looks for
 * (`cdk deploy --outputs-file cdk-outputs.json` writes them to the file the CLI reads).
 *
 * One per stack: the CLI finds a stack's outputs by their fixed names.
 *
 * @example
 * const service = new FunctionService(this, 'Service', { app });
 * new OrchestrationOutputs(this, 'CliOutputs', { service });
 */
export class OrchestrationOutputs extends Construct {
  /** The service's style: `server`, `vm`, `container` or `serverless`. */
  public readonly style: string;
  /** The outputs written, by output name (`Style`, `Region`, `FunctionName`, ...). */
  public readonly outputs: Record<string, CfnOutput>;

  constructor(scope: Construct, id: string, props: OrchestrationOutputsProps) {
    super(scope, id);
    this.checkOnePerStack();
    const style = this.styleOf(props.service);
    this.style = style;
    this.outputs = {};
    this.write(STYLE_OUTPUT, { value: style, description: 'Orchestration style of this stack (read by cdk-orchestrate)' });
    const values = this.valuesOf(style, props) as Record<string, OutputValue>;
    const names = STACK_OUTPUTS[style] as Record<string, { output: string }>;
    for (const [field, value] of Object.entries(values)) this.write(names[field].output, value);
    this.write(REGION_OUTPUT, { value: Stack.of(this).region, description: 'Region of this stack' });
  }

  /** A CfnOutput whose logical id is exactly `name` (the key `cdk deploy --outputs-file` writes). */
  private write(name: string, output: OutputValue): void {
    if (!output) return;
    const cfn = new CfnOutput(this, name, { value: output.value, description: output.description });
    cfn.overrideLogicalId(name);
    this.outputs[name] = cfn;
  }

  private checkOnePerStack(): void {
    const stack = Stack.of(this);
    const other = stack.node.findAll().find((c) => c !== this && c instanceof OrchestrationOutputs && Stack.of(c) === stack);
    if (other) {
      throw new OrchestrationError(this, 'OrchestrationOutputs', other.node.path, `is already in stack ${stack.node.path}: add one per stack (the CLI reads each stack's outputs by fixed names), and put each service in its own stack`);
    }
  }

  /** The service's style, recognised by what it exposes (the fields this construct reads). */
  private styleOf(service: IAppService): Style {
    const s = service as unknown as Record<string, unknown>;
    if (isServerService(s)) return 'server';
    if (isVmService(s)) return 'vm';
    if (isContainerService(s)) return 'container';
    if (isFunctionService(s)) return 'serverless';
    throw new OrchestrationError(
      this,
      'service',
      service.node.path,
      `is not a service cdk-orchestrate knows: pass a ServerService, VmService, ContainerService or FunctionService (styles: ${STYLES.join(', ')})`,
    );
  }

  private valuesOf(style: Style, props: OrchestrationOutputsProps): StyleOutputs<Style> {
    const service = props.service as unknown;
    switch (style) {
      case 'server':
        return serverOutputs(service as ServerService);
      case 'vm':
        return vmOutputs(service as VmService);
      case 'container':
        return containerOutputs(service as ContainerService, props.repository);
      case 'serverless':
        return serverlessOutputs(service as FunctionService);
    }
  }
}

const has = (o: unknown, ...keys: string[]) => typeof o === 'object' && o !== null && keys.every((k) => (o as Record<string, unknown>)[k] !== undefined);

function isServerService(s: Record<string, unknown>): boolean {
  return has(s, 'fleet', 'loadBalancer') && has(s.fleet, 'instances', 'association');
}
function isVmService(s: Record<string, unknown>): boolean {
  return has(s, 'autoScalingGroup', 'launchTemplate');
}
function isContainerService(s: Record<string, unknown>): boolean {
  return has(s, 'cluster', 'deploymentName', 'kubernetesNamespace');
}
function isFunctionService(s: Record<string, unknown>): boolean {
  return has(s, 'function', 'alias', 'deploymentGroup');
}

function serverOutputs(s: ServerService): StyleOutputs<'server'> {
  return {
    url: { value: s.url, description: 'The nginx load balancer' },
    instanceIds: { value: Fn.join(',', s.fleet.instances.map((i) => i.instanceId)), description: 'The app servers (comma-separated)' },
    associationId: { value: s.fleet.association.attrAssociationId, description: 'The rollout: SSM association of the app servers' },
  };
}

function vmOutputs(s: VmService): StyleOutputs<'vm'> {
  return {
    url: { value: s.url, description: 'The load balancer URL' },
    autoScalingGroupName: { value: s.autoScalingGroup.autoScalingGroupName, description: 'The Auto Scaling group (instance refreshes, activities)' },
  };
}

function containerOutputs(s: ContainerService, repository: ecr.IRepository | undefined): StyleOutputs<'container'> {
  const nodegroup = s.appCluster?.nodegroup;
  const configure = s.appCluster?.configureKubectlCommand;
  return {
    clusterName: { value: s.cluster.clusterName, description: 'The EKS cluster' },
    nodegroupName: nodegroup && { value: nodegroup.nodegroupName, description: 'The managed node group' },
    namespace: { value: s.kubernetesNamespace, description: 'Namespace of the app' },
    deploymentName: { value: s.deploymentName, description: 'The Kubernetes Deployment' },
    repositoryUri: repository && { value: repository.repositoryUri, description: 'ECR repository for images you push yourself' },
    configureKubectlCommand: configure !== undefined ? { value: configure, description: 'Points kubectl at the cluster' } : undefined,
  };
}

function serverlessOutputs(s: FunctionService): StyleOutputs<'serverless'> {
  return {
    url: { value: s.url, description: 'The Function URL (on the live alias)' },
    functionName: { value: s.function.functionName, description: 'The Lambda function' },
    aliasName: { value: s.alias.aliasName, description: 'The alias CodeDeploy moves' },
    aliasArn: { value: s.alias.functionArn, description: 'The alias ARN' },
    application: { value: s.deploymentGroup.application.applicationName, description: 'CodeDeploy application' },
    deploymentGroup: { value: s.deploymentGroup.deploymentGroupName, description: 'CodeDeploy deployment group' },
  };
}
