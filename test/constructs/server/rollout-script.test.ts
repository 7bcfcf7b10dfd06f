// The rollout script exactly as the synthesized Command document ships it, with the parameter
// values of the synthesized association substituted as SSM does, run on this machine against a
// scratch directory tree (ROLLOUT_ROOT) with stubs for what only a server has (systemctl, the
// AWS CLI, the app-user account). It proves the shipped files work together: download, unpack,
// unit + environment + launcher, restart, health wait, pause, pruning, secrets, failure.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerFleet } from '../../../constructs/server';
import { freePort, SAMPLE_APP_DIR, testStack } from '../../helpers';
import { flatten } from './template-text';
import { AppSecret, AppSource } from '../../../lib/app';

const TOOLS = ['bash', 'curl', 'unzip', 'zip', 'base64'];
const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
if (missing.length > 0) console.warn(`[rollout-script] SKIPPED: needs ${missing.join(', ')} on PATH`);


function get(port: number): Promise<{ status: number; version?: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.headers['x-app-version'] as string }));
    }).on('error', reject);
  });
}

const STUBS: Record<string, string> = {
  aws: `#!/bin/bash
echo "$*" >> "$ROLLOUT_ROOT/aws.log"
case "$1 $2" in
  "s3 cp") cp "$ROLLOUT_ROOT/bucket/$(basename "$4")" "$5" ;;
  "ssm get-parameter") printf 'greeting-from-ssm' ;;
  *) exit 2 ;;
esac`,
  // systemctl restart: starts the installed unit's ExecStart (paths moved under ROLLOUT_ROOT) with its EnvironmentFile
  systemctl: `#!/bin/bash
R="$ROLLOUT_ROOT"
case "$1" in
  daemon-reload|enable|status) exit 0 ;;
  restart)
    unit="$R/etc/systemd/system/$2"
    if [ -f "$R/app.pid" ]; then kill "$(cat "$R/app.pid")" 2>/dev/null; sleep 0.2; fi
    cmd="$(sed -n 's/^ExecStart=//p' "$unit")"; envfile="$(sed -n 's/^EnvironmentFile=//p' "$unit")"; wd="$(sed -n 's/^WorkingDirectory=//p' "$unit")"
    log="$R$(sed -n 's/^StandardOutput=append://p' "$unit")"; mkdir -p "$(dirname "$log")"
    ( cd "$R$wd" && set -a && . "$R$envfile" && set +a && exec \${cmd/#\\/opt/$R/opt} ) >> "$log" 2>&1 &
    echo $! > "$R/app.pid" ;;
  is-active) kill -0 "$(cat "$R/app.pid")" 2>/dev/null ;;
esac`,
  id: '#!/bin/bash\nexit 0',
  chown: '#!/bin/bash\nexit 0',
  'cloud-init': '#!/bin/bash\necho "status: done"',
};

describe.runIf(missing.length === 0)('the rollout script, as synthesized', () => {
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-script-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'bucket'));
    for (const [name, text] of Object.entries(STUBS)) fs.writeFileSync(path.join(dir, 'bin', name), `${text}\n`, { mode: 0o755 });
    port = await freePort();
  });

  afterAll(() => {
    const pid = path.join(dir, 'app.pid');
    if (fs.existsSync(pid)) {
      try {
        process.kill(Number(fs.readFileSync(pid, 'utf8')), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Synthesizes a one-server fleet, stages its release zip, and runs its rollout script. */
  function rollout(version: string, sourceDir = SAMPLE_APP_DIR) {
    const stack = testStack();
    const fleet = new ServerFleet(stack, 'Fleet', {
      fleetSize: 1,
      healthCheckTimeout: Duration.seconds(5),
      app: { name: 'demo', source: AppSource.fromDirectory(sourceDir), port, version, environment: { GREETING_STYLE: 'plain "quoted" words' }, secrets: { GREETING: AppSecret.fromParameterName('/demo/greeting') } },
    });
    const template = Template.fromStack(stack).toJSON();
    const assoc = template.Resources[stack.getLogicalId(fleet.association)].Properties;
    const doc = template.Resources[stack.getLogicalId(fleet.document)].Properties.Content;
    const params = Object.fromEntries(Object.entries(assoc.Parameters as Record<string, unknown[]>).map(([k, v]) => [k, flatten(v[0])]));
    execFileSync('zip', ['-qr', path.join(dir, 'bucket', path.basename(params.source!)), '.'], { cwd: sourceDir });
    const script = (doc.mainSteps[0].inputs.runCommand as string[]).join('\n').replace(/\{\{ (\w+) \}\}/g, (_, k: string) => params[k]!);
    const run = spawnSync('bash', ['-c', script], { env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, ROLLOUT_ROOT: dir }, encoding: 'utf8', timeout: 30_000 });
    return { run, fleet, params };
  }

  it('installs v1, starts it through the launcher with its secret, and waits out the pause', async () => {
    const started = Date.now();
    const { run, fleet } = rollout('v1');
    expect(run.stderr + run.stdout).toContain('[rollout demo v1] done');
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // the pause: fail_timeout 1 s + 1 s
    expect(await get(port)).toEqual({ status: 200, version: 'v1' });
    expect(fs.readlinkSync(path.join(dir, 'opt/demo/current'))).toBe(path.join(dir, 'opt/demo/releases/v1'));
    expect(fs.readFileSync(path.join(dir, 'etc/systemd/system/demo.service'), 'utf8')).toBe(fleet.unitFile);
    const env = fs.readFileSync(path.join(dir, 'etc/demo/app.env'), 'utf8');
    expect(env).toContain('GREETING_SECRET_REF="ssm:/demo/greeting"');
    expect(env).not.toContain('greeting-from-ssm');
    expect(fs.readFileSync(path.join(dir, 'aws.log'), 'utf8')).toContain('ssm get-parameter --name /demo/greeting --with-decryption');
    if (fs.existsSync('/proc')) {
      const environ = fs.readFileSync(`/proc/${fs.readFileSync(path.join(dir, 'app.pid'), 'utf8').trim()}/environ`, 'utf8').split('\0');
      expect(environ).toContain('GREETING=greeting-from-ssm');
      expect(environ).toContain('GREETING_STYLE=plain "quoted" words');
      expect(environ.some((e) => e.startsWith('GREETING_SECRET_REF='))).toBe(false);
    }
  });

  it('rolls to v2 in place and keeps the previous release for rollback', async () => {
    const { run } = rollout('v2');
    expect(run.status).toBe(0);
    expect(await get(port)).toEqual({ status: 200, version: 'v2' });
    expect(fs.readdirSync(path.join(dir, 'opt/demo/releases')).sort()).toEqual(['v1', 'v2']);
  });

  it('fails the step when the new release never becomes healthy', () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-broken-'));
    try {
      fs.writeFileSync(path.join(broken, 'server.js'), "console.error('cannot start'); process.exit(1);\n");
      const { run } = rollout('v3-broken', broken);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('[rollout demo v3-broken] not healthy after 5s');
      expect(run.stdout).toContain('cannot start');
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });
});
