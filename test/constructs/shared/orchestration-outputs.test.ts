// OrchestrationOutputs: for each style's main construct, the outputs cdk-orchestrate reads, under the names
// lib/cli/stack-outputs.ts gives them, with exactly those logical ids (the keys of `cdk deploy --outputs-file`).
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ContainerService } from '../../../constructs/container';
import { OrchestrationOutputs as FromServer, ServerService } from '../../../constructs/server';
import { FunctionService, OrchestrationOutputs as FromServerless } from '../../../constructs/serverless';
import { OrchestrationOutputs } from '../../../constructs/shared/orchestration-outputs';
import type { IAppService } from '../../../constructs/shared/service';
import { VmImage, VmService } from '../../../constructs/vm';
import * as root from '../../../index';
import { AppSource } from '../../../lib/app';
import { REGION_OUTPUT, STACK_OUTPUTS, STYLE_OUTPUT, type Style } from '../../../lib/cli/stack-outputs';
import { orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';

const source = AppSource.fromDirectory(SAMPLE_APP_DIR);

function outputsOf(stack: Stack): Record<string, { Value: unknown; Description?: string }> {
  return Template.fromStack(stack).toJSON().Outputs;
}

/** Style, Region, every field the CLI reads for the style (optional ones where the service has them), nothing else. */
function expectCliOutputs(stack: Stack, style: Style, leftOut: string[] = []) {
  const outputs = outputsOf(stack);
  const names = Object.values(STACK_OUTPUTS[style] as Record<string, { output: string }>).map((s) => s.output).filter((n) => !leftOut.includes(n));
  expect(Object.keys(outputs).sort()).toEqual([STYLE_OUTPUT, REGION_OUTPUT, ...names].sort());
  expect(outputs[STYLE_OUTPUT].Value).toBe(style);
  expect(outputs[REGION_OUTPUT].Value).toBe('eu-west-1');
  return outputs;
}

describe('OrchestrationOutputs', () => {
  it('serverless: the function, alias and CodeDeploy group', () => {
    const stack = testStack();
    const service = new FunctionService(stack, 'Service', { app: { source } });
    const outputs = new OrchestrationOutputs(stack, 'CliOutputs', { service });
    expect(outputs.style).toBe('serverless');
    const o = expectCliOutputs(stack, 'serverless');
    expect(o.FunctionName.Value).toEqual(stack.resolve(service.function.functionName));
    expect(o.AliasName.Value).toBe('live');
    expect(o.CodeDeployApplication.Value).toEqual(stack.resolve(service.deploymentGroup.application.applicationName));
    expect(o.DeploymentGroup.Value).toEqual(stack.resolve(service.deploymentGroup.deploymentGroupName));
    expect(o.Url.Value).toEqual(stack.resolve(service.url));
  });

  it('vm: the Auto Scaling group and the load balancer URL', () => {
    const stack = testStack();
    const service = new VmService(stack, 'Service', { app: { name: 'web', source }, image: VmImage.fromAmiId('ami-0123456789abcdef0') });
    new OrchestrationOutputs(stack, 'CliOutputs', { service });
    const o = expectCliOutputs(stack, 'vm');
    expect(o.AutoScalingGroupName.Value).toEqual(stack.resolve(service.autoScalingGroup.autoScalingGroupName));
    expect(o.AlbUrl.Value).toEqual(stack.resolve(service.url));
  });

  it('server: the instance ids (comma-separated) and the rollout association', () => {
    const stack = testStack();
    const service = new ServerService(stack, 'Service', { app: { name: 'web', source } });
    new OrchestrationOutputs(stack, 'CliOutputs', { service });
    const o = expectCliOutputs(stack, 'server');
    expect(o.InstanceIds.Value).toEqual({ 'Fn::Join': [',', service.fleet.instances.map((i) => stack.resolve(i.instanceId))] });
    expect(o.AssociationId.Value).toEqual(stack.resolve(service.fleet.association.attrAssociationId));
  });

  it('container: cluster, node group, Deployment, the kubectl command and the repository', () => {
    const stack = testStack();
    const service = new ContainerService(stack, 'Service', { app: { name: 'web', source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 8080 } });
    const repository = new ecr.Repository(stack, 'Repo');
    new OrchestrationOutputs(stack, 'CliOutputs', { service, repository });
    const o = expectCliOutputs(stack, 'container', service.appCluster?.nodegroup ? [] : ['NodegroupName']);
    expect(o.ClusterName.Value).toEqual(stack.resolve(service.cluster.clusterName));
    expect(o.Namespace.Value).toEqual(stack.resolve(service.kubernetesNamespace));
    expect(o.DeploymentName.Value).toEqual(stack.resolve(service.deploymentName));
    expect(o.RepositoryUri.Value).toEqual(stack.resolve(repository.repositoryUri));
  });

  it('is exported from the root and from every style', () => {
    expect(root.OrchestrationOutputs).toBe(OrchestrationOutputs);
    expect(FromServer).toBe(OrchestrationOutputs);
    expect(FromServerless).toBe(OrchestrationOutputs);
  });

  it('rejects a service it does not know, naming the prop and what is allowed', () => {
    const stack = testStack();
    const service = new Construct(stack, 'Mine') as unknown as IAppService;
    const e = orchestrationErrorFrom(() => new OrchestrationOutputs(stack, 'CliOutputs', { service }));
    expect(e.path).toBe('Test/CliOutputs');
    expect(e.prop).toBe('service');
    expect(e.message).toBe('Test/CliOutputs: service ("Test/Mine") is not a service cdk-orchestrate knows: pass a ServerService, VmService, ContainerService or FunctionService (styles: server, vm, container, serverless)');
  });

  it('allows one per stack', () => {
    const stack = testStack();
    const service = new FunctionService(stack, 'Service', { app: { source } });
    new OrchestrationOutputs(stack, 'CliOutputs', { service });
    const e = orchestrationErrorFrom(() => new OrchestrationOutputs(stack, 'More', { service }));
    expect(e.message).toMatch(/^Test\/More: OrchestrationOutputs \("Test\/CliOutputs"\) is already in stack Test: add one per stack/);
  });
});
