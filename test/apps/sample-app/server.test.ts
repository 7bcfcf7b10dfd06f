import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_APP_DIR } from '../../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createServer } = require(path.join(SAMPLE_APP_DIR, 'server.js'));

function get(port: number, p: string, agent?: http.Agent, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sample app HTTP server (real requests on loopback)', () => {
  let app: { server: http.Server; shutdown: () => Promise<void> };
  let port: number;
  beforeAll(async () => {
    app = createServer({ env: { APP_VERSION: 'v7', REPLICA_ID: 'replica-a' } });
    await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    if (app.server.listening) await app.shutdown();
  });

  it('answers any path and method with 200 text/plain Hello, World!', async () => {
    for (const [method, p] of [['GET', '/'], ['GET', '/anything/here?x=1'], ['POST', '/'], ['PUT', '/x']]) {
      const res = await get(port, p!, undefined, method);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toBe('Hello, World!\n');
    }
  });

  it('identifies its version and replica in headers', async () => {
    const res = await get(port, '/');
    expect(res.headers['x-app-version']).toBe('v7');
    expect(res.headers['x-replica']).toBe('replica-a');
  });

  it('answers GET and HEAD /healthz', async () => {
    const res = await get(port, '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok\n');
    const head = await get(port, '/healthz', undefined, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('shuts down gracefully: idle keep-alive connections close, new connections are refused', async () => {
    const other = createServer({ env: {} });
    await new Promise<void>((r) => other.server.listen(0, '127.0.0.1', r));
    const p = (other.server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true });
    expect((await get(p, '/', agent)).status).toBe(200); // leaves an idle keep-alive socket
    await other.shutdown(); // resolves only once every connection is closed
    await expect(get(p, '/')).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});

describe('sample app process (node server.js)', () => {
  it('listens on PORT, finishes in-flight work and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(SAMPLE_APP_DIR, 'server.js')], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', APP_VERSION: 'proc' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        const m = /Listening on port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    expect(port).toBeGreaterThan(0);
    const agent = new http.Agent({ keepAlive: true });
    const res = await get(port, '/', agent);
    expect(res.headers['x-app-version']).toBe('proc');
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toMatch(/SIGTERM received, draining/);
    agent.destroy();
  });
});
