/**
 * The sample environments. `dev` keeps the book's sizes; `stage` and `prod` change sizes
 * and stack names only, never physical resource names (the constructs set none).
 */
export const ENVIRONMENTS = ['dev', 'stage', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export interface EnvironmentSizes {
  /** Lambda memory (MB) of the serverless sample. */
  readonly functionMemoryMb: number;
  /** Replicas kept running (server fleet, vm minimum, container replicas). */
  readonly minReplicas: number;
  /** Auto-scaling ceiling (vm group, container HPA, nodes). */
  readonly maxReplicas: number;
}

export const ENVIRONMENT_SIZES: Record<EnvironmentName, EnvironmentSizes> = {
  dev: { functionMemoryMb: 128, minReplicas: 3, maxReplicas: 10 },
  stage: { functionMemoryMb: 256, minReplicas: 3, maxReplicas: 10 },
  prod: { functionMemoryMb: 512, minReplicas: 4, maxReplicas: 20 },
};

/**
 * A `-c env=...` that names no environment: a mistake on the command line, not in the code, so
 * the sample app (bin/app.ts) prints its message alone, with no stack trace, and exits 1.
 */
export class EnvironmentNameError extends Error {
  constructor(public readonly value: unknown) {
    super(`-c env=${String(value)} is not an environment: use one of ${ENVIRONMENTS.join(', ')} (default dev)`);
    this.name = 'EnvironmentNameError';
  }
}

/** Reads `-c env=...`, rejecting anything but the known environments (EnvironmentNameError). */
export function environmentName(value: unknown): EnvironmentName {
  if (value === undefined) return 'dev';
  if (typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value)) return value as EnvironmentName;
  throw new EnvironmentNameError(value);
}

/** The stack name of a style's sample in an environment, e.g. `SampleServerless-dev`. */
export function sampleStackName(style: 'Server' | 'Vm' | 'Container' | 'Serverless', env: EnvironmentName): string {
  return `Sample${style}-${env}`;
}
