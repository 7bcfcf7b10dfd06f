// The server style's zero-downtime claim, checked against the real nginx binary (Debian
// package `nginx`): the config is rendered by the same function the NginxLoadBalancer
// construct deploys, the replicas are the sample app, and the rolling update pauses exactly
// as the SSM rollout document does on each server (rolloutPause: healthy + longer than
// fail_timeout). Loopback only; load bounded in count and time.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx } from './nginx-binary';
import { NGINX_DEFAULTS, renderNginxConfig, rolloutPause } from '../../../constructs/server/nginx-config';
import { freePort, SAMPLE_APP_DIR } from '../../helpers';

const INSTALL = 'DEBIAN_FRONTEND=noninteractive apt-get install -y nginx';


const NGINX = findNginx();
if (!NGINX && !process.env.CI) {
  console.warn(`[nginx-rollout] SKIPPED: no nginx binary on PATH (or /usr/sbin). Install it with \`${INSTALL}\` to run the zero-downtime suite.`);
}

describe('the real nginx binary', () => {
  // Runs (and passes) when nginx is installed, fails when it is missing and CI is set, and is
  // skipped with the warning above when it is missing outside CI.
  it.skipIf(!NGINX && !process.env.CI)('is installed (required when CI is set)', () => {
    if (!NGINX) throw new Error(`nginx is not installed, and CI is set: the zero-downtime suite must run in CI. Install it with \`${INSTALL}\` (.ci/run does this before npm test).`);
    expect(execFileSync(NGINX, ['-v'], { encoding: 'utf8', stdio: 'pipe' }) + '').toBeDefined();
  });

  it.runIf(!!NGINX)('rejects what the renderer rejects: fail_timeout in fractions of a second, an unknown proxy_next_upstream condition', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-reject-'));
    try {
      const good = renderNginxConfig({ upstreams: [{ address: '127.0.0.1', port: 9 }], listenAddress: '127.0.0.1', listenPort: 9, user: os.userInfo().username, pidFile: path.join(dir, 'pid'), errorLog: path.join(dir, 'error.log'), accessLog: path.join(dir, 'access.log'), tempDir: dir });
      const nginxAccepts = (text: string) => {
        fs.writeFileSync(path.join(dir, 'nginx.conf'), text);
        try {
          execFileSync(NGINX!, ['-t', '-q', '-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      };
      expect(nginxAccepts(good)).toBe(true);
      expect(nginxAccepts(good.replace('fail_timeout=1s', 'fail_timeout=1500ms'))).toBe(false);
      expect(() => renderNginxConfig({ upstreams: [{ address: '127.0.0.1', port: 9 }], failTimeout: Duration.millis(1500) })).toThrow(/failTimeout \(1 second 500 millis\) must be whole seconds/);
      expect(nginxAccepts(good.replace('http_503;', 'http_503 http_501;'))).toBe(false);
      expect(() => renderNginxConfig({ upstreams: [{ address: '127.0.0.1', port: 9 }], proxyNextUpstream: ['error', 'http_501'] })).toThrow(/proxyNextUpstream \("http_501"\) is not a condition nginx accepts/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


interface Answer {
  status: number;
  version?: string;
  replica?: string;
}

function get(port: number, urlPath: string, agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: agent ?? false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, version: res.headers['x-app-version'] as string | undefined, replica: res.headers['x-replica'] as string | undefined }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      // A keep-alive connection the server closed just as this request went out on it (nginx
      // closes idle client connections when it reloads). HTTP clients retry such idempotent
      // requests (RFC 9112 section 9.3.1; Node documents this reusedSocket check): Load does, once, on a new connection.
      e.reusedSocket = req.reusedSocket && e.code === 'ECONNRESET';
      reject(e);
    });
  });
}

async function waitHealthy(port: number, urlPath: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await get(port, urlPath)).status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port}${urlPath} not healthy after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** One replica: `node server.js` with its own port and version, like one server's systemd unit. */
class Replica {
  public proc?: ChildProcess;
  constructor(
    public readonly id: string,
    public readonly port: number,
  ) {}
  async start(version: string): Promise<void> {
    this.proc = spawn(process.execPath, [path.join(SAMPLE_APP_DIR, 'server.js')], {
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', APP_VERSION: version, REPLICA_ID: this.id },
      stdio: 'ignore',
    });
    await waitHealthy(this.port, '/healthz');
  }
  /** `systemctl stop`: SIGTERM, the app drains and exits. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Steady, bounded load: a few keep-alive clients, each pacing itself, capped in count. */
class Load {
  public readonly answers: { at: number; answer?: Answer; error?: string }[] = [];
  /** Requests retried once because a reused keep-alive connection was closed under them. */
  public retriedOnClosedKeepAlive = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  constructor(
    private readonly port: number,
    private readonly clients = 8,
    private readonly maxRequests = 60_000,
    private readonly pauseMs = 3,
  ) {}
  start(): void {
    for (let i = 0; i < this.clients; i++) this.loops.push(this.loop());
  }
  private async loop(): Promise<void> {
    while (!this.stopped && this.answers.length < this.maxRequests) {
      const at = Date.now();
      try {
        this.answers.push({ at, answer: await get(this.port, '/', this.agent) });
      } catch (e) {
        if (!(e as { reusedSocket?: boolean }).reusedSocket) {
          this.answers.push({ at, error: (e as Error).message });
        } else {
          this.retriedOnClosedKeepAlive++;
          try {
            this.answers.push({ at, answer: await get(this.port, '/') }); // on a new connection
          } catch (again) {
            this.answers.push({ at, error: `${(again as Error).message} (after a retry on a closed keep-alive connection)` });
          }
        }
      }
      await sleep(this.pauseMs);
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.agent.destroy();
  }
  failures(from = 0, to = Infinity) {
    return this.answers.filter((a) => a.at >= from && a.at < to && (a.error || a.answer?.status !== 200));
  }
  count(from = 0, to = Infinity) {
    return this.answers.filter((a) => a.at >= from && a.at < to).length;
  }
}

describe.runIf(!!NGINX)('real nginx in front of three sample-app replicas', () => {
  let dir: string;
  let nginx: ChildProcess;
  let nginxOutput = '';
  let lbPort: number;
  const replicas: Replica[] = [];
  let load: Load;
  const pause = rolloutPause(NGINX_DEFAULTS.failTimeout);
  let renderFor: (members: Replica[]) => string;
  let nginxArgs: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-rollout-'));
    lbPort = await freePort();
    for (let i = 0; i < 3; i++) replicas.push(new Replica(`replica-${i + 1}`, await freePort()));
    renderFor = (members) => renderNginxConfig({
      upstreams: members.map((r) => ({ address: '127.0.0.1', port: r.port })),
      listenAddress: '127.0.0.1',
      listenPort: lbPort,
      user: os.userInfo().username,
      workerProcesses: 2,
      pidFile: path.join(dir, 'nginx.pid'),
      errorLog: path.join(dir, 'error.log'),
      accessLog: path.join(dir, 'access.log'),
      tempDir: dir,
      foreground: true,
    });
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, renderFor(replicas));
    const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf];
    nginxArgs = args;
    execFileSync(NGINX!, ['-t', '-q', ...args], { stdio: 'pipe' }); // throws with nginx's message when it rejects the config
    await Promise.all(replicas.map((r) => r.start('v1')));
    nginx = spawn(NGINX!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d) => (nginxOutput += d));
    nginx.stderr!.on('data', (d) => (nginxOutput += d));
    await waitHealthy(lbPort, NGINX_DEFAULTS.healthCheckPath);
    await waitHealthy(lbPort, '/healthz');
  });

  afterAll(async () => {
    await load?.stop();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, sleep(5000)]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rolls the replicas one at a time to a new version with zero failed requests', async () => {
    load = new Load(lbPort);
    load.start();
    await sleep(500);
    const rollStart = Date.now();
    for (const r of replicas) {
      // What the rollout document does on each server: restart on the new version, wait for
      // /healthz, then stay up longer than nginx's fail_timeout before the next server goes down.
      await r.stop('SIGTERM');
      await r.start('v2');
      await sleep(pause.toMilliseconds());
    }
    const rollEnd = Date.now();
    await sleep(700);
    const after = load.answers.filter((a) => a.at >= rollEnd);
    const failed = load.failures(0, rollEnd);
    console.log(
      `[nginx-rollout] rolling update: ${load.count(0, rollEnd)} requests (${load.count(rollStart, rollEnd)} during the ${rollEnd - rollStart} ms rollout, pause ${pause.toSeconds()} s per replica), ${failed.length} failed; ${after.length} requests after it`,
    );
    expect(failed.slice(0, 5)).toEqual([]);
    expect(load.retriedOnClosedKeepAlive).toBe(0); // nginx keeps its client connections while servers restart
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((a) => a.answer?.version))).toEqual(new Set(['v2']));
    expect(new Set(after.map((a) => a.answer?.replica))).toEqual(new Set(replicas.map((r) => r.id)));
  });

  it('reloads with a new membership (3 -> 4 servers) with zero failed requests, as the nginx association does', async () => {
    const fourth = new Replica('replica-4', await freePort());
    await fourth.start('v2');
    replicas.push(fourth);
    // nginx-apply.sh: write the new config, `nginx -t`, then `systemctl reload nginx` (SIGHUP to the master).
    fs.writeFileSync(path.join(dir, 'nginx.conf'), renderFor(replicas));
    execFileSync(NGINX!, ['-t', '-q', ...nginxArgs], { stdio: 'pipe' });
    const retriesBefore = load.retriedOnClosedKeepAlive;
    const reloadAt = Date.now();
    nginx.kill('SIGHUP');
    await sleep(1500);
    const after = load.answers.filter((a) => a.at >= reloadAt);
    const failed = after.filter((a) => a.error || a.answer?.status !== 200);
    const retries = load.retriedOnClosedKeepAlive - retriesBefore;
    console.log(
      `[nginx-rollout] reload 3 -> 4 servers: ${after.length} requests after the reload, ${failed.length} failed (${retries} retried once by the client on a keep-alive connection the old workers closed)`,
    );
    expect(retries).toBeLessThanOrEqual(8); // at most one per client connection
    expect(failed.slice(0, 5)).toEqual([]);
    expect(after.filter((a) => a.at >= reloadAt + 500).some((a) => a.answer?.replica === 'replica-4')).toBe(true);
    expect(nginx.exitCode).toBeNull();
  });

  it('keeps serving with zero failed requests when one replica is killed with SIGKILL', async () => {
    const before = load.answers.length;
    const killAt = Date.now();
    await replicas[0]!.stop('SIGKILL');
    await sleep(2500);
    await load.stop();
    const during = load.answers.slice(before).filter((a) => a.at >= killAt);
    const failed = during.filter((a) => a.error || a.answer?.status !== 200);
    const total = load.answers.length;
    console.log(
      `[nginx-rollout] SIGKILL of ${replicas[0]!.id}: ${during.length} requests after the kill, ${failed.length} failed; total ${total} requests, ${load.failures().length} failed, ${load.retriedOnClosedKeepAlive} retried once on a closed keep-alive connection`,
    );
    expect(failed.slice(0, 5)).toEqual([]);
    expect(load.failures().length).toBe(0);
    expect(during.length).toBeGreaterThan(100);
    const late = during.filter((a) => a.at >= killAt + 1500);
    expect(late.every((a) => a.answer?.replica !== replicas[0]!.id)).toBe(true);
    expect(nginx.exitCode).toBeNull();
  });
});
