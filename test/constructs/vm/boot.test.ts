// The pure renderers of what runs on a vm instance, and the fetch-secrets script run for real
// against a stub `aws` command (no AWS involved).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderImageTest, imageVersion } from '../../../constructs/vm/app-image';
import {
  envFileLine,
  PATHS,
  readAsset,
  renderCloudWatchAgentConfig,
  renderEnvFile,
  renderSecretRefs,
  renderUnit,
  renderUserDataCommands,
  shellQuote,
  systemdQuote,
} from '../../../constructs/vm/boot';

describe('systemd unit', () => {
  const unit = renderUnit({ command: ['node', 'server.js'], region: 'eu-west-1', hasSecrets: true, stopTimeoutSeconds: 35 });

  it('runs the app as app-user, restarts it always, logs to the file the agent ships', () => {
    expect(unit).toContain('User=app-user\n');
    expect(unit).toContain('Restart=always\n');
    expect(unit).toContain('ExecStart="node" "server.js"\n');
    expect(unit).toContain('WorkingDirectory=/opt/app\n');
    expect(unit).toContain(`StandardOutput=append:${PATHS.logFile}\n`);
    expect(unit).toContain('TimeoutStopSec=35\n');
    expect(unit).toContain('NoNewPrivileges=yes\n');
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('fetches secrets as root before every start into a tmpfs EnvironmentFile', () => {
    expect(unit).toContain(`ExecStartPre=+${PATHS.fetchSecrets} ${PATHS.secretRefs} ${PATHS.secretEnv}\n`);
    expect(unit).toContain(`EnvironmentFile=-${PATHS.secretEnv}\n`);
    expect(PATHS.secretEnv.startsWith('/run/')).toBe(true);
    // the plain configuration is read first, so a secret cannot be overridden by it
    expect(unit.indexOf(`EnvironmentFile=${PATHS.envFile}`)).toBeLessThan(unit.indexOf(`EnvironmentFile=-${PATHS.secretEnv}`));
  });

  it('has no secret step without secrets', () => {
    const plain = renderUnit({ command: ['node', 'server.js'], region: 'eu-west-1', hasSecrets: false, stopTimeoutSeconds: 35 });
    expect(plain).not.toContain('ExecStartPre');
    expect(plain).not.toContain(PATHS.secretEnv);
  });

  it('quotes command arguments so systemd keeps them literal', () => {
    expect(systemdQuote('a b')).toBe('"a b"');
    expect(systemdQuote('say "hi"')).toBe('"say \\"hi\\""');
    expect(systemdQuote('100%')).toBe('"100%%"');
    expect(systemdQuote('$HOME')).toBe('"$$HOME"');
  });
});

describe('configuration files', () => {
  it('writes plain configuration as double-quoted EnvironmentFile lines', () => {
    expect(renderEnvFile({ PORT: '8080', GREETING: 'say "hi" \\o/' })).toBe('PORT="8080"\nGREETING="say \\"hi\\" \\\\o/"\n');
    expect(envFileLine('A', '')).toBe('A=""');
  });

  it('writes secret references, never values', () => {
    expect(renderSecretRefs([{ envName: 'DB', reference: 'secretsmanager:db#password' }, { envName: 'KEY', reference: 'ssm:/app/key' }])).toBe(
      'DB=secretsmanager:db#password\nKEY=ssm:/app/key\n',
    );
    expect(renderSecretRefs([])).toBe('');
  });

  it('ships the app log file to the log group, one stream per instance', () => {
    const cfg = JSON.parse(renderCloudWatchAgentConfig('my-group'));
    expect(cfg.logs.logs_collected.files.collect_list).toEqual([
      { file_path: '/var/log/app/app.log', log_group_name: 'my-group', log_stream_name: '{instance_id}', timezone: 'UTC' },
    ]);
  });

  it('user data writes the files with quoted heredocs and starts the agent and the app', () => {
    const script = renderUserDataCommands({
      command: ['node', 'server.js'],
      region: 'eu-west-1',
      environment: { PORT: '8080', APP_VERSION: 'v1' },
      secrets: [{ envName: 'DB', reference: 'ssm:/db' }],
      logGroupName: 'lg',
      stopTimeoutSeconds: 35,
    }).join('\n');
    expect(script).toContain("cat > /etc/app/app.env <<'CDK_ORCHESTRATION_EOF'\nPORT=\"8080\"\nAPP_VERSION=\"v1\"\nCDK_ORCHESTRATION_EOF");
    expect(script).toContain("cat > /etc/app/secrets.ref <<'CDK_ORCHESTRATION_EOF'\nDB=ssm:/db\nCDK_ORCHESTRATION_EOF\nchmod 0600 /etc/app/secrets.ref");
    expect(script).toContain(readAsset('fetch-secrets.sh').trimEnd());
    expect(script).toContain('amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s');
    expect(script.trimEnd().endsWith('systemctl enable --now app.service')).toBe(true);
    const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
  });

  it('picks a heredoc delimiter that the content does not contain', () => {
    const script = renderUserDataCommands({
      command: ['node', 'server.js'],
      region: 'r',
      environment: { X: 'CDK_ORCHESTRATION_EOF' },
      secrets: [],
      logGroupName: 'lg',
      stopTimeoutSeconds: 15,
    }).join('\n');
    expect(script).toContain('X="CDK_ORCHESTRATION_EOF"');
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
  });
});

describe('image helpers', () => {
  it('derives a stable semantic version from content, within Image Builder\'s limits', () => {
    const v = imageVersion({ a: 1 });
    expect(v).toMatch(/^1\.0\.\d+$/);
    expect(Number(v.split('.')[2])).toBeLessThan(2 ** 30);
    expect(imageVersion({ a: 1 })).toBe(v);
    expect(imageVersion({ a: 2 })).not.toBe(v);
  });

  it('tests the image by starting the app as app-user and polling its health path', () => {
    const cmds = renderImageTest({ command: ['node', 'server.js'], port: 8080, healthCheckPath: '/healthz' }).join('\n');
    expect(cmds).toContain('runuser -u app-user -- env PATH=/usr/local/bin:/usr/bin:/bin PORT=18080');
    expect(cmds).toContain('curl -fsS -o /dev/null http://127.0.0.1:18080/healthz');
    expect(spawnSync('bash', ['-n'], { input: cmds }).status).toBe(0);
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('installs Node.js, the agent and app-user, with the code owned by root', () => {
    const install = readAsset('install-app.sh');
    expect(install).toContain('dnf install -y "nodejs${NODE_MAJOR}" amazon-cloudwatch-agent');
    expect(install).toContain('useradd --system');
    expect(install).toContain('chown -R root:root /opt/app');
    expect(spawnSync('bash', ['-n', path.join(__dirname, '../../../constructs/vm/assets/install-app.sh')]).status).toBe(0);
  });
});

describe('fetch-secrets (run against a stub aws CLI)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-secrets-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  // The stub answers like `aws ... --output text` and records its arguments.
  fs.writeFileSync(
    path.join(bin, 'aws'),
    `#!/bin/bash
echo "$*" >> "${dir}/calls"
case "$1 $2" in
  "ssm get-parameter") [ "$4" = /app/key ] && printf '%s\\n' 'k-e-y' || { echo "ParameterNotFound" >&2; exit 254; } ;;
  "secretsmanager get-secret-value")
    case "$4" in
      db) printf '%s\\n' '{"username":"app","password":"p\\"a$s\\\\w"}' ;;
      plain) printf '%s\\n' 'just text' ;;
      *) echo "ResourceNotFoundException" >&2; exit 254 ;;
    esac ;;
esac
`,
    { mode: 0o755 },
  );
  const run = (refs: string) => {
    const refsFile = path.join(dir, 'refs');
    const out = path.join(dir, 'run', 'secrets.env');
    fs.rmSync(path.join(dir, 'run'), { recursive: true, force: true });
    fs.writeFileSync(refsFile, refs);
    const r = spawnSync('bash', [path.join(__dirname, '../../../constructs/vm/assets/fetch-secrets.sh'), refsFile, out], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    return { ...r, out, content: fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined };
  };

  it('resolves SSM parameters, whole secrets and JSON fields into a 0600 EnvironmentFile', () => {
    const r = run('# comment\nKEY=ssm:/app/key\nPLAIN=secretsmanager:plain\nDB_PASSWORD=secretsmanager:db#password\n\nDB_USER=secretsmanager:db#username');
    expect(r.status, r.stderr).toBe(0);
    expect(r.content).toBe('KEY="k-e-y"\nPLAIN="just text"\nDB_PASSWORD="p\\"a$s\\\\w"\nDB_USER="app"\n');
    expect(fs.statSync(r.out).mode & 0o777).toBe(0o600);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('k-e-y');
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8');
    expect(calls).toContain('ssm get-parameter --name /app/key --with-decryption');
    expect(calls).toContain('secretsmanager get-secret-value --secret-id db --query SecretString');
  });

  it('fails the start (non-zero) and writes nothing when a secret cannot be read', () => {
    const r = run('KEY=ssm:/missing\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('KEY: cannot read SSM parameter /missing');
    expect(r.content).toBeUndefined();
  });

  it('fails on a missing JSON field and on a malformed reference', () => {
    const missing = run('X=secretsmanager:db#nope\n');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('the secret has no field nope');
    const bad = run('X=vault:thing\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('X: not a secret reference');
  });
});
