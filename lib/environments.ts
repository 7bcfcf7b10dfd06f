/**
 * The sample environments. `dev` keeps the book's sizes; `stage` changes sizes and stack names only;
 * `prod` also turns on the production profile (ProductionSettings: TLS and names, no single point of
 * failure, private endpoints, alarms, dashboards, a budget, the Control Tower gate). No environment sets
 * physical resource names (the constructs set none).
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

/**
 * The stack name of a style's sample in an environment, e.g. `SampleServerless-dev`; with a suffix (the e2e
 * suite's `-c stackSuffix=e2e1a2b3c`, docs/e2e.md), `SampleServerless-dev-e2e1a2b3c`.
 */
export function sampleStackName(style: 'Server' | 'Vm' | 'Container' | 'Serverless', env: EnvironmentName, suffix?: string): string {
  return `Sample${style}-${env}${suffix ? `-${suffix}` : ''}`;
}

/**
 * What the e2e suite (docs/e2e.md) changes in the sample app: its version, and the health-check failure switch
 * of its rollback drill. Read from `-c sampleAppVersion=...` and `-c sampleAppFailHealth=true` by
 * apps/sample-app-stacks.ts; absent in normal use.
 */
export interface SampleAppVariant {
  /** The app's `version` (APP_VERSION, the `x-app-version` header). @default - derived from the source's fingerprint */
  readonly version?: string;
  /** `SAMPLE_APP_FAIL_HEALTH=1` in the app's environment: its health check answers 503. @default false */
  readonly failHealth?: boolean;
}

/** The sample app's `version` and `environment` for a variant: exactly `{ NODE_ENV: 'production' }` without one. */
export function sampleAppSettings(variant?: SampleAppVariant): { readonly version?: string; readonly environment: Record<string, string> } {
  return {
    ...(variant?.version !== undefined ? { version: variant.version } : {}),
    environment: { NODE_ENV: 'production', ...(variant?.failHealth ? { SAMPLE_APP_FAIL_HEALTH: '1' } : {}) },
  };
}

/**
 * What the sample stacks do differently in `prod` (absent in dev and stage): names and TLS,
 * notifications, a budget. Read from `-c domainName=... -c hostedZoneId=... [-c alarmEmail=...]`
 * by apps/sample-app-stacks.ts; prod synth fails with a clear message without the domain.
 */
export interface ProductionSettings {
  /** The hosted zone's name, e.g. `example.com`: each style answers at `<style>.<domainName>` (`server.example.com`, ...). */
  readonly domainName: string;
  /** The hosted zone's id (`Z0EXAMPLE`), used with `HostedZone.fromHostedZoneAttributes` (no lookup). */
  readonly hostedZoneId: string;
  /** Where alarm notifications and the budget alert are e-mailed. @default - the alarm topic only, no subscription */
  readonly alarmEmail?: string;
  /**
   * An ACM certificate in us-east-1 for CloudFront (serverless). @default - the serverless prod stack is
   * pinned to us-east-1 and creates its certificate there
   */
  readonly cloudFrontCertificateArn?: string;
  /** CIDRs allowed to reach the EKS API's public endpoint. @default - private endpoint only */
  readonly eksApiCidrs?: string[];
  /** The monthly budget per sample stack, in USD. */
  readonly monthlyBudgetUsd: number;
  /**
   * Turn deletion protection off (`-c teardown=true`): deploy once with it, then `cdk destroy`.
   * @default false
   */
  readonly teardown?: boolean;
}
