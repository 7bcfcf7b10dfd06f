import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Pure renderers of what runs the app on an EC2 instance, shared by the server style
 * (`constructs/server/`) and the vm style (`constructs/vm/`): the systemd unit, the
 * EnvironmentFile, the CloudWatch agent configuration, and the shell scripts of
 * `constructs/shared/assets/` (the runtime install and the secret resolver). No construct is
 * created here; each style passes what legitimately differs (paths, the start command's
 * launcher, the secret fetch before start, hardening).
 */

/** The non-root user the app runs as on every instance (the book's). */
export const APP_USER = 'app-user';

/** The shared shell scripts shipped to instances. */
export type SharedAsset = 'install-runtime.sh' | 'app-secrets.sh' | 'nat-instance.sh';

/** The text of a script of `constructs/shared/assets/`. */
export function sharedAsset(name: SharedAsset): string {
  return fs.readFileSync(sharedAssetPath(name), 'utf8');
}

/** The path of a script of `constructs/shared/assets/` (for tests that run it). */
export function sharedAssetPath(name: SharedAsset): string {
  return path.join(__dirname, 'assets', name);
}

/** Quotes a string for a POSIX shell (single quotes), only when needed. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes one word of a systemd `ExecStart=` line, only when needed: double quotes, backslash
 * and double quote escaped, `%` (specifiers) and `$` (variable expansion) doubled so they stay literal.
 */
export function systemdQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=+,@-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** One `NAME="value"` line of a systemd EnvironmentFile: backslash, double quote and newline escaped. */
export function envFileLine(name: string, value: string): string {
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A systemd EnvironmentFile (configuration and secret references, never secret values). */
export function renderEnvironmentFile(environment: Record<string, string>, header?: string): string {
  return [...(header ? [`# ${header}`] : []), ...Object.entries(environment).map(([k, v]) => envFileLine(k, v)), ''].join('\n');
}

export interface AppUnitInput {
  /** The unit's Description. */
  readonly description: string;
  /** A comment put on the first line. @default - none */
  readonly header?: string;
  /** The app's command, run in `workingDirectory`. */
  readonly command: string[];
  /** Words put before the command (a launcher that prepares the environment, then execs it). @default - none */
  readonly commandPrefix?: string[];
  /** The directory the app runs in. */
  readonly workingDirectory: string;
  /** Inline `Environment=` assignments (before the files), written as is: values without spaces or quotes. @default - none */
  readonly environment?: Record<string, string>;
  /** EnvironmentFile paths, in order (a later file wins); prefix `-` for an optional file. */
  readonly environmentFiles: string[];
  /** `ExecStartPre=` commands (prefix `+` to run one as root). @default - none */
  readonly execStartPre?: string[];
  /** The file stdout and stderr are appended to (the one the CloudWatch agent ships). */
  readonly logFile: string;
  /** Seconds systemd waits after SIGTERM before SIGKILL (the graceful shutdown budget). */
  readonly stopTimeoutSeconds: number;
  /** Seconds between an exit and the restart. @default 1 */
  readonly restartSeconds?: number;
  /** The user (and group) the app runs as. @default 'app-user' */
  readonly user?: string;
  /**
   * systemd's sandboxing: no privilege gain, read-only system except the log directory,
   * private /tmp and devices, no access to homes, kernel tunables, modules or cgroups.
   * @default true
   */
  readonly hardening?: boolean;
}

/**
 * The app's systemd unit: runs as a non-root user, restarts whenever it exits
 * (`Restart=always`, no start limit: the process heals itself), stops gracefully with SIGTERM,
 * appends its output to a log file the CloudWatch agent ships, and is sandboxed.
 */
export function renderAppUnit(input: AppUnitInput): string {
  const user = input.user ?? APP_USER;
  const hardening = input.hardening ?? true;
  const env = Object.entries(input.environment ?? {});
  return [
    ...(input.header ? [`# ${input.header}`] : []),
    '[Unit]',
    `Description=${input.description}`,
    'Wants=network-online.target',
    'After=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `User=${user}`,
    `Group=${user}`,
    `WorkingDirectory=${input.workingDirectory}`,
    ...(env.length ? [`Environment=${env.map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
    ...input.environmentFiles.map((f) => `EnvironmentFile=${f}`),
    ...(input.execStartPre ?? []).map((c) => `ExecStartPre=${c}`),
    `ExecStart=${[...(input.commandPrefix ?? []), ...input.command.map(systemdQuote)].join(' ')}`,
    'Restart=always',
    `RestartSec=${input.restartSeconds ?? 1}`,
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${input.stopTimeoutSeconds}`,
    `StandardOutput=append:${input.logFile}`,
    'StandardError=inherit',
    'LimitNOFILE=65536',
    ...(hardening
      ? [
          'NoNewPrivileges=yes',
          'ProtectSystem=strict',
          'ProtectHome=yes',
          'PrivateTmp=yes',
          'PrivateDevices=yes',
          'ProtectKernelTunables=yes',
          'ProtectKernelModules=yes',
          'ProtectControlGroups=yes',
          'RestrictSUIDSGID=yes',
          `ReadWritePaths=${path.posix.dirname(input.logFile)}`,
        ]
      : []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** One file the CloudWatch agent ships: to `logGroupName`, stream `{instance_id}` or `{instance_id}/<stream>`. */
export interface ShippedLogFile {
  readonly path: string;
  /** The log group (may be a token). */
  readonly logGroupName: string;
  /** The stream's suffix after the instance id. @default - the instance id alone */
  readonly stream?: string;
}

/** The CloudWatch agent's configuration: which files go to which log group (timestamps in UTC). */
export function renderCloudWatchAgentConfig(files: ShippedLogFile[]): string {
  return JSON.stringify(
    {
      agent: { run_as_user: 'root' },
      logs: {
        logs_collected: {
          files: {
            collect_list: files.map((f) => ({
              file_path: f.path,
              log_group_name: f.logGroupName,
              log_stream_name: f.stream ? `{instance_id}/${f.stream}` : '{instance_id}',
              timezone: 'UTC',
            })),
          },
        },
      },
    },
    null,
    2,
  );
}

export interface RuntimeInstallInput {
  /** The AL2023 package that provides Node.js (`nodejs<major>`). */
  readonly nodejsPackage: string;
  /** The app's log directory (owned by app-user, rotated). */
  readonly logDir: string;
  /** app-user's home directory (not created). */
  readonly home: string;
}

/**
 * Shell commands that install the runtime on Amazon Linux 2023 (`assets/install-runtime.sh`):
 * Node.js as `/usr/local/bin/node`, the CloudWatch agent, unzip, logrotate, the non-root
 * `app-user`, its log directory and the rotation of its logs. Run at boot (server) or at bake (vm).
 */
export function renderRuntimeInstall(input: RuntimeInstallInput): string[] {
  return [
    `export NODEJS_PACKAGE=${shellQuote(input.nodejsPackage)} APP_LOG_DIR=${shellQuote(input.logDir)} APP_HOME=${shellQuote(input.home)}`,
    sharedAsset('install-runtime.sh'),
  ];
}

/** Where the CloudWatch agent is and reads the configuration written by {@link renderAgentStart}. */
export const CLOUDWATCH_AGENT = {
  ctl: '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl',
  config: '/opt/aws/amazon-cloudwatch-agent/etc/cdk-orchestration.json',
} as const;

/** A quoted heredoc that writes `content` to `target`, with a delimiter the content does not contain. */
export function renderHeredoc(target: string, content: string, mode?: string): string[] {
  let delimiter = 'CDK_ORCHESTRATION_EOF';
  while (content.split('\n').includes(delimiter)) delimiter += '_';
  return [`cat > ${target} <<'${delimiter}'`, content.replace(/\n$/, ''), delimiter, ...(mode ? [`chmod ${mode} ${target}`] : [])];
}

/**
 * Shell commands that write the CloudWatch agent's configuration and (re)start the agent with it.
 * With `optional`, an image without the agent (a custom AMI) or an agent that fails to start
 * only logs a warning: the app still starts and its log stays on disk.
 */
export function renderAgentStart(files: ShippedLogFile[], options: { optional?: boolean } = {}): string[] {
  const write = [`install -d -m 0755 ${path.posix.dirname(CLOUDWATCH_AGENT.config)}`, ...renderHeredoc(CLOUDWATCH_AGENT.config, renderCloudWatchAgentConfig(files), '0644')];
  const start = `${CLOUDWATCH_AGENT.ctl} -a fetch-config -m ec2 -s -c file:${CLOUDWATCH_AGENT.config}`;
  if (!options.optional) return [...write, start];
  return [
    `if [ -x ${CLOUDWATCH_AGENT.ctl} ]; then`,
    ...write,
    `  ${start} || echo "cdk-orchestration: the CloudWatch agent did not start; app logs stay on disk" >&2`,
    'else',
    '  echo "cdk-orchestration: no CloudWatch agent in this image: app logs stay on disk" >&2',
    'fi',
  ];
}
