import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { SAMPLE_APP_DIR } from '../../helpers';

// The handler, loaded fresh for each test so that its environment (APP_VERSION, log stream) applies.
async function loadHandler(env: Record<string, string> = {}) {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const mod = await import(path.join(SAMPLE_APP_DIR, 'lambda.js'));
  return (mod.default?.handler ?? mod.handler) as (event: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean }>;
}

const baseEvent = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'function-url-event.json'), 'utf8'));
function urlEvent(method: string, rawPath: string) {
  const e = structuredClone(baseEvent);
  e.rawPath = rawPath;
  e.requestContext.http.method = method;
  e.requestContext.http.path = rawPath;
  return e;
}

describe('sample app Lambda handler, with Function URL (payload 2.0) events', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    delete process.env.APP_VERSION;
    delete process.env.REPLICA_ID;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('answers the documented sample event (POST /my/path) with the book\'s 200 Hello, World!', async () => {
    const handler = await loadHandler({ APP_VERSION: 'v42', AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/27/[$LATEST]abc' });
    const res = await handler(baseEvent);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('Hello, World!\n');
    expect(res.isBase64Encoded).toBe(false);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['x-app-version']).toBe('v42');
    expect(res.headers['x-replica']).toBe('2026/11/27/[$LATEST]abc');
  });

  it('answers GET /healthz with ok and no-store, like the HTTP server', async () => {
    const handler = await loadHandler();
    const res = await handler(urlEvent('GET', '/healthz'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('ok\n');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-app-version']).toBe('dev');
  });

  it('answers every other method and path with Hello, World!', async () => {
    const handler = await loadHandler();
    for (const [method, p] of [['GET', '/'], ['DELETE', '/a/b'], ['POST', '/healthz']] as const) {
      const res = await handler(urlEvent(method, p));
      expect(res.statusCode, `${method} ${p}`).toBe(200);
      expect(res.body).toBe('Hello, World!\n');
    }
  });

  it.each([
    ['null', null],
    ['a string', 'GET /'],
    ['an empty object', {}],
    ['an API Gateway v1 event', { httpMethod: 'GET', path: '/', requestContext: {} }],
    ['an event without http.path', { requestContext: { http: { method: 'GET' } } }],
    ['an event with a numeric method', { requestContext: { http: { method: 1, path: '/' } } }],
  ])('answers 400 (not a crash) for a malformed event: %s', async (_name, event) => {
    const handler = await loadHandler();
    const res = await handler(event);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/Bad Request/);
    expect(res.headers['x-app-version']).toBe('dev');
  });
});
