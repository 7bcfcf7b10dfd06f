// The vm style's use of the shared runtime renderers (constructs/shared/app-runtime.ts): its
// unit, files and user data. The shared secret resolver itself runs against a stub `aws` CLI in
// test/constructs/shared/app-secrets.test.ts.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedAsset } from '../../../constructs/shared/app-runtime';
import { renderImageTest, imageVersion } from '../../../constructs/vm/app-image';
import { PATHS, readAsset, renderCloudWatchAgentConfig, renderSecretRefs, renderUnit, renderUserDataCommands } from '../../../constructs/vm/boot';

describe('systemd unit', () => {
  const unit = renderUnit({ command: ['node', 'server.js'], region: 'eu-west-1', hasSecrets: true, stopTimeoutSeconds: 35 });

  it('runs the app as app-user, restarts it always, logs to the file the agent ships', () => {
    expect(unit).toContain('User=app-user\n');
    expect(unit).toContain('Restart=always\n');
    expect(unit).toContain('ExecStart=node server.js\n');
    expect(unit).toContain('Environment=AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1\n');
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

});

describe('configuration files', () => {
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
    expect(script).toContain(sharedAsset('app-secrets.sh').trimEnd());
    expect(script).toContain('cat > /usr/local/libexec/app/fetch-secrets <<');
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
  });

  it('installs the code owned by root, after the shared runtime install (Node.js, the agent, app-user)', () => {
    const install = readAsset('install-app.sh');
    expect(install).toContain('chown -R root:root /opt/app');
    expect(install).toContain('install-runtime.sh');
    expect(spawnSync('bash', ['-n', path.join(__dirname, '../../../constructs/vm/assets/install-app.sh')]).status).toBe(0);
  });
});
