import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AppSecret } from '../../lib/app';
import { secretReference } from '../../lib/secret-ref';

/** A secret reference made concrete: what to grant, and the reference string for the app. */
export interface BoundSecret {
  /** The environment variable that receives the value. */
  readonly envName: string;
  /** `secretsmanager:<arn or name>[#field]` or `ssm:<name>`: never the value. */
  readonly reference: string;
  /** Grants the principal read access to exactly this secret. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

/**
 * Turns the app description's `secrets` into importable objects with read grants.
 * Every style uses it, so a secret is referenced and granted the same way everywhere.
 */
export function bindSecrets(scope: Construct, secrets: Record<string, AppSecret>): BoundSecret[] {
  const entries = Object.entries(secrets);
  if (entries.length === 0) return [];
  const container = new Construct(scope, 'Secrets');
  return entries.map(([envName, ref]) => {
    if (ref.parameterName !== undefined) {
      // Names start with "/" (validated when known), so not "simple": stated, so that a deploy-time
      // name (a token) gets the same ARN as a known one instead of an error inside aws-cdk-lib.
      const param = ssm.StringParameter.fromSecureStringParameterAttributes(container, envName, { parameterName: ref.parameterName, simpleName: false });
      return { envName, reference: secretReference(ref, ref.parameterName), grantRead: (g: iam.IGrantable) => withKey(param.grantRead(g), g, ref.encryptionKey, 'ssm') };
    }
    const secret =
      ref.secret ??
      (ref.secretArn !== undefined
        ? secretsmanager.Secret.fromSecretCompleteArn(container, envName, ref.secretArn)
        : secretsmanager.Secret.fromSecretNameV2(container, envName, ref.secretName!));
    const id = ref.secret ? ref.secret.secretArn : (ref.secretArn ?? ref.secretName!);
    return { envName, reference: secretReference(ref, id), grantRead: (g: iam.IGrantable) => withKey(secret.grantRead(g), g, ref.encryptionKey, 'secretsmanager') };
  });
}

/**
 * Adds `kms:Decrypt` on a secret's customer-managed key to a read grant, only through the service
 * that stores the secret (`kms:ViaService`): Secrets Manager and Parameter Store decrypt with the
 * caller's permissions. The key's policy (outside the template for an imported key) must allow IAM
 * policies to grant its use.
 */
function withKey(grant: iam.Grant, grantee: iam.IGrantable, key: kms.IKey | undefined, service: 'secretsmanager' | 'ssm'): iam.Grant {
  if (!key) return grant;
  const viaService = `${service}.${Stack.of(key).region}.amazonaws.com`;
  const decrypt = iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt'],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': viaService } },
  });
  return grant.combine(decrypt);
}
