import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Pure renderers for what runs on a vm instance: the systemd unit, the environment file,
 * the secret references, the CloudWatch agent configuration and the user data that writes
 * them. No construct is created here, so every renderer is tested without a synth.
 */

/** Where things live on the instance. Fixed: the image and the user data agree on them. */
export const PATHS = {
  appDir: '/opt/app',
  configDir: '/etc/app',
  envFile: '/etc/app/app.env',
  secretRefs: '/etc/app/secrets.ref',
  secretEnv: '/run/app/secrets.env',
  fetchSecrets: '/usr/local/libexec/app/fetch-secrets',
  unit: '/etc/systemd/system/app.service',
  logFile: '/var/log/app/app.log',
  cwAgentConfig: '/opt/aws/amazon-cloudwatch-agent/etc/app-logs.json',
  cwAgentCtl: '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl',
} as const;

/** The user the app runs as (created by the image). */
export const APP_USER = 'app-user';

/** Reads a file of this construct's `assets/` folder. */
export function readAsset(name: string): string {
  return fs.readFileSync(path.join(__dirname, 'assets', name), 'utf8');
}

/** Quotes a string for a POSIX shell (single quotes). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes one argument of a systemd `ExecStart=` line: double quotes, backslash and double
 * quote escaped, `%` (specifiers) and `$` (variable expansion) doubled so they stay literal.
 */
export function systemdQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** One `NAME="value"` line of a systemd EnvironmentFile (backslash and double quote escaped). */
export function envFileLine(name: string, value: string): string {
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The EnvironmentFile with the app's plain configuration (never secrets). */
export function renderEnvFile(environment: Record<string, string>): string {
  return Object.entries(environment)
    .map(([k, v]) => envFileLine(k, v))
    .join('\n')
    .concat('\n');
}

/** The secret references file read by fetch-secrets: `NAME=reference` lines. */
export function renderSecretRefs(secrets: { envName: string; reference: string }[]): string {
  return secrets.map((s) => `${s.envName}=${s.reference}`).join('\n').concat(secrets.length ? '\n' : '');
}

export interface UnitOptions {
  /** The command and its arguments, run in the app directory. */
  readonly command: string[];
  /** The region the AWS CLI calls (for fetching secrets). */
  readonly region: string;
  /** Whether the unit fetches secrets before each start. */
  readonly hasSecrets: boolean;
  /** Seconds systemd waits after SIGTERM before SIGKILL (graceful shutdown budget). */
  readonly stopTimeoutSeconds: number;
}

/**
 * The systemd unit: the app as `app-user`, restarted whenever it exits (Restart=always), its
 * output appended to a log file the CloudWatch agent ships, secrets fetched as root before
 * every start into a tmpfs file only root can read (systemd reads it before dropping privileges).
 */
export function renderUnit(o: UnitOptions): string {
  const lines = [
    '[Unit]',
    'Description=The app (cdk-orchestration vm style)',
    'Wants=network-online.target',
    'After=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `User=${APP_USER}`,
    `Group=${APP_USER}`,
    `WorkingDirectory=${PATHS.appDir}`,
    `Environment=AWS_REGION=${o.region} AWS_DEFAULT_REGION=${o.region}`,
    `EnvironmentFile=${PATHS.envFile}`,
  ];
  if (o.hasSecrets) {
    lines.push(`ExecStartPre=+${PATHS.fetchSecrets} ${PATHS.secretRefs} ${PATHS.secretEnv}`, `EnvironmentFile=-${PATHS.secretEnv}`);
  }
  lines.push(
    `ExecStart=${o.command.map(systemdQuote).join(' ')}`,
    'Restart=always',
    'RestartSec=2',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${o.stopTimeoutSeconds}`,
    `StandardOutput=append:${PATHS.logFile}`,
    'StandardError=inherit',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  );
  return lines.join('\n');
}

/** The CloudWatch agent configuration that ships the app's log file to a log group. */
export function renderCloudWatchAgentConfig(logGroupName: string): string {
  return JSON.stringify(
    {
      logs: {
        logs_collected: {
          files: {
            collect_list: [{ file_path: PATHS.logFile, log_group_name: logGroupName, log_stream_name: '{instance_id}', timezone: 'UTC' }],
          },
        },
      },
    },
    null,
    2,
  );
}

export interface UserDataOptions extends Omit<UnitOptions, 'hasSecrets'> {
  /** Plain configuration (PORT and APP_VERSION included). */
  readonly environment: Record<string, string>;
  /** Secret references (never values). */
  readonly secrets: { envName: string; reference: string }[];
  /** The log group the agent ships to. */
  readonly logGroupName: string;
}

/** A heredoc whose delimiter does not occur in the content. */
function heredoc(target: string, content: string, mode: string): string[] {
  let delimiter = 'CDK_ORCHESTRATION_EOF';
  while (content.split('\n').includes(delimiter)) delimiter += '_';
  return [`cat > ${target} <<'${delimiter}'`, content.replace(/\n$/, ''), delimiter, `chmod ${mode} ${target}`];
}

/**
 * The user data commands (bash, run once as root by cloud-init at first boot): write the
 * configuration, the secret references, the fetch script, the unit and the agent
 * configuration, then start the agent and the app. It holds references, never secret values.
 */
export function renderUserDataCommands(o: UserDataOptions): string[] {
  const hasSecrets = o.secrets.length > 0;
  const cmds = [
    'set -euo pipefail',
    `install -d -m 0755 ${PATHS.configDir}`,
    ...heredoc(PATHS.envFile, renderEnvFile(o.environment), '0644'),
  ];
  if (hasSecrets) {
    cmds.push(
      ...heredoc(PATHS.secretRefs, renderSecretRefs(o.secrets), '0600'),
      `install -d -m 0755 ${path.posix.dirname(PATHS.fetchSecrets)}`,
      ...heredoc(PATHS.fetchSecrets, readAsset('fetch-secrets.sh'), '0755'),
    );
  }
  cmds.push(
    ...heredoc(PATHS.unit, renderUnit({ ...o, hasSecrets }), '0644'),
    `install -d -m 0750 -o ${APP_USER} -g ${APP_USER} ${path.posix.dirname(PATHS.logFile)}`,
    `if [ -x ${PATHS.cwAgentCtl} ]; then`,
    ...heredoc(PATHS.cwAgentConfig, renderCloudWatchAgentConfig(o.logGroupName), '0644'),
    `  ${PATHS.cwAgentCtl} -a fetch-config -m ec2 -s -c file:${PATHS.cwAgentConfig} || echo "cdk-orchestration: the CloudWatch agent did not start; app logs stay in /var/log/app" >&2`,
    'else',
    '  echo "cdk-orchestration: no CloudWatch agent in this image: app logs stay in /var/log/app" >&2',
    'fi',
    'systemctl daemon-reload',
    'systemctl enable --now app.service',
  );
  return cmds;
}
