// Offline validation of Kubernetes objects against the real Kubernetes OpenAPI schemas that the
// npm package `kubernetes-models` ships, compiled into validators (kubernetes-models 5.1.0 is
// generated from Kubernetes v1.36.0's OpenAPI spec; the library's default cluster version).
// It checks types, required fields, enums and formats (not unknown fields: the Kubernetes
// schemas allow additional properties).

/** The schema source, named in test output and in the README. */
export const SCHEMA_SOURCE = { package: 'kubernetes-models', version: '5.1.0', kubernetes: '1.36.0' } as const;

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models module of an apiVersion (`apps/v1` → `kubernetes-models/apps/v1`). */
function modulePath(apiVersion: string): string {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) throw new Error(`not an apiVersion: ${apiVersion}`);
  return `kubernetes-models/${apiVersion}`;
}

/** Validates one object; returns the schema errors (empty when valid). */
export async function schemaErrors(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): Promise<string[]> {
  const where = `${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}`;
  if (!obj.apiVersion || !obj.kind) return [`${where}: apiVersion and kind are required`];
  let mod: Record<string, Model>;
  try {
    mod = await import(modulePath(obj.apiVersion));
  } catch {
    return [`${where}: apiVersion ${obj.apiVersion} does not exist in Kubernetes ${SCHEMA_SOURCE.kubernetes}`];
  }
  const model = mod[obj.kind];
  if (typeof model !== 'function') return [`${where}: kind ${obj.kind} does not exist in ${obj.apiVersion} (Kubernetes ${SCHEMA_SOURCE.kubernetes})`];
  try {
    new model(obj).validate();
    return [];
  } catch (e) {
    return [`${where}: ${(e as Error).message}`];
  }
}

/** Validates many objects; returns all errors. */
export async function validateManifests(objects: object[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects) errors.push(...(await schemaErrors(o as never)));
  return errors;
}
