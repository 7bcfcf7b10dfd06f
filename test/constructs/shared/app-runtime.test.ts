// The renderers shared by the server and vm styles (constructs/shared/app-runtime.ts): the unit,
// the EnvironmentFile, the CloudWatch agent configuration and start, and the runtime install.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  APP_USER,
  CLOUDWATCH_AGENT,
  envFileLine,
  renderAgentStart,
  renderAppUnit,
  renderCloudWatchAgentConfig,
  renderEnvironmentFile,
  renderHeredoc,
  renderRuntimeInstall,
  sharedAsset,
  sharedAssetPath,
  shellQuote,
  systemdQuote,
} from '../../../constructs/shared/app-runtime';

const bashSyntax = (script: string) => spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });

describe('the app unit', () => {
  const base = { description: 'demo', command: ['node', 'server.js'], workingDirectory: '/opt/demo', environmentFiles: ['/etc/demo/app.env'], logFile: '/var/log/demo/app.log', stopTimeoutSeconds: 30 };
  const unit = renderAppUnit(base);

  it('runs the command as app-user, restarts it always without a start limit, stops it with SIGTERM', () => {
    expect(APP_USER).toBe('app-user');
    expect(unit).toContain('User=app-user\nGroup=app-user\n');
    expect(unit).toContain('Restart=always\nRestartSec=1\n');
    expect(unit).toContain('StartLimitIntervalSec=0\n');
    expect(unit).toContain('KillSignal=SIGTERM\nTimeoutStopSec=30\n');
    expect(unit).toContain('ExecStart=node server.js\n');
    expect(unit).toContain('WorkingDirectory=/opt/demo\nEnvironmentFile=/etc/demo/app.env\n');
    expect(unit).not.toContain('ExecStartPre');
    expect(unit).not.toContain('Environment=');
    expect(unit.trimEnd().endsWith('[Install]\nWantedBy=multi-user.target')).toBe(true);
  });

  it('appends stdout and stderr to the log file the agent ships', () => {
    expect(unit).toContain('StandardOutput=append:/var/log/demo/app.log\nStandardError=inherit\n');
  });

  it('is sandboxed by default, writable only in its log directory, and can opt out', () => {
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'ProtectKernelModules=yes', 'RestrictSUIDSGID=yes', 'ReadWritePaths=/var/log/demo']) {
      expect(unit).toContain(`${line}\n`);
    }
    const open = renderAppUnit({ ...base, hardening: false });
    expect(open).not.toMatch(/NoNewPrivileges|ProtectSystem|ReadWritePaths/);
    expect(open).toContain('Restart=always');
  });

  it('takes what the styles set differently: header, launcher, inline environment, optional files, pre-start, restart delay', () => {
    const u = renderAppUnit({
      ...base,
      header: 'Rendered by a test.',
      commandPrefix: ['/opt/demo/bin/start', '--exec'],
      environment: { AWS_REGION: 'eu-west-1' },
      environmentFiles: ['/etc/demo/app.env', '-/run/demo/secrets.env'],
      execStartPre: ['+/usr/local/bin/fetch /etc/demo/refs /run/demo/secrets.env'],
      restartSeconds: 2,
      user: 'other',
    });
    expect(u.startsWith('# Rendered by a test.\n[Unit]\n')).toBe(true);
    expect(u).toContain('ExecStart=/opt/demo/bin/start --exec node server.js\n');
    expect(u).toContain('Environment=AWS_REGION=eu-west-1\nEnvironmentFile=/etc/demo/app.env\nEnvironmentFile=-/run/demo/secrets.env\nExecStartPre=+/usr/local/bin/fetch');
    expect(u).toContain('RestartSec=2\n');
    expect(u).toContain('User=other\n');
  });

  it('quotes command words only when needed, keeping %, $, quotes and spaces literal', () => {
    expect(systemdQuote('server.js')).toBe('server.js');
    expect(systemdQuote('a b')).toBe('"a b"');
    expect(systemdQuote('say "hi"')).toBe('"say \\"hi\\""');
    expect(systemdQuote('100%')).toBe('"100%%"');
    expect(systemdQuote('$HOME')).toBe('"$$HOME"');
    expect(systemdQuote('a\\b')).toBe('"a\\\\b"');
    expect(renderAppUnit({ ...base, command: ['node', '-e', 'console.log("%s", 1)'] })).toContain('ExecStart=node -e "console.log(\\"%%s\\", 1)"\n');
  });

  it('quotes shell words only when needed', () => {
    expect(shellQuote('nodejs22')).toBe('nodejs22');
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('a b')).toBe("'a b'");
  });
});

describe('the EnvironmentFile', () => {
  it('double-quotes values, escaping backslash, double quote and newline', () => {
    expect(renderEnvironmentFile({ PORT: '8080', GREETING: 'say "hi" \\o/' })).toBe('PORT="8080"\nGREETING="say \\"hi\\" \\\\o/"\n');
    expect(envFileLine('A', '')).toBe('A=""');
    expect(envFileLine('A', 'two\nlines')).toBe('A="two\\nlines"');
  });

  it('can start with a comment', () => {
    expect(renderEnvironmentFile({ A: '1' }, 'managed')).toBe('# managed\nA="1"\n');
    expect(renderEnvironmentFile({})).toBe('');
  });
});

describe('the CloudWatch agent', () => {
  it('ships each file to its log group, one stream per instance (and per file when named), in UTC', () => {
    const cfg = JSON.parse(renderCloudWatchAgentConfig([{ path: '/var/log/app/app.log', logGroupName: 'g1' }, { path: '/var/log/nginx/error.log', logGroupName: 'g2', stream: 'error' }]));
    expect(cfg.agent).toEqual({ run_as_user: 'root' });
    expect(cfg.logs.logs_collected.files.collect_list).toEqual([
      { file_path: '/var/log/app/app.log', log_group_name: 'g1', log_stream_name: '{instance_id}', timezone: 'UTC' },
      { file_path: '/var/log/nginx/error.log', log_group_name: 'g2', log_stream_name: '{instance_id}/error', timezone: 'UTC' },
    ]);
  });

  it('writes the configuration and starts the agent; optionally only warns when there is no agent', () => {
    const files = [{ path: '/var/log/app/app.log', logGroupName: 'g' }];
    const strict = renderAgentStart(files).join('\n');
    expect(strict).toContain(`cat > ${CLOUDWATCH_AGENT.config} <<'CDK_ORCHESTRATION_EOF'`);
    expect(strict.trimEnd().endsWith(`${CLOUDWATCH_AGENT.ctl} -a fetch-config -m ec2 -s -c file:${CLOUDWATCH_AGENT.config}`)).toBe(true);
    expect(bashSyntax(strict).status).toBe(0);
    const optional = renderAgentStart(files, { optional: true }).join('\n');
    expect(optional.startsWith(`if [ -x ${CLOUDWATCH_AGENT.ctl} ]; then`)).toBe(true);
    expect(optional).toContain('no CloudWatch agent in this image');
    expect(bashSyntax(optional).status).toBe(0);
  });

  it('picks a heredoc delimiter the content does not contain', () => {
    expect(renderHeredoc('/x', 'CDK_ORCHESTRATION_EOF\n', '0600')).toEqual(["cat > /x <<'CDK_ORCHESTRATION_EOF_'", 'CDK_ORCHESTRATION_EOF', 'CDK_ORCHESTRATION_EOF_', 'chmod 0600 /x']);
  });
});

describe('the runtime install (assets/install-runtime.sh)', () => {
  const cmds = renderRuntimeInstall({ nodejsPackage: 'nodejs22', logDir: '/var/log/demo', home: '/opt/demo' });

  it('passes the package and paths to the shared script', () => {
    expect(cmds[0]).toBe('export NODEJS_PACKAGE=nodejs22 APP_LOG_DIR=/var/log/demo APP_HOME=/opt/demo');
    expect(cmds[1]).toBe(sharedAsset('install-runtime.sh'));
    expect(bashSyntax(cmds.join('\n')).status).toBe(0);
    expect(spawnSync('bash', ['-n', sharedAssetPath('install-runtime.sh')]).status).toBe(0);
  });

  it('installs Node.js as /usr/local/bin/node, the agent, a non-root app-user, its log directory and log rotation', () => {
    const script = sharedAsset('install-runtime.sh');
    expect(script).toContain('retry dnf install -y "${NODEJS_PACKAGE}" amazon-cloudwatch-agent unzip logrotate');
    expect(script).toContain('ln -sf "$node_bin" /usr/local/bin/node');
    expect(script).toContain('useradd --system --home-dir "${APP_HOME}" --no-create-home --shell /sbin/nologin app-user');
    expect(script).toContain('install -d -m 0750 -o app-user -g app-user "${APP_LOG_DIR}"');
    expect(script).toMatch(/\/etc\/logrotate\.d\/.*\n\$\{APP_LOG_DIR\}\/\*\.log \{\n  daily\n  maxsize 100M\n  rotate 7\n/);
  });

  it('refuses to run without its settings', () => {
    const r = spawnSync('bash', [sharedAssetPath('install-runtime.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set NODEJS_PACKAGE');
  });
});
