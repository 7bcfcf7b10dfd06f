import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  APP_USER,
  CLOUDWATCH_AGENT,
  renderAgentStart,
  renderAppUnit,
  renderCloudWatchAgentConfig as renderSharedAgentConfig,
  renderEnvironmentFile,
  renderHeredoc,
  sharedAsset,
} from '../shared/app-runtime';

/**
 * Pure renderers for what runs on a vm instance: the systemd unit, the environment file,
 * the secret references, the CloudWatch agent configuration and the user data that writes
 * them, each a vm-style use of the renderers shared with the server style
 * (`constructs/shared/app-runtime.ts`). No construct is created here, so every renderer is
 * tested without a synth.
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
  cwAgentConfig: CLOUDWATCH_AGENT.config,
  cwAgentCtl: CLOUDWATCH_AGENT.ctl,
} as const;

/** Reads a file of this construct's `assets/` folder. */
export function readAsset(name: string): string {
  return fs.readFileSync(path.join(__dirname, 'assets', name), 'utf8');
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
  return renderAppUnit({
    description: 'The app (cdk-orchestration vm style)',
    workingDirectory: PATHS.appDir,
    environment: { AWS_REGION: o.region, AWS_DEFAULT_REGION: o.region },
    environmentFiles: o.hasSecrets ? [PATHS.envFile, `-${PATHS.secretEnv}`] : [PATHS.envFile],
    execStartPre: o.hasSecrets ? [`+${PATHS.fetchSecrets} ${PATHS.secretRefs} ${PATHS.secretEnv}`] : [],
    command: o.command,
    logFile: PATHS.logFile,
    stopTimeoutSeconds: o.stopTimeoutSeconds,
    restartSeconds: 2,
  });
}

/** The CloudWatch agent configuration that ships the app's log file to a log group (one stream per instance). */
export function renderCloudWatchAgentConfig(logGroupName: string): string {
  return renderSharedAgentConfig([{ path: PATHS.logFile, logGroupName }]);
}

export interface UserDataOptions extends Omit<UnitOptions, 'hasSecrets'> {
  /** Plain configuration (PORT and APP_VERSION included). */
  readonly environment: Record<string, string>;
  /** Secret references (never values). */
  readonly secrets: { envName: string; reference: string }[];
  /** The log group the agent ships to. */
  readonly logGroupName: string;
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
    ...renderHeredoc(PATHS.envFile, renderEnvironmentFile(o.environment), '0644'),
  ];
  if (hasSecrets) {
    cmds.push(
      ...renderHeredoc(PATHS.secretRefs, renderSecretRefs(o.secrets), '0600'),
      `install -d -m 0755 ${path.posix.dirname(PATHS.fetchSecrets)}`,
      ...renderHeredoc(PATHS.fetchSecrets, sharedAsset('app-secrets.sh'), '0755'),
    );
  }
  cmds.push(
    ...renderHeredoc(PATHS.unit, renderUnit({ ...o, hasSecrets }), '0644'),
    `install -d -m 0750 -o ${APP_USER} -g ${APP_USER} ${path.posix.dirname(PATHS.logFile)}`,
    ...renderAgentStart([{ path: PATHS.logFile, logGroupName: o.logGroupName }], { optional: true }),
    'systemctl daemon-reload',
    'systemctl enable --now app.service',
  );
  return cmds;
}
