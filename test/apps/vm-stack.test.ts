// The vm sample stack: region-agnostic and offline, with the outputs the CLI reads.
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createSampleApp } from '../../apps/sample-app-stacks';
import { CDK_CONTEXT } from '../helpers';

const { stacks } = createSampleApp({ context: CDK_CONTEXT, gate: false });
const stack = stacks.vm;
const t = Template.fromStack(stack);
const json = t.toJSON();

describe('vm sample stack', () => {
  it('is named by sampleStackName and environment-agnostic', () => {
    expect(stack.stackName).toBe('SampleVm-dev');
    expect(stack.region).toMatch(/^\$\{Token/);
  });

  it('outputs what the CLI needs', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual(
      ['AlbUrl', 'AppVersion', 'AutoScalingGroupName', 'ImageId', 'LaunchTemplateId', 'LoadBalancerArn', 'LogGroupName', 'Region', 'RolloutEstimateSeconds', 'Style', 'TargetGroupArn'].sort(),
    );
    expect(json.Outputs.Style.Value).toBe('vm');
    expect(json.Outputs.Region.Value).toEqual({ Ref: 'AWS::Region' });
    expect(json.Outputs.RolloutEstimateSeconds.Value).toBe('170');
  });

  it('keeps the book\'s dev sizes (3 to 10)', () => {
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '3', MaxSize: '10' });
  });

  it('logs ALB access in any region: the ELB account from a mapping, else the log delivery service', () => {
    const policy = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy');
    const doc = JSON.stringify(policy.Properties.PolicyDocument);
    expect(doc).toContain('logdelivery.elasticloadbalancing.amazonaws.com');
    expect(doc).toContain('delivery.logs.amazonaws.com');
    expect(doc).toContain('Fn::If');
    expect(Object.keys(json.Conditions ?? {}).some((c) => c.includes('AccessLogsLegacyRegion'))).toBe(true);
    const mapping = Object.values<any>(json.Mappings ?? {}).find((m) => m['eu-west-1']?.account);
    expect(mapping['eu-west-1'].account).toBe('156460612806');
    expect(mapping['mx-central-1'].account).toBe('none'); // a newer region: the service principal applies
    expect(Object.keys(mapping).length).toBeGreaterThan(40);
  });

  it('empties and deletes its access log bucket and log groups on cdk destroy', () => {
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    const groups = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    for (const g of groups) expect(g.DeletionPolicy).toBe('Delete');
  });
});
