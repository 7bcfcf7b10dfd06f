// Defect 4 (issue 12): the customer-managed KMS key of a secret imported by name, ARN or parameter.
// The grants themselves are decided by the policy engine in iam.test.ts; this checks the factories.
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { AppSecret } from '../../lib/app';
import { orchestrationErrorFrom } from '../helpers';

describe('AppSecret encryptionKey', () => {
  const key = kms.Key.fromKeyArn(new Stack(), 'Key', 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555');

  it('is kept by every factory', () => {
    expect(AppSecret.fromSecretName('app/db', { encryptionKey: key }).encryptionKey).toBe(key);
    expect(AppSecret.fromSecretArn('arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbC123', { encryptionKey: key, jsonField: 'password' }).encryptionKey).toBe(key);
    expect(AppSecret.fromParameterName('/app/token', { encryptionKey: key }).encryptionKey).toBe(key);
    expect(AppSecret.fromSecretName('app/db').encryptionKey).toBeUndefined();
  });

  it('must be a KMS key', () => {
    const e = orchestrationErrorFrom(() => AppSecret.fromSecretName('app/db', { encryptionKey: 'alias/app' as unknown as kms.IKey }));
    expect(e.message).toContain('AppSecret.fromSecretName(options.encryptionKey)');
    expect(e.message).toContain('must be a KMS key (kms.IKey)');
  });

  it('a parameter has no JSON field', () => {
    const e = orchestrationErrorFrom(() => AppSecret.fromParameterName('/app/token', { jsonField: 'x' } as never));
    expect(e.message).toContain('AppSecret.fromParameterName(options.jsonField)');
  });
});
