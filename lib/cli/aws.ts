import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { CliError, describeAwsError, EXIT_USAGE, isRetryable } from './errors';

/** The AWS SDK v3 clients the CLI uses. Created lazily: a command builds only the ones it calls. */
export interface Clients {
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly lambda: LambdaClient;
  readonly codeDeploy: CodeDeployClient;
  readonly ssm: SSMClient;
  readonly eks: EKSClient;
}

/**
 * The AWS SDK modules the CLI calls. They are optional dependencies of cdk-orchestration (`npm install
 * --omit=optional` leaves them out), so nothing imports them at start-up: `--help`, `--version` and `verify` never
 * load them, and a command that calls AWS loads them with `loadAwsSdk` first.
 */
export interface AwsSdk {
  readonly autoScaling: typeof import('@aws-sdk/client-auto-scaling');
  readonly codeDeploy: typeof import('@aws-sdk/client-codedeploy');
  readonly ec2: typeof import('@aws-sdk/client-ec2');
  readonly eks: typeof import('@aws-sdk/client-eks');
  readonly lambda: typeof import('@aws-sdk/client-lambda');
  readonly ssm: typeof import('@aws-sdk/client-ssm');
}

/** How to load each SDK module, and the package it comes from. */
export type AwsSdkImporters = { readonly [K in keyof AwsSdk]: readonly [pkg: string, load: () => Promise<AwsSdk[K]>] };

/** The real SDK modules, each loaded by a dynamic `import()` when a command first needs AWS. */
export const AWS_SDK_IMPORTERS: AwsSdkImporters = {
  autoScaling: ['@aws-sdk/client-auto-scaling', () => import('@aws-sdk/client-auto-scaling')],
  codeDeploy: ['@aws-sdk/client-codedeploy', () => import('@aws-sdk/client-codedeploy')],
  ec2: ['@aws-sdk/client-ec2', () => import('@aws-sdk/client-ec2')],
  eks: ['@aws-sdk/client-eks', () => import('@aws-sdk/client-eks')],
  lambda: ['@aws-sdk/client-lambda', () => import('@aws-sdk/client-lambda')],
  ssm: ['@aws-sdk/client-ssm', () => import('@aws-sdk/client-ssm')],
};

/** The packages of the AWS SDK clients the CLI calls, in the order the install message lists them. */
export const AWS_SDK_PACKAGES: readonly string[] = Object.values(AWS_SDK_IMPORTERS).map(([pkg]) => pkg);

/** True when `err` says that `pkg` itself could not be found (not a module it needs in turn). */
export function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code !== 'MODULE_NOT_FOUND' && e?.code !== 'ERR_MODULE_NOT_FOUND') return false;
  // require(): "Cannot find module 'pkg'"; import(): "Cannot find package 'pkg' imported from ...".
  const message = String(e.message);
  return message.includes(`Cannot find module '${pkg}'`) || message.includes(`Cannot find package '${pkg}'`);
}

/** The error for missing SDK clients: exit 2 (the installation is incomplete), naming what to install. */
export function awsSdkMissing(packages: readonly string[]): CliError {
  return new CliError(
    `the AWS SDK clients this command calls are not installed (they are optional dependencies of cdk-orchestration): ${packages.join(', ')}.`,
    EXIT_USAGE,
    `Install them with: npm install --save-dev ${packages.join(' ')}`,
  );
}

/**
 * Loads the AWS SDK clients with `import()`. When any is missing, rejects with a CliError (exit 2) naming every
 * missing package; any other failure to load one is passed on as it is.
 */
export async function loadAwsSdk(importers: AwsSdkImporters = AWS_SDK_IMPORTERS): Promise<AwsSdk> {
  const keys = Object.keys(importers) as (keyof AwsSdk)[];
  const results = await Promise.allSettled(keys.map((key) => importers[key][1]()));
  const missing: string[] = [];
  const sdk: Record<string, unknown> = {};
  for (const [i, key] of keys.entries()) {
    const result = results[i]!;
    const pkg = importers[key][0];
    if (result.status === 'fulfilled') sdk[key] = result.value;
    else if (isMissingPackage(result.reason, pkg)) missing.push(pkg);
    else throw result.reason;
  }
  if (missing.length > 0) throw awsSdkMissing(missing);
  return sdk as unknown as AwsSdk;
}

/**
 * Clients for a region, from the SDK modules `loadAwsSdk` loaded. The SDK's own retries are off (`maxAttempts: 1`):
 * `awsCall` retries throttling and transient errors itself, with exponential backoff and jitter, so that the
 * behaviour is the same for every client and can be tested.
 */
export function createClients(region: string, sdk: AwsSdk): Clients {
  const config = { region, maxAttempts: 1 };
  const cache: Partial<Record<keyof Clients, unknown>> = {};
  const lazy = <K extends keyof Clients>(key: K, make: () => Clients[K]): Clients[K] =>
    (cache[key] ??= make()) as Clients[K];
  return {
    get ec2() { return lazy('ec2', () => new sdk.ec2.EC2Client(config)); },
    get autoScaling() { return lazy('autoScaling', () => new sdk.autoScaling.AutoScalingClient(config)); },
    get lambda() { return lazy('lambda', () => new sdk.lambda.LambdaClient(config)); },
    get codeDeploy() { return lazy('codeDeploy', () => new sdk.codeDeploy.CodeDeployClient(config)); },
    get ssm() { return lazy('ssm', () => new sdk.ssm.SSMClient(config)); },
    get eks() { return lazy('eks', () => new sdk.eks.EKSClient(config)); },
  };
}

export interface RetryOptions {
  /** Attempts in all, the first included. @default 6 */
  readonly attempts?: number;
  /** Delay before the first retry; doubles on each retry. @default 500 */
  readonly baseDelayMs?: number;
  /** Ceiling on one delay. @default 20000 */
  readonly maxDelayMs?: number;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** What every AWS-reading function takes: the SDK (for its commands), the clients, the region (for messages) and the retry policy. */
export interface AwsContext {
  readonly sdk: AwsSdk;
  readonly clients: Clients;
  readonly region: string;
  readonly retry?: RetryOptions;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delay before retry number `retry` (1-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 20_000;
  const exp = Math.min(cap, base * 2 ** (retry - 1));
  return Math.round(exp / 2 + (exp / 2) * (options.random ?? Math.random)());
}

/**
 * Runs one AWS call, retrying throttling and transient errors with backoff, and turns any error into a
 * CliError naming the action (e.g. `ec2:DescribeInstances`) and region.
 */
export async function awsCall<T>(ctx: AwsContext, action: string, fn: () => Promise<T>): Promise<T>;
/** As above, but resolves to undefined when `absent(err)` says the error only means "there is none". */
export async function awsCall<T>(ctx: AwsContext, action: string, fn: () => Promise<T>, absent: (err: unknown) => boolean): Promise<T | undefined>;
export async function awsCall<T>(ctx: AwsContext, action: string, fn: () => Promise<T>, absent?: (err: unknown) => boolean): Promise<T | undefined> {
  const options = ctx.retry ?? {};
  const attempts = Math.max(1, options.attempts ?? 6);
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (absent?.(err)) return undefined;
      if (attempt < attempts && isRetryable(err)) {
        await wait(backoffDelay(attempt, options));
        continue;
      }
      throw describeAwsError(err, action, ctx.region, attempt);
    }
  }
}

/** True when an AWS error is a "not found" (ResourceNotFoundException and the like). */
export function isNotFound(err: unknown): boolean {
  const name = String((err as { name?: string } | undefined)?.name ?? '');
  return /NotFound|DoesNotExist|NoSuch/.test(name);
}
