import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  APP_USER,
  renderAgentStart,
  renderAppUnit,
  renderEnvironmentFile as renderSharedEnvironmentFile,
  renderRuntimeInstall,
  sharedAsset,
} from '../shared/app-runtime';

/**
 * Pure renderers of the files the server style puts on its servers: the app's systemd unit,
 * its environment file, and the bootstrap (user data) scripts, each a server-style use of the
 * renderers shared with the vm style (`constructs/shared/app-runtime.ts`). They hold no
 * construct and no token logic, so tests read them directly and snapshots stay small.
 */

export { APP_USER };

/** The directory of the shell scripts shipped to the servers (the style's own; shared ones are in constructs/shared/assets). */
export const SERVER_ASSETS_DIR = path.join(__dirname, 'assets');

/** A script of `constructs/server/assets/`. */
export function serverAsset(name: 'rollout.sh' | 'nginx-apply.sh'): string {
  return fs.readFileSync(path.join(SERVER_ASSETS_DIR, name), 'utf8');
}

/** The start script the rollout installs as `/opt/<app>/bin/start`: the shared secret resolver. */
export function serverLauncher(): string {
  return sharedAsset('app-secrets.sh');
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
   * Whether to add systemd's sandboxing (read-only system, private /tmp, no privilege gain).
   * @default true
   */
  readonly hardening?: boolean;
}

/**
 * The app's systemd unit (the shared renderer): runs as app-user, restarts always, logs to a
 * file the CloudWatch agent ships, is sandboxed, and starts through the launcher, which resolves
 * the `<NAME>_SECRET_REF` references of the environment file with the server's role.
 */
export function renderUnitFile(input: UnitFileInput): string {
  const app = input.appName;
  return renderAppUnit({
    header: 'Rendered by cdk-orchestration (constructs/server/server-files.ts); replaced by every rollout.',
    description: `${app} (cdk-orchestration server style)`,
    workingDirectory: `/opt/${app}/current`,
    environmentFiles: [`/etc/${app}/app.env`],
    commandPrefix: [`/opt/${app}/bin/start`, '--exec'],
    command: input.command,
    logFile: `/var/log/${app}/app.log`,
    stopTimeoutSeconds: input.stopTimeoutSeconds ?? 30,
    restartSeconds: 1,
    hardening: input.hardening ?? true,
  });
}

/** The app's EnvironmentFile: configuration and secret references only (never secret values). */
export function renderEnvironmentFile(environment: Record<string, string>): string {
  return renderSharedEnvironmentFile(environment, 'Rendered by cdk-orchestration; replaced by every rollout.');
}

const RETRY = 'retry() { for i in 1 2 3 4 5 6 7 8 9 10; do "$@" && return 0; sleep $((i * 3)); done; return 1; }';

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
    ...renderRuntimeInstall({ nodejsPackage: input.nodejsPackage, logDir: `/var/log/${app}`, home: `/opt/${app}` }),
    `install -d -m 0755 /opt/${app} /opt/${app}/releases /opt/${app}/bin /etc/${app}`,
    ...renderAgentStart([{ path: `/var/log/${app}/app.log`, logGroupName: input.logGroupName, stream: 'app' }]),
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
    ...renderAgentStart([
      { path: '/var/log/nginx/access.log', logGroupName: input.logGroupName, stream: 'access' },
      { path: '/var/log/nginx/error.log', logGroupName: input.logGroupName, stream: 'error' },
    ]),
  ];
}
