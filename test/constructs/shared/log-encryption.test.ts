import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { grantLogsUse, LogsKey } from '../../../constructs/shared/log-encryption';
import { ACCOUNT, type CfnTemplate, REGION } from '../../iam/engine';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom } from '../../helpers';
import { resolved, resourcePolicyDecision } from './policy-decision';

function keyTemplate(): { template: CfnTemplate; keyId: string } {
  // Environment-agnostic, like the sample stacks: region and account are the engine's pseudo parameters.
  const stack = new Stack(new App({ context: CDK_CONTEXT }), 'TestStack');
  new LogsKey(stack, 'Logs');
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const keyId = Object.keys(template.Resources).find((id) => template.Resources[id]!.Type === 'AWS::KMS::Key')!;
  return { template, keyId };
}

describe('LogsKey', () => {
  it('is a customer-managed key with rotation, retained by default', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    const logs = new LogsKey(stack, 'Logs');
    expect(logs.key).toBeInstanceOf(kms.Key);
    const key = onlyResource(Template.fromStack(stack), 'AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it("has the key policy of CloudWatch Logs' documentation, scoped to log groups of its account and region", () => {
    const { template, keyId } = keyTemplate();
    const policy = resolved(template, keyId, 'KeyPolicy');
    const logs = policy.Statement.find((s: any) => s.Principal?.Service === `logs.${REGION}.amazonaws.com`);
    expect(logs.Action.sort()).toEqual(['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
    expect(logs.Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` } });
  });

  it('lets CloudWatch Logs use it for a log group of this account, not of another account or region (policy engine)', async () => {
    const { template, keyId } = keyTemplate();
    const policy = resolved(template, keyId, 'KeyPolicy');
    const ask = (principal: string, action: string, logGroupArn?: string) =>
      resourcePolicyDecision(template, { resourceId: keyId, policy, action, principal, context: logGroupArn ? { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } : {} });
    const own = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/app/web`;
    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:GenerateDataKey', 'kms:DescribeKey']) {
      expect(await ask(`logs.${REGION}.amazonaws.com`, action, own), action).toBe('Allowed');
    }
    expect(await ask(`logs.${REGION}.amazonaws.com`, 'kms:GenerateDataKey', `arn:aws:logs:${REGION}:444455556666:log-group:/app/web`)).not.toBe('Allowed');
    expect(await ask(`logs.${REGION}.amazonaws.com`, 'kms:GenerateDataKey', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/web`)).not.toBe('Allowed');
    expect(await ask(`logs.${REGION}.amazonaws.com`, 'kms:GenerateDataKey')).not.toBe('Allowed');
    expect(await ask('logs.us-east-1.amazonaws.com', 'kms:GenerateDataKey', own)).not.toBe('Allowed');
    expect(await ask('arn:aws:iam::444455556666:root', 'kms:Decrypt', own)).not.toBe('Allowed');
    expect(await ask(`logs.${REGION}.amazonaws.com`, 'kms:ScheduleKeyDeletion', own)).not.toBe('Allowed');
  });

  it('denies grants unless they are for an AWS resource or made by an AWS service (CT.KMS.PR.3)', async () => {
    const { template, keyId } = keyTemplate();
    const policy = resolved(template, keyId, 'KeyPolicy');
    const deny = policy.Statement.find((s: any) => s.Effect === 'Deny');
    expect(deny).toEqual({
      Sid: 'DenyGrantsExceptForAwsResources', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:CreateGrant', Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
    const admin = `arn:aws:iam::${ACCOUNT}:role/admin`;
    const grant = (context: Record<string, string>) => resourcePolicyDecision(template, { resourceId: keyId, policy, action: 'kms:CreateGrant', principal: admin, context: { 'aws:PrincipalAccount': ACCOUNT, ...context } });
    expect(await grant({ 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' })).toBe('ExplicitlyDenied');
    expect(await grant({ 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' })).not.toBe('ExplicitlyDenied');
  });

  it('takes a removal policy and a description', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    new LogsKey(stack, 'Logs', { removalPolicy: RemovalPolicy.DESTROY, description: 'mine' });
    const key = onlyResource(Template.fromStack(stack), 'AWS::KMS::Key');
    expect(key.DeletionPolicy).toBe('Delete');
    expect(key.Properties.Description).toBe('mine');
  });

  it('rejects bad input', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    expect(orchestrationErrorFrom(() => new LogsKey(stack, 'A', { removalpolicy: 1 } as never)).message).toContain('removalpolicy');
    expect(orchestrationErrorFrom(() => new LogsKey(stack, 'B', { removalPolicy: 'gone' as never })).message).toContain('removalPolicy ("gone") must be a RemovalPolicy');
    expect(orchestrationErrorFrom(() => new LogsKey(stack, 'C', { description: 5 as never })).message).toContain('description (5) must be a string');
  });
});

describe('grantLogsUse', () => {
  it('adds the statement once, however often it is called', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    const key = new kms.Key(stack, 'Key');
    grantLogsUse(key);
    grantLogsUse(key);
    const statements = onlyResource(Template.fromStack(stack), 'AWS::KMS::Key').Properties.KeyPolicy.Statement;
    expect(statements.filter((s: any) => s.Sid === 'AllowCloudWatchLogsForThisAccountsLogGroups')).toHaveLength(1);
  });

  it('leaves an imported key alone (its policy is not ours to change)', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555');
    expect(() => grantLogsUse(key)).not.toThrow();
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources ?? {})).toHaveLength(0);
  });

  it('rejects what is not a key', () => {
    expect(orchestrationErrorFrom(() => grantLogsUse('alias/logs' as never)).message).toContain('grantLogsUse(key) ("alias/logs") must be a KMS key');
  });
});
