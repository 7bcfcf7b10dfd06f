import { performance } from 'node:perf_hooks';
import { CliError, EXIT_USAGE } from './errors';
import { REPLICA_HEADER, VERSION_HEADER } from './stack-outputs';

/** Bounds that keep `verify` a check, not a load test. */
export const VERIFY_LIMITS = {
  requests: { min: 1, max: 10_000, default: 30 },
  concurrency: { min: 1, max: 100, default: 5 },
  timeoutMs: { min: 1, max: 120_000, default: 5_000 },
} as const;

export interface VerifyOptions {
  /** Requests to send in all. @default 30 */
  readonly requests?: number;
  /** Requests in flight at once. @default 5 */
  readonly concurrency?: number;
  /** Per-request timeout, body included. @default 5000 */
  readonly timeoutMs?: number;
  /** Called after each request (for a progress bar). */
  readonly onResult?: (done: number, total: number) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface LatencyStats {
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface VerifyResult {
  readonly url: string;
  readonly total: number;
  /** Requests answered with a status below 400. */
  readonly ok: number;
  /** Requests that failed: no answer (timeout, refused, reset) or a status of 400 or more. */
  readonly errors: number;
  /** Answers per replica (`x-replica` header; `(none)` when absent), with the errors among them. */
  readonly replicas: Record<string, { readonly responses: number; readonly errors: number }>;
  /** Answers per app version (`x-app-version` header). */
  readonly versions: Record<string, number>;
  /** Answers per HTTP status. */
  readonly statuses: Record<string, number>;
  /** Errors per kind: `HTTP 503`, `timeout after 5000 ms`, `ECONNREFUSED`, ... */
  readonly errorKinds: Record<string, number>;
  /** Latency of the answered requests in milliseconds; undefined when none answered. */
  readonly latencyMs?: LatencyStats;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** Checks verify's input; a CliError (exit 2) on anything out of range. Returns the parsed URL. */
export function checkVerifyInput(url: string, options: VerifyOptions): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`url (${url}) is not a valid URL, nor a stack in the outputs file: give one like http://my-alb.example.com/ or a stack name.`, EXIT_USAGE);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`url (${url}) must be http:// or https://, not ${parsed.protocol}`, EXIT_USAGE);
  }
  checkRange('--requests', options.requests, VERIFY_LIMITS.requests);
  checkRange('--concurrency', options.concurrency, VERIFY_LIMITS.concurrency);
  checkRange('--timeout', options.timeoutMs, VERIFY_LIMITS.timeoutMs, ' ms');
  return parsed;
}

function checkRange(name: string, value: number | undefined, range: { min: number; max: number }, unit = ''): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new CliError(`${name} (${value}) must be an integer from ${range.min} to ${range.max}${unit}.`, EXIT_USAGE);
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function latencyStats(samples: readonly number[]): LatencyStats | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    min: r(sorted[0]),
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted[sorted.length - 1]),
    mean: r(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** A short name for why a request got no answer. */
export function failureKind(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e?.cause?.code ?? e?.code;
  if (code) return code;
  return e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * Sends `requests` GET requests to `url`, `concurrency` at a time, each with its own timeout, and counts what
 * came back: the book's "refresh a few times and watch the server change", measured.
 */
export async function verify(url: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  checkVerifyInput(url, options);
  const total = options.requests ?? VERIFY_LIMITS.requests.default;
  const concurrency = Math.min(total, options.concurrency ?? VERIFY_LIMITS.concurrency.default);
  const timeoutMs = options.timeoutMs ?? VERIFY_LIMITS.timeoutMs.default;
  const doFetch = options.fetch ?? fetch;
  const replicas: Record<string, { responses: number; errors: number }> = {};
  const versions: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let started = 0;
  let finished = 0;
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

  const one = async () => {
    const t0 = performance.now();
    try {
      const res = await doFetch(url, {
        headers: { 'user-agent': 'cdk-orchestrate-verify', 'cache-control': 'no-cache' },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer(); // the body counts in the latency, and frees the connection
      latencies.push(performance.now() - t0);
      const replica = res.headers.get(REPLICA_HEADER) ?? '(none)';
      const entry = (replicas[replica] ??= { responses: 0, errors: 0 });
      entry.responses++;
      bump(versions, res.headers.get(VERSION_HEADER) ?? '(none)');
      bump(statuses, String(res.status));
      if (res.status >= 400) {
        errors++;
        entry.errors++;
        bump(errorKinds, `HTTP ${res.status}`);
      } else {
        ok++;
      }
    } catch (err) {
      errors++;
      bump(errorKinds, failureKind(err, timeoutMs));
    } finally {
      finished++;
      options.onResult?.(finished, total);
    }
  };
  const worker = async () => {
    while (started < total) {
      started++;
      await one();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    url,
    total,
    ok,
    errors,
    replicas,
    versions,
    statuses,
    errorKinds,
    latencyMs: latencyStats(latencies),
    durationMs: Math.round(performance.now() - t0),
    concurrency,
    timeoutMs,
  };
}
