import type { AppSecret } from './app';

/**
 * The one string format in which a secret's *reference* (never its value) reaches an app:
 * `secretsmanager:<arn or name>[#<json field>]` or `ssm:<parameter name>`.
 * Runtimes that fetch secrets at start (the server and vm units, the container's init)
 * parse it with {@link parseSecretReference}; a Lambda handler reads it from `<NAME>_SECRET_REF`.
 */
export function secretReference(ref: AppSecret, id: string): string {
  if (ref.parameterName !== undefined) return `ssm:${id}`;
  return `secretsmanager:${id}${ref.jsonField ? `#${ref.jsonField}` : ''}`;
}

/** The parts of a reference string. Throws on anything else. */
export function parseSecretReference(reference: string): { service: 'secretsmanager' | 'ssm'; id: string; jsonField?: string } {
  const m = /^(secretsmanager|ssm):([^#]+)(?:#(.+))?$/.exec(reference);
  if (!m) throw new Error(`not a secret reference: ${JSON.stringify(reference)} (expected secretsmanager:<id>[#field] or ssm:<name>)`);
  const [, service, id, jsonField] = m;
  if (service === 'ssm' && jsonField) throw new Error(`an ssm reference has no JSON field: ${JSON.stringify(reference)}`);
  return { service: service as 'secretsmanager' | 'ssm', id: id!, ...(jsonField ? { jsonField } : {}) };
}

/** The environment variable that carries a secret's reference for runtimes that read it themselves. */
export function secretRefEnvName(envName: string): string {
  return `${envName}_SECRET_REF`;
}
