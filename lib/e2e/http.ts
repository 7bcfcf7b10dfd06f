// Requests the suite sends: steady load while a deploy runs (verify.ts's request, in loops that run until
// stopped), and probes that wait for one version to answer N times in a row.
import { CliError } from '../cli/errors';
import { failureKind } from '../cli/verify';
import { REPLICA_HEADER, VERSION_HEADER } from '../cli/stack-outputs';
import type { FailureTolerance } from './plan';

/** The clock and the waits, injected so that tests never wait. */
export interface Clock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface Answer {
  readonly ok: boolean;
  readonly status?: number;
  readonly version?: string;
  readonly replica?: string;
  /** Why it failed: `HTTP 503`, `ECONNREFUSED`, `timeout after 5000 ms`. */
  readonly error?: string;
}

/** One GET, as verify sends it (no redirects followed, no cache), reduced to what the suite checks. */
export async function probe(doFetch: typeof fetch, url: string, timeoutMs: number): Promise<Answer> {
  try {
    const res = await doFetch(url, {
      headers: { 'user-agent': 'cdk-orchestration-e2e', 'cache-control': 'no-cache' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    const version = res.headers.get(VERSION_HEADER) ?? undefined;
    const replica = res.headers.get(REPLICA_HEADER) ?? undefined;
    return res.status < 400 ? { ok: true, status: res.status, version, replica } : { ok: false, status: res.status, version, replica, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, error: failureKind(err, timeoutMs) };
  }
}

export interface LoadResult {
  readonly url: string;
  readonly total: number;
  readonly errors: number;
  readonly errorKinds: Record<string, number>;
  readonly versions: Record<string, number>;
  /** When each failure happened (clock ms), for the failure-window check. */
  readonly failureTimes: number[];
  readonly durationMs: number;
}

export interface Load {
  /** Stops the loops, waits for requests in flight, returns the counts. */
  stop(): Promise<LoadResult>;
}

/** Starts `concurrency` request loops against `url`; they run until `stop()`. */
export function startLoad(url: string, o: { concurrency: number; pauseMs: number; timeoutMs: number; fetch: typeof fetch; clock: Clock }): Load {
  let running = true;
  let total = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const versions: Record<string, number> = {};
  const failureTimes: number[] = [];
  const start = o.clock.now();
  const loop = async () => {
    while (running) {
      const a = await probe(o.fetch, url, o.timeoutMs);
      total++;
      if (a.version) versions[a.version] = (versions[a.version] ?? 0) + 1;
      if (!a.ok) {
        errors++;
        errorKinds[a.error!] = (errorKinds[a.error!] ?? 0) + 1;
        failureTimes.push(o.clock.now());
      }
      // A macrotask between requests: with a fake fetch and sleep, the loops must still let the deploy run.
      await new Promise((resolve) => setImmediate(resolve));
      if (running) await o.clock.sleep(o.pauseMs);
    }
  };
  const loops = Array.from({ length: o.concurrency }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { url, total, errors, errorKinds, versions, failureTimes, durationMs: o.clock.now() - start };
    },
  };
}

/**
 * Sends GETs one after another until `count` answers in a row are OK and carry `version` (a different version or
 * a failure starts the count again); a CliError when `timeoutMs` passes first, naming what answered last.
 */
export async function awaitVersion(
  url: string,
  version: string,
  o: { count: number; intervalMs: number; timeoutMs: number; requestTimeoutMs: number; fetch: typeof fetch; clock: Clock; what: string },
): Promise<{ durationMs: number; requests: number; replicas: string[] }> {
  const start = o.clock.now();
  let streak = 0;
  let requests = 0;
  let last: Answer | undefined;
  const replicas = new Set<string>();
  for (;;) {
    const a = await probe(o.fetch, url, o.requestTimeoutMs);
    requests++;
    last = a;
    if (a.ok && a.version === version) {
      streak++;
      if (a.replica) replicas.add(a.replica);
      if (streak >= o.count) return { durationMs: o.clock.now() - start, requests, replicas: [...replicas].sort() };
      continue;
    }
    streak = 0;
    replicas.clear();
    if (o.clock.now() - start + o.intervalMs > o.timeoutMs) {
      const seen = last.ok ? `x-app-version ${last.version ?? '(none)'}` : last.error;
      throw new CliError(`${o.what}: ${o.count} answers in a row with x-app-version ${version} did not come within ${Math.round(o.timeoutMs / 1000)} s (last answer: ${seen}).`);
    }
    await o.clock.sleep(o.intervalMs);
  }
}

/**
 * Checks a rollout's failures against the style's tolerance: none, or bursts no longer than the documented
 * window. Returns the problem in words, or undefined when within it.
 */
export function checkFailures(load: LoadResult, tolerance: FailureTolerance): string | undefined {
  if (load.errors === 0) return undefined;
  const kinds = Object.entries(load.errorKinds).map(([k, n]) => `${n} × ${k}`).join(', ');
  if (tolerance.burstMs === 0) return `${load.errors} of ${load.total} requests failed (${kinds}); expected ${tolerance.documented}`;
  const times = [...load.failureTimes].sort((a, b) => a - b);
  const bursts: { start: number; end: number }[] = [];
  for (const t of times) {
    const b = bursts[bursts.length - 1];
    if (b && t - b.end <= tolerance.burstMs) b.end = t;
    else bursts.push({ start: t, end: t });
  }
  const longest = Math.max(...bursts.map((b) => b.end - b.start));
  if (bursts.length > tolerance.bursts || longest > tolerance.burstMs) {
    return `${load.errors} of ${load.total} requests failed (${kinds}) in ${bursts.length} burst(s), the longest ${longest} ms; allowed: at most ${tolerance.bursts} burst(s) of ${tolerance.burstMs} ms (${tolerance.documented})`;
  }
  return undefined;
}
