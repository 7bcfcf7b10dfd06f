import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createAccessLogsBucket } from '../../../constructs/shared/access-logs';
import { CONTROL_TOWER_PLUGIN } from '../../../constructs/shared/compliance';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom } from '../../helpers';

function newStack(): Stack {
  return new Stack(new App({ context: CDK_CONTEXT }), 'S');
}

function acknowledged(construct: { node: { metadata: { type: string; data: unknown }[] } }): string[] {
  return construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => JSON.stringify(m.data).match(/control-tower::CT\.[A-Z0-9]+\.PR\.\d+|AwsSolutions::AwsSolutions-[A-Z0-9]+/g) ?? [])
    .sort();
}

describe('createAccessLogsBucket', () => {
  it('dev defaults: SSE-S3, TLS only, private, 90-day expiry, retained, no versioning (the template the styles had)', () => {
    const stack = newStack();
    const bucket = createAccessLogsBucket(stack, 'AccessLogs');
    const t = Template.fromStack(stack);
    const b = onlyResource(t, 'AWS::S3::Bucket');
    expect(stack.getLogicalId(bucket.node.defaultChild as never)).toMatch(/^AccessLogs[0-9A-F]{8}$/);
    expect(b.DeletionPolicy).toBe('Retain');
    expect(b.Properties).toEqual({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
    });
    expect(JSON.stringify(onlyResource(t, 'AWS::S3::BucketPolicy').Properties)).toContain('aws:SecureTransport');
    expect(acknowledged(bucket)).toEqual([
      'AwsSolutions::AwsSolutions-S1',
      `${CONTROL_TOWER_PLUGIN}::CT.S3.PR.10`, `${CONTROL_TOWER_PLUGIN}::CT.S3.PR.11`, `${CONTROL_TOWER_PLUGIN}::CT.S3.PR.2`, `${CONTROL_TOWER_PLUGIN}::CT.S3.PR.4`, `${CONTROL_TOWER_PLUGIN}::CT.S3.PR.9`,
    ]);
  });

  it('versioned (prod): versioning on, noncurrent versions and expired delete markers cleaned, CT.S3.PR.11 no longer acknowledged', () => {
    const stack = newStack();
    const bucket = createAccessLogsBucket(stack, 'AccessLogs', { versioned: true, expiration: Duration.days(365) });
    const b = onlyResource(Template.fromStack(stack), 'AWS::S3::Bucket');
    expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(b.Properties.LifecycleConfiguration.Rules).toEqual([
      { ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
      { ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
    ]);
    expect(acknowledged(bucket)).not.toContain(`${CONTROL_TOWER_PLUGIN}::CT.S3.PR.11`);
    expect(acknowledged(bucket)).toContain(`${CONTROL_TOWER_PLUGIN}::CT.S3.PR.10`);
  });

  it('DESTROY empties the bucket on deletion and acknowledges the auto-delete provider', () => {
    const stack = newStack();
    createAccessLogsBucket(stack, 'AccessLogs', { removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(stack);
    expect(onlyResource(t, 'AWS::S3::Bucket').DeletionPolicy).toBe('Delete');
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    expect(acknowledged(stack.node.findChild('Custom::S3AutoDeleteObjectsCustomResourceProvider') as never)).toEqual([`${CONTROL_TOWER_PLUGIN}::CT.LAMBDA.PR.3`]);
  });

  it('rejects bad input', () => {
    const stack = newStack();
    expect(orchestrationErrorFrom(() => createAccessLogsBucket(stack, 'A', { expiration: Duration.hours(36) })).message).toContain('accessLogsExpiration (1 day 12 hours) must be a whole number of days');
    expect(orchestrationErrorFrom(() => createAccessLogsBucket(stack, 'B', { expiration: 90 as never })).message).toContain('accessLogsExpiration (90) must be a Duration');
    expect(orchestrationErrorFrom(() => createAccessLogsBucket(stack, 'C', { versioned: 'yes' as never })).message).toContain('accessLogsVersioned ("yes") must be a boolean');
    expect(orchestrationErrorFrom(() => createAccessLogsBucket(stack, 'D', { removalPolicy: 'keep' as never })).message).toContain('accessLogsRemovalPolicy ("keep") must be a RemovalPolicy');
  });
});
