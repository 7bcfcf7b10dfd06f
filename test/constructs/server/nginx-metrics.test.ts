// nginx's metrics, checked against the real nginx binary (Debian package `nginx`): nginx runs the
// config renderNginxConfig renders (the deployed log_format), answers one request with 200 and,
// once both upstreams are gone, one with 502; the metric filters' patterns (the very strings in
// the template) are applied to the access-log and error-log lines nginx wrote, with the local
// space-delimited matcher of filter-pattern.ts. Loopback only; about a second; nothing left behind.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx } from './nginx-binary';
import { NGINX_DEFAULTS, nginxMetricFilterPattern, renderNginxConfig } from '../../../constructs/server/nginx-config';
import { matchSpaceDelimited, metricValueOf, tokenize } from './filter-pattern';
import { freePort } from '../../helpers';

const NGINX = findNginx();
const TAG = 'TestStackLbA1B2C3D4';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const filters = {
  requests: { pattern: nginxMetricFilterPattern('requests', TAG), value: '1' },
  errors: { pattern: nginxMetricFilterPattern('errors', TAG), value: '1' },
  latency: { pattern: nginxMetricFilterPattern('latency', TAG), value: '$rt' },
};
/** What each metric filter publishes for one log line (undefined: the line does not match). */
const published = (line: string) => Object.fromEntries(Object.entries(filters).map(([k, f]) => [k, metricValueOf(f.pattern, f.value, line)]));


function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function readLines(file: string, atLeast: number): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= atLeast) return lines;
    await sleep(20);
  }
  throw new Error(`${file} has fewer than ${atLeast} lines`);
}

describe.runIf(!!NGINX)('nginx metrics from the real nginx access log', () => {
  let dir: string;
  let nginx: ChildProcess | undefined;
  const upstreams: http.Server[] = [];
  let access: string[] = [];
  let errors: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-metrics-'));
    for (let i = 0; i < 2; i++) {
      const server = http.createServer((_req, res) => res.end('hello\n'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      upstreams.push(server);
    }
    const lbPort = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, renderNginxConfig({
      upstreams: upstreams.map((s) => ({ address: '127.0.0.1', port: (s.address() as net.AddressInfo).port })),
      logTag: TAG,
      listenAddress: '127.0.0.1',
      listenPort: lbPort,
      user: os.userInfo().username,
      workerProcesses: 1,
      pidFile: path.join(dir, 'nginx.pid'),
      errorLog: path.join(dir, 'error.log'),
      accessLog: path.join(dir, 'access.log'),
      tempDir: dir,
      foreground: true,
    }));
    const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf];
    execFileSync(NGINX!, ['-t', '-q', ...args], { stdio: 'pipe' });
    nginx = spawn(NGINX!, args, { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        if ((await get(lbPort, NGINX_DEFAULTS.healthCheckPath)) === 200) break;
      } catch {
        if (i > 200) throw new Error('nginx did not start');
      }
      await sleep(20);
    }
    expect(await get(lbPort, '/hello')).toBe(200);
    // Both servers gone: nginx tries each (connection refused), logs the errors, answers 502.
    for (const s of upstreams) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    expect(await get(lbPort, '/down')).toBe(502);
    access = await readLines(path.join(dir, 'access.log'), 2);
    errors = await readLines(path.join(dir, 'error.log'), 1); // error_log ... warn: every line nginx wrote
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, sleep(3000)]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    for (const s of upstreams) if (s.listening) s.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs one line per answer (not nginx\'s own health check) with status, request time and tag as bare fields', () => {
    console.log(`[nginx-metrics] access log:\n  ${access.join('\n  ')}\n[nginx-metrics] error log:\n  ${errors.join('\n  ')}`);
    expect(access).toHaveLength(2);
    expect(tokenize(access[0]!).slice(2, 7)).toEqual(['GET /hello HTTP/1.1', '200', '6', expect.stringMatching(/^\d+\.\d{3}$/), TAG]);
    expect(tokenize(access[1]!).slice(2, 7)).toEqual(['GET /down HTTP/1.1', '502', expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+\.\d{3}$/), TAG]);
    expect(access[1]).toMatch(/upstream=127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ upstream_status=502, 502 /); // spaces after a retry: the "..." part
  });

  it('counts the 200 as a request only, with its request time in seconds', () => {
    const p = published(access[0]!);
    expect(p.requests).toBe(1);
    expect(p.errors).toBeUndefined();
    expect(p.latency).toBe(Number(tokenize(access[0]!)[5]));
    expect(p.latency).toBeGreaterThanOrEqual(0);
    expect(p.latency).toBeLessThan(5);
  });

  it('counts the 502 as a request and a server error', () => {
    const p = published(access[1]!);
    expect(p.requests).toBe(1);
    expect(p.errors).toBe(1);
    expect(typeof p.latency).toBe('number');
  });

  it('counts no error-log line, although the agent ships the error log to the same log group', () => {
    expect(errors.some((l) => l.includes('connect() failed'))).toBe(true);
    for (const line of errors) expect(published(line)).toEqual({ requests: undefined, errors: undefined, latency: undefined });
  });

  it('counts no line of another load balancer (another tag)', () => {
    const other = access[1]!.replace(` ${TAG} `, ' OtherStackLbFFFF0000 ');
    expect(matchSpaceDelimited(filters.requests.pattern, other)).toBeUndefined();
    expect(matchSpaceDelimited(filters.errors.pattern, other)).toBeUndefined();
  });
});
