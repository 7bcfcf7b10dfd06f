import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { ContainerRegistry } from '../../../constructs/container';
import { OrchestrationError } from '../../../lib/errors';
import { onlyResource, templateOf, testStack } from '../../helpers';

describe('ContainerRegistry', () => {
  it('scans on push, has immutable tags, KMS encryption and a keep-last-N lifecycle', () => {
    const stack = testStack();
    new ContainerRegistry(stack, 'Registry', { maxImageCount: 30 });
    const repo = onlyResource(templateOf(stack), 'AWS::ECR::Repository');
    expect(repo.Properties.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
    expect(repo.Properties.ImageTagMutability).toBe('IMMUTABLE');
    expect(repo.Properties.EncryptionConfiguration).toEqual({ EncryptionType: 'KMS' });
    expect(repo.DeletionPolicy).toBe('Retain');
    const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules).toContainEqual(expect.objectContaining({ selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 }, action: { type: 'expire' } }));
    expect(rules).toContainEqual(expect.objectContaining({ selection: expect.objectContaining({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }) }));
  });

  it('takes a customer-managed key and empties on destroy when asked', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new ContainerRegistry(stack, 'Registry', { encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY, emptyOnDelete: true });
    const repo = onlyResource(templateOf(stack), 'AWS::ECR::Repository');
    expect(repo.Properties.EncryptionConfiguration.EncryptionType).toBe('KMS');
    expect(repo.Properties.EncryptionConfiguration.KmsKey).toBeDefined();
    expect(repo.Properties.EmptyOnDelete).toBe(true);
  });

  it('rejects bad input', () => {
    expect(() => new ContainerRegistry(testStack(), 'Registry', { maxImageCount: 0 })).toThrow(OrchestrationError);
    expect(() => new ContainerRegistry(testStack(), 'Registry', { maxImageCount: 0 })).toThrow('Test/Registry: maxImageCount (0) must be an integer from 1 to 10000');
    expect(() => new ContainerRegistry(testStack(), 'Registry', { emptyOnDelete: true })).toThrow('Test/Registry: emptyOnDelete (true) requires removalPolicy RemovalPolicy.DESTROY');
  });
});
