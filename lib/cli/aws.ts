import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { describeAwsError, isRetryable } from './errors';

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
 * Clients for a region. The SDK's own retries are off (`maxAttempts: 1`): `awsCall` retries throttling and
 * transient errors itself, with exponential backoff and jitter, so that the behaviour is the same for every
 * client and can be tested.
 */
export function createClients(region: string): Clients {
  const config = { region, maxAttempts: 1 };
  const cache: Partial<Record<keyof Clients, unknown>> = {};
  const lazy = <K extends keyof Clients>(key: K, make: () => Clients[K]): Clients[K] =>
    (cache[key] ??= make()) as Clients[K];
  return {
    get ec2() { return lazy('ec2', () => new EC2Client(config)); },
    get autoScaling() { return lazy('autoScaling', () => new AutoScalingClient(config)); },
    get lambda() { return lazy('lambda', () => new LambdaClient(config)); },
    get codeDeploy() { return lazy('codeDeploy', () => new CodeDeployClient(config)); },
    get ssm() { return lazy('ssm', () => new SSMClient(config)); },
    get eks() { return lazy('eks', () => new EKSClient(config)); },
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

/** What every AWS-reading function takes: the clients, the region (for messages) and the retry policy. */
export interface AwsContext {
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
