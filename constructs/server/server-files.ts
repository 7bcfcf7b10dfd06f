import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Pure renderers of the files the server style puts on its servers: the app's systemd unit,
 * its environment file, and the bootstrap (user data) scripts. They hold no construct and
 * no token logic, so tests read them directly and snapshots stay small.
 */

/** The non-root user every app server runs the app as (the book's). */
export const APP_USER = 'app-user';

/** The directory of the shell scripts shipped to the servers. */
export const SERVER_ASSETS_DIR = path.join(__dirname, 'assets');

/** A script of `constructs/server/assets/`. */
export function serverAsset(name: 'rollout.sh' | 'launcher.sh' | 'nginx-apply.sh'): string {
  return fs.readFileSync(path.join(SERVER_ASSETS_DIR, name), 'utf8');
}

export interface UnitFileInput {
  /** The app's name (the unit is `<name>.service`). */
  readonly appName: string;
  /** The app's command, run in the release directory. */
  readonly command: string[];
  /**
   * How long systemd waits for a graceful stop (SIGTERM) before SIGKILL, in seconds.
   * @default 30
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * The user the app runs as.
   * @default 'app-user'
   */
  readonly user?: string;
  /**
   * Whether to add systemd's sandboxing (read-only system, private /tmp, no privilege gain).
   * @default true
   */
  readonly hardening?: boolean;
}

/** systemd's quoting of one ExecStart word: double quotes, with `\`, `"`, `$` and `%` escaped. */
function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_./:=+,@-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`;
}

/**
 * The app's systemd unit: runs as a non-root user, restarts always (the process heals
 * itself), logs to a file the CloudWatch agent ships, and is sandboxed.
 */
export function renderUnitFile(input: UnitFileInput): string {
  const app = input.appName;
  const hardening = input.hardening ?? true;
  return [
    '# Rendered by cdk-orchestration (constructs/server/server-files.ts); replaced by every rollout.',
    '[Unit]',
    `Description=${app} (cdk-orchestration server style)`,
    'Wants=network-online.target',
    'After=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `User=${input.user ?? APP_USER}`,
    `Group=${input.user ?? APP_USER}`,
    `WorkingDirectory=/opt/${app}/current`,
    `EnvironmentFile=/etc/${app}/app.env`,
    `ExecStart=/opt/${app}/bin/start ${input.command.map(quoteWord).join(' ')}`,
    'Restart=always',
    'RestartSec=1',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${input.stopTimeoutSeconds ?? 30}`,
    `StandardOutput=append:/var/log/${app}/app.log`,
    `StandardError=append:/var/log/${app}/app.log`,
    ...(hardening
      ? [
          'NoNewPrivileges=true',
          'ProtectSystem=strict',
          'ProtectHome=true',
          'PrivateTmp=true',
          'PrivateDevices=true',
          'ProtectKernelTunables=true',
          'ProtectControlGroups=true',
          `ReadWritePaths=/var/log/${app}`,
        ]
      : []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** One `NAME=value` line of a systemd EnvironmentFile, double-quoted and escaped. */
function envLine(name: string, value: string): string {
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The app's EnvironmentFile: configuration and secret references only (never secret values). */
export function renderEnvironmentFile(environment: Record<string, string>): string {
  return ['# Rendered by cdk-orchestration; replaced by every rollout.', ...Object.entries(environment).map(([k, v]) => envLine(k, v)), ''].join('\n');
}

/** The CloudWatch agent's configuration: which files go to which log group. */
function cloudWatchAgentConfig(files: { path: string; logGroupName: string; stream: string }[]): string {
  return JSON.stringify(
    {
      agent: { run_as_user: 'root' },
      logs: {
        logs_collected: {
          files: {
            collect_list: files.map((f) => ({ file_path: f.path, log_group_name: f.logGroupName, log_stream_name: `{instance_id}/${f.stream}`, retention_in_days: -1 })),
          },
        },
      },
    },
    null,
    2,
  );
}

const RETRY = 'retry() { for i in 1 2 3 4 5 6 7 8 9 10; do "$@" && return 0; sleep $((i * 3)); done; return 1; }';

function startAgent(config: string): string[] {
  return [
    'install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc',
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/cdk-orchestration.json <<'CWAGENT'",
    config,
    'CWAGENT',
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/cdk-orchestration.json',
  ];
}

export interface ServerBootstrapInput {
  readonly appName: string;
  /** The log group the app's log goes to (may be a token). */
  readonly logGroupName: string;
  /** The AL2023 package that provides `node`. */
  readonly nodejsPackage: string;
}

/**
 * User data of an app server. It only prepares the machine (runtime, user, directories, log
 * shipping and rotation); the app itself arrives with the rollout (SSM association), so a new
 * version never changes user data (which would stop and start every server at once).
 */
export function renderServerBootstrap(input: ServerBootstrapInput): string[] {
  const app = input.appName;
  return [
    'set -euxo pipefail',
    RETRY,
    `retry dnf install -y ${input.nodejsPackage} unzip logrotate amazon-cloudwatch-agent`,
    `id ${APP_USER} >/dev/null 2>&1 || useradd --system --create-home --shell /sbin/nologin ${APP_USER}`,
    `install -d -o ${APP_USER} -g ${APP_USER} -m 0750 /var/log/${app}`,
    `install -d -m 0755 /opt/${app} /opt/${app}/releases /opt/${app}/bin /etc/${app}`,
    `cat > /etc/logrotate.d/${app} <<'LOGROTATE'`,
    `/var/log/${app}/app.log {`,
    '    daily',
    '    maxsize 100M',
    '    rotate 7',
    '    compress',
    '    missingok',
    '    notifempty',
    '    copytruncate',
    '}',
    'LOGROTATE',
    ...startAgent(cloudWatchAgentConfig([{ path: `/var/log/${app}/app.log`, logGroupName: input.logGroupName, stream: 'app' }])),
  ];
}

export interface NginxBootstrapInput {
  /** The log group nginx's access and error logs go to (may be a token). */
  readonly logGroupName: string;
}

/** User data of the nginx server: the AL2023 package and log shipping. The config arrives by SSM. */
export function renderNginxBootstrap(input: NginxBootstrapInput): string[] {
  return [
    'set -euxo pipefail',
    RETRY,
    'retry dnf install -y nginx amazon-cloudwatch-agent',
    'systemctl enable nginx',
    ...startAgent(
      cloudWatchAgentConfig([
        { path: '/var/log/nginx/access.log', logGroupName: input.logGroupName, stream: 'access' },
        { path: '/var/log/nginx/error.log', logGroupName: input.logGroupName, stream: 'error' },
      ]),
    ),
  ];
}
