import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../lib/cli/errors';
import { checkVerifyInput, failureKind, latencyStats, percentile, VERIFY_LIMITS, verify } from '../../../lib/cli/verify';
// The sample app's own HTTP server: the replicas below are the real thing, on loopback.
import { createServer } from '../../../apps/sample-app/server.js';
import { errorResponse, identity } from '../../../apps/sample-app/respond.js';

const servers: http.Server[] = [];

async function listen(server: http.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A replica of the sample app with its own REPLICA_ID and APP_VERSION. */
const replica = (id: string, version: string) => listen(createServer({ env: { REPLICA_ID: id, APP_VERSION: version } }).server);

/** A replica that answers every request with a 503, or the given status (its headers still name it). */
function failing(id: string, status = 503, message = 'Service Unavailable') {
  return listen(
    http.createServer((_req, res) => {
      const a = errorResponse(status, message, identity({ REPLICA_ID: id, APP_VERSION: 'v1' }));
      res.writeHead(a.status, a.headers).end(a.body);
    }),
  );
}

/** A replica that takes `ms` to answer. */
function slow(id: string, ms: number) {
  const app = createServer({ env: { REPLICA_ID: id, APP_VERSION: 'v1' } });
  const inner = app.server.listeners('request')[0] as http.RequestListener;
  return listen(http.createServer((req, res) => void setTimeout(() => inner(req, res), ms).unref()));
}

/** A round-robin load balancer over backends, like an ALB in front of the replicas. */
function balancer(backends: string[]) {
  let next = 0;
  return listen(
    http.createServer((req, res) => {
      const target = new URL(req.url ?? '/', backends[next++ % backends.length]);
      const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.headersSent || res.writeHead(502).end());
      req.pipe(upstream);
    }),
  );
}

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('verify against local replicas', () => {
  let lb: string;
  beforeAll(async () => {
    lb = await balancer([await replica('a', 'v1'), await replica('b', 'v1'), await replica('c', 'v2')]);
  });

  it('counts 60 answers evenly per replica and per version, with percentiles and no errors', async () => {
    const progress: number[] = [];
    const r = await verify(lb, { requests: 60, concurrency: 6, onResult: (done) => progress.push(done) });
    expect(r).toMatchObject({ total: 60, ok: 60, errors: 0, statuses: { '200': 60 }, errorKinds: {} });
    expect(r.replicas).toEqual({ a: { responses: 20, errors: 0 }, b: { responses: 20, errors: 0 }, c: { responses: 20, errors: 0 } });
    expect(r.versions).toEqual({ v1: 40, v2: 20 });
    const l = r.latencyMs!;
    expect(l.min).toBeLessThanOrEqual(l.p50);
    expect(l.p50).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(progress).toHaveLength(60);
    expect(progress.at(-1)).toBe(60);
  });

  it('never sends more than asked, even with more workers than requests', async () => {
    const r = await verify(lb, { requests: 2, concurrency: 50 });
    expect(r.total).toBe(2);
    expect(r.concurrency).toBe(2);
    expect(Object.values(r.replicas).reduce((n, v) => n + v.responses, 0)).toBe(2);
  });
});

describe('verify: what it sends, how many at once, how long it took', () => {
  /** A server without the sample app's headers that holds each answer until `batch` requests are in flight. */
  async function counting(batch: number) {
    const seen = { requests: [] as http.IncomingHttpHeaders[], inFlight: 0, maxInFlight: 0 };
    let held: http.ServerResponse[] = [];
    const release = () => {
      for (const res of held) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      held = [];
    };
    const url = await listen(
      http.createServer((req, res) => {
        seen.requests.push(req.headers);
        seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
        res.on('finish', () => seen.inFlight--);
        held.push(res);
        // Released as soon as `batch` are waiting; the timer only keeps a wrong count from hanging the test.
        if (held.length >= batch) release();
        else setTimeout(release, 2_000).unref();
      }),
    );
    return { url, seen };
  }

  it('identifies itself and asks caches to pass each request on to a replica', async () => {
    const { url, seen } = await counting(1);
    await verify(url, { requests: 2, concurrency: 1 });
    expect(seen.requests).toHaveLength(2);
    for (const headers of seen.requests) expect(headers).toMatchObject({ 'user-agent': 'cdk-orchestrate-verify', 'cache-control': 'no-cache' });
  });

  it('counts answers without the replica and version headers under (none)', async () => {
    const { url } = await counting(1);
    const r = await verify(url, { requests: 3, concurrency: 1 });
    expect(r).toMatchObject({ ok: 3, errors: 0, statuses: { '200': 3 } });
    expect(r.replicas).toEqual({ '(none)': { responses: 3, errors: 0 } });
    expect(r.versions).toEqual({ '(none)': 3 });
  });

  it('keeps exactly --concurrency requests in flight', async () => {
    const { url, seen } = await counting(3);
    const r = await verify(url, { requests: 9, concurrency: 3 });
    expect(r).toMatchObject({ total: 9, ok: 9, concurrency: 3 });
    expect(seen.maxInFlight).toBe(3);
  });

  it('sends 5 at once by default', async () => {
    const { url, seen } = await counting(5);
    const r = await verify(url, { requests: 10 });
    expect(r).toMatchObject({ total: 10, ok: 10, concurrency: 5 });
    expect(seen.maxInFlight).toBe(5);
  });

  it('measures each latency and the whole run in milliseconds of wall time', async () => {
    const url = await slow('slow', 50);
    const before = performance.now();
    const r = await verify(url, { requests: 4, concurrency: 2 });
    const wall = performance.now() - before;
    const l = r.latencyMs!;
    expect(l.min).toBeGreaterThanOrEqual(45); // each answer waited 50 ms on the server
    expect(l.max).toBeLessThanOrEqual(r.durationMs + 0.5); // no request outlasts the run (rounding aside)
    expect(r.durationMs).toBeGreaterThanOrEqual(95); // two rounds of two
    expect(r.durationMs).toBeLessThanOrEqual(Math.ceil(wall));
  });
});

describe('failureKind: a short name for a request that got no answer', () => {
  // Whatever a fetch rejects with (a custom `fetch` option may throw anything): a name, never a throw of its own.
  const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });
  it.each([
    ['a timeout (AbortSignal.timeout)', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout after 300 ms'],
    ['an abort', new DOMException('This operation was aborted', 'AbortError'), 'timeout after 300 ms'],
    ["undici's error with a coded cause", fetchFailed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED'],
    ['an error with its own code', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['a cause with a message but no code', fetchFailed(new Error('response ended early')), 'response ended early'],
    ['an error with neither cause nor code', new Error('boom'), 'boom'],
    ['a thrown string', 'no route to host', 'no route to host'],
    ['a thrown null', null, 'null'],
    ['a thrown undefined', undefined, 'undefined'],
  ])('names %s', (_what, err, kind) => {
    expect(failureKind(err, 300)).toBe(kind);
  });
});

describe('verify with a failing replica', () => {
  it('counts its 503s as errors against it', async () => {
    const lb = await balancer([await replica('ok-1', 'v1'), await failing('bad'), await replica('ok-2', 'v1')]);
    const r = await verify(lb, { requests: 30, concurrency: 3 });
    expect(r).toMatchObject({ total: 30, ok: 20, errors: 10, errorKinds: { 'HTTP 503': 10 }, statuses: { '200': 20, '503': 10 } });
    expect(r.replicas.bad).toEqual({ responses: 10, errors: 10 });
  });

  it('counts a 400 (the lowest error status) as an error too', async () => {
    const r = await verify(await failing('picky', 400, 'Bad Request'), { requests: 3, concurrency: 1 });
    expect(r).toMatchObject({ total: 3, ok: 0, errors: 3, errorKinds: { 'HTTP 400': 3 }, statuses: { '400': 3 } });
    expect(r.replicas).toEqual({ picky: { responses: 3, errors: 3 } });
  });
});

describe('verify with a slow replica', () => {
  it('times out each slow request on its own and counts it as an error', async () => {
    const lb = await balancer([await replica('fast', 'v1'), await slow('slow', 5_000)]);
    const r = await verify(lb, { requests: 4, concurrency: 2, timeoutMs: 300 });
    expect(r).toMatchObject({ total: 4, ok: 2, errors: 2, errorKinds: { 'timeout after 300 ms': 2 } });
    expect(r.replicas).toEqual({ fast: { responses: 2, errors: 0 } });
  });

  it('reports a URL that does not answer at all', async () => {
    const closed = await listen(http.createServer());
    const s = servers.pop()!;
    await new Promise((resolve) => s.close(resolve));
    const r = await verify(closed, { requests: 3, concurrency: 1, timeoutMs: 1000 });
    expect(r).toMatchObject({ total: 3, ok: 0, errors: 3, errorKinds: { ECONNREFUSED: 3 }, replicas: {} });
    expect(r.latencyMs).toBeUndefined();
  });
});

describe('verify input', () => {
  const rejects = (url: string, options: object, message: string) => {
    expect(() => checkVerifyInput(url, options)).toThrow(CliError);
    expect(() => checkVerifyInput(url, options)).toThrow(message);
  };
  it('rejects an invalid or non-HTTP URL', () => {
    rejects('not a url', {}, 'url (not a url) is not a valid URL');
    rejects('ftp://example.com/', {}, 'url (ftp://example.com/) must be http:// or https://, not ftp:');
  });
  it('rejects --requests 0 and other out-of-range numbers', async () => {
    rejects('http://127.0.0.1/', { requests: 0 }, '--requests (0) must be an integer from 1 to 10000.');
    rejects('http://127.0.0.1/', { requests: 1.5 }, '--requests (1.5) must be an integer from 1 to 10000.');
    rejects('http://127.0.0.1/', { concurrency: 101 }, '--concurrency (101) must be an integer from 1 to 100.');
    rejects('http://127.0.0.1/', { timeoutMs: 0 }, '--timeout (0) must be an integer from 1 to 120000 ms.');
    await expect(verify('http://127.0.0.1/', { requests: 0 })).rejects.toThrow('--requests (0)');
  });
  it('accepts https URLs', () => {
    const url = checkVerifyInput('https://my-alb.example.com/health', {});
    expect([url.protocol, url.host, url.pathname]).toEqual(['https:', 'my-alb.example.com', '/health']);
  });
  it('accepts every limit exactly at its minimum and its maximum (VERIFY_LIMITS)', () => {
    expect(VERIFY_LIMITS).toMatchObject({ requests: { min: 1, max: 10_000 }, concurrency: { min: 1, max: 100 }, timeoutMs: { min: 1, max: 120_000 } });
    expect(checkVerifyInput('http://127.0.0.1/', { requests: 10_000, concurrency: 100, timeoutMs: 120_000 }).href).toBe('http://127.0.0.1/');
    expect(checkVerifyInput('http://127.0.0.1/', { requests: 1, concurrency: 1, timeoutMs: 1 }).href).toBe('http://127.0.0.1/');
    rejects('http://127.0.0.1/', { requests: 10_001 }, '--requests (10001) must be an integer from 1 to 10000.');
    rejects('http://127.0.0.1/', { timeoutMs: 120_001 }, '--timeout (120001) must be an integer from 1 to 120000 ms.');
  });
});

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 95), percentile(xs, 99), percentile(xs, 100)]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(latencyStats([3, 1, 2])).toEqual({ min: 1, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 });
    expect(latencyStats([])).toBeUndefined();
    expect(percentile([], 50)).toBeNaN();
  });
});
