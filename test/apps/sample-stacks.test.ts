// One snapshot per sample stack, built exactly as `cdk synth` builds them (cdk.json's context),
// normalised by test/setup.ts. Rollout settings are asserted in each style's own suite.
import { Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { createSampleApp } from '../../apps/sample-app-stacks';
import { CDK_CONTEXT } from '../helpers';
import { REGION_OUTPUT, STACK_OUTPUTS, STYLE_OUTPUT } from '../../lib/cli/stack-outputs';

const { stacks } = createSampleApp({ context: CDK_CONTEXT, gate: false });

describe('sample stacks', () => {
  it.each(Object.entries(stacks as Record<string, Stack>))('%s matches its snapshot', (_style, stack) => {
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  it.each(['dev', 'stage', 'prod'])('-c env=%s changes stack names, not physical names', (env) => {
    const { stacks: envStacks } = createSampleApp({ context: { ...CDK_CONTEXT, env }, gate: false });
    for (const stack of Object.values(envStacks as Record<string, Stack>)) {
      expect(stack.stackName).toMatch(new RegExp(`-${env}$`));
      const json = JSON.stringify(Template.fromStack(stack).toJSON().Resources);
      expect(json).not.toMatch(/"(FunctionName|RoleName|LogGroupName|BucketName|ClusterName|RepositoryName|LoadBalancerName|AutoScalingGroupName)":"/);
    }
  });

  it('rejects an unknown environment', () => {
    expect(() => createSampleApp({ context: { env: 'qa' }, gate: false })).toThrow('-c env=qa is not an environment: use one of dev, stage, prod (default dev)');
  });
});

describe('sample stack outputs match what cdk-orchestrate reads', () => {
  it.each(Object.entries(stacks as Record<string, Stack>))('%s has a Style output and every output the CLI requires for it', (_key, stack) => {
    const outputs = Template.fromStack(stack).toJSON().Outputs as Record<string, { Value: unknown }>;
    const style = outputs[STYLE_OUTPUT]?.Value as keyof typeof STACK_OUTPUTS;
    expect(Object.keys(STACK_OUTPUTS)).toContain(style);
    expect(outputs[REGION_OUTPUT]).toBeDefined();
    for (const [field, spec] of Object.entries(STACK_OUTPUTS[style])) {
      if (spec.required) expect(outputs[spec.output], `${style}: ${field} (${spec.output})`).toBeDefined();
    }
  });
});
