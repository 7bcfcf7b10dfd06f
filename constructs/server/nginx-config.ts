import { Duration, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkDuration, checkInteger, checkIsDuration, checkPattern, checkType, checkWholeUnits } from '../../lib/validate';

/**
 * The nginx configuration of the server style, as a pure function of the fleet's addresses and
 * the load-balancing options. The {@link NginxLoadBalancer} construct ships its output to the
 * nginx server, and the real-nginx test (test/constructs/server/nginx-rollout.test.ts) runs
 * the very same output in front of three local replicas: what is tested is what is deployed.
 */

/** How nginx picks a server for each request. */
export enum LoadBalancingAlgorithm {
  /** Each server in turn (nginx's default). */
  ROUND_ROBIN = 'round-robin',
  /** The server with the fewest active connections (`least_conn`). */
  LEAST_CONN = 'least-conn',
}

/** One app server behind nginx. */
export interface NginxUpstream {
  /** IPv4 address or DNS name of the server (may be a deploy-time token, e.g. `instance.instancePrivateIp`). */
  readonly address: string;
  /** The app's port on that server. */
  readonly port: number;
}

/**
 * How nginx balances, detects failures and retries. Every field is rendered into nginx.conf at
 * synth, so none may be a deploy-time value (our error says so).
 */
export interface NginxBalancingOptions {
  /**
   * How nginx picks a server for each request.
   * @default LoadBalancingAlgorithm.ROUND_ROBIN (the book's)
   */
  readonly algorithm?: LoadBalancingAlgorithm;
  /**
   * Passive health: failed attempts within `failTimeout` that mark a server unavailable for
   * `failTimeout` (`max_fails`). 0, which would switch passive health off, is not accepted.
   * @default 1
   */
  readonly maxFails?: number;
  /**
   * Passive health window (`fail_timeout`): how long failures count, and how long a failed
   * server is skipped. Whole seconds (nginx parses it in seconds). The rolling update pauses
   * longer than this on each server (see {@link rolloutPause}).
   * @default Duration.seconds(1)
   */
  readonly failTimeout?: Duration;
  /**
   * When a request is retried on the next server (`proxy_next_upstream`).
   * @default ['error', 'timeout', 'http_502', 'http_503']
   */
  readonly proxyNextUpstream?: string[];
  /**
   * At most this many servers are tried per request (`proxy_next_upstream_tries`), 1 to 100.
   * @default 3
   */
  readonly proxyNextUpstreamTries?: number;
  /**
   * At most this long is spent trying servers for one request (`proxy_next_upstream_timeout`).
   * @default Duration.seconds(10)
   */
  readonly proxyNextUpstreamTimeout?: Duration;
  /**
   * Idle keep-alive connections each nginx worker keeps to the servers (`keepalive`).
   * @default 32
   */
  readonly keepaliveConnections?: number;
  /**
   * Time to establish a connection to a server (`proxy_connect_timeout`, at most 75 s).
   * @default Duration.seconds(2)
   */
  readonly connectTimeout?: Duration;
  /**
   * Time between two reads of a server's response (`proxy_read_timeout`).
   * @default Duration.seconds(30)
   */
  readonly readTimeout?: Duration;
  /**
   * Time between two writes of a request to a server (`proxy_send_timeout`).
   * @default Duration.seconds(30)
   */
  readonly sendTimeout?: Duration;
  /**
   * nginx's own health endpoint (answers 200 without touching the servers).
   * @default '/nginx-health'
   */
  readonly healthCheckPath?: string;
  /**
   * The port nginx listens on.
   * @default 80
   */
  readonly listenPort?: number;
}

/** Where nginx keeps its files and how it runs: the server's paths by default, a temp dir in tests. */
export interface NginxRuntimeOptions {
  /**
   * The address nginx binds (`listen ADDRESS:PORT`).
   * @default - all addresses
   */
  readonly listenAddress?: string;
  /**
   * The user nginx's workers run as (`user`).
   * @default 'nginx' (the AL2023 package's user)
   */
  readonly user?: string;
  /**
   * Worker processes (`worker_processes`), from 1 to 256.
   * @default - `auto`: one per CPU core
   */
  readonly workerProcesses?: number;
  /** @default '/run/nginx.pid' */
  readonly pidFile?: string;
  /** @default '/var/log/nginx/error.log' */
  readonly errorLog?: string;
  /** @default '/var/log/nginx/access.log' */
  readonly accessLog?: string;
  /**
   * A directory for nginx's temporary files (client bodies, proxy buffers).
   * @default - nginx's compiled-in paths
   */
  readonly tempDir?: string;
  /**
   * Run in the foreground (`daemon off`), as tests and process supervisors want.
   * @default false (systemd's nginx.service expects a daemon)
   */
  readonly foreground?: boolean;
}

export interface NginxConfigInput extends NginxBalancingOptions, NginxRuntimeOptions {
  /** The app servers. At least one. */
  readonly upstreams: NginxUpstream[];
  /**
   * A name written as the 7th field of every access-log line, unique per load balancer: the
   * metric filters ({@link nginxMetricFilterPattern}) match only lines with it and publish it as
   * the `LoadBalancer` dimension. Letters, digits and `._-`, at most 255 characters.
   * @default 'nginx' ({@link NginxLoadBalancer} passes its unique id)
   */
  readonly logTag?: string;
  /**
   * A second port nginx listens on that answers its health path and redirects every other request
   * permanently (301) to `https://<redirectHost><request URI>`: where a network load balancer's
   * plain-HTTP listener (port 80) sends its traffic, while its TLS listener sends the decrypted
   * traffic to `listenPort`. Must differ from `listenPort`.
   * @default - none: nginx listens on `listenPort` only
   */
  readonly redirectPort?: number;
  /**
   * The host name the redirect sends clients to (the service's domain name).
   * @default - the request's own host (`$host`)
   */
  readonly redirectHost?: string;
  /**
   * TLS is terminated in front of nginx (a network load balancer's TLS listener), so nginx tells
   * the app `X-Forwarded-Proto: https` instead of its own `$scheme` (`http`).
   * @default false
   */
  readonly behindTls?: boolean;
}

/**
 * The metrics the {@link NginxLoadBalancer}'s metric filters publish from nginx's access log
 * (nginx itself publishes none), in one namespace, told apart by the `LoadBalancer` dimension.
 */
export const NGINX_METRICS = {
  namespace: 'CdkOrchestration/Nginx',
  dimension: 'LoadBalancer',
  /** Count, 1 per access-log line (every answer but `healthCheckPath`'s). */
  requests: 'Requests',
  /** Count, 1 per answer with a 5xx status (nginx's own 502/504 included). */
  errors: 'ServerErrors',
  /** Seconds, nginx's `$request_time` (first byte read to last byte sent, millisecond resolution). */
  latency: 'RequestTime',
} as const;

/**
 * The fields of an access-log line in the `upstreams` log_format, as the space-delimited metric
 * filter names them: `"$request"` and `[$time_local]` are one field each; the upstream part at
 * the end (`upstream=a, b upstream_status=502, 200 ...`, with spaces after retries) is `...`.
 */
export const NGINX_ACCESS_LOG_FIELDS = ['client', 'time', 'request', 'status', 'bytes', 'rt', 'lb', '...'] as const;

const LOG_TAG = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * The CloudWatch Logs filter pattern of one of nginx's metrics (space-delimited, rendered by
 * aws-cdk-lib's `FilterPattern.spaceDelimited`): a line counts when its 4th field is a status
 * (100-599; 500-599 for `errors`), its 6th a request time (a number ≥ 0) and its 7th the load
 * balancer's `logTag`. Error-log lines, shipped to the same log group (stream
 * `<instance id>/error`), fail all three (`2026/11/29 19:00:00 [error] 123#123: *4 ...`).
 */
export function nginxMetricFilterPattern(metric: 'requests' | 'errors' | 'latency', logTag: string = 'nginx'): string {
  checkConcrete(undefined, 'logTag', logTag, 'the metric filter pattern compares it with the access log\'s field');
  checkPattern(undefined, 'logTag', logTag, LOG_TAG, 'letters, digits, ".", "_" or "-", at most 255 characters');
  const pattern = logs.FilterPattern.spaceDelimited(...NGINX_ACCESS_LOG_FIELDS)
    .whereNumber('status', '>=', metric === 'errors' ? 500 : 100)
    .whereNumber('status', '<=', 599)
    .whereNumber('rt', '>=', 0)
    .whereString('lb', '=', logTag);
  return pattern.logPatternString;
}

/** The defaults the construct and the tests share. */
export const NGINX_DEFAULTS = {
  algorithm: LoadBalancingAlgorithm.ROUND_ROBIN,
  maxFails: 1,
  failTimeout: Duration.seconds(1),
  proxyNextUpstream: ['error', 'timeout', 'http_502', 'http_503'],
  proxyNextUpstreamTries: 3,
  proxyNextUpstreamTimeout: Duration.seconds(10),
  keepaliveConnections: 32,
  connectTimeout: Duration.seconds(2),
  readTimeout: Duration.seconds(30),
  sendTimeout: Duration.seconds(30),
  healthCheckPath: '/nginx-health',
  listenPort: 80,
  user: 'nginx',
  workerProcesses: 'auto',
  pidFile: '/run/nginx.pid',
  errorLog: '/var/log/nginx/error.log',
  accessLog: '/var/log/nginx/access.log',
} as const;

/** The conditions nginx accepts in `proxy_next_upstream` (nginx 1.22+ open source). */
export const PROXY_NEXT_UPSTREAM_CONDITIONS = [
  'error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503', 'http_504', 'http_403', 'http_404', 'http_429', 'non_idempotent', 'off',
] as const;

/**
 * How long a rolling update waits on each server after it answers its health check before the
 * next server goes down: longer than nginx's `fail_timeout`, so that nginx has stopped skipping
 * the server that just came back (it marked it failed while it restarted) before it has to skip
 * another one. Measured: with `fail_timeout=5s` and a 1 s pause, all three servers ended up
 * marked failed and nginx answered "no live upstreams" (book-ch3.md).
 *
 * @returns max(bakeTime, failTimeout + 1 s)
 */
export function rolloutPause(failTimeout: Duration = NGINX_DEFAULTS.failTimeout, bakeTime?: Duration): Duration {
  const minimum = failTimeout.toMilliseconds() + 1000;
  const bake = bakeTime && !bakeTime.isUnresolved() ? bakeTime.toMilliseconds() : 0;
  return Duration.seconds(Math.ceil(Math.max(minimum, bake) / 1000));
}

// An IPv4 address, or a DNS name whose last label is not all digits (RFC 3696 section 2): without that
// lookahead the DNS branch matched any dotted digits (300.1.2.3, 10.0.0), so the IPv4 branch never decided.
const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = new RegExp(`^(?:${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}|(?:${DNS_LABEL}\\.)*(?!\\d+$)${DNS_LABEL})$`);
const SAFE_PATH = /^\/[A-Za-z0-9._~\/-]*$/;

/** Why nginx's settings must be known at synth. */
const RENDERED = 'nginx.conf is rendered and checked at synth (what the real-nginx test runs is what is deployed)';

/**
 * Checks balancing options against what nginx accepts; throws {@link OrchestrationError}.
 * The construct calls it at synth time so a bad option fails `cdk synth`, not the deploy.
 * Every option goes into nginx.conf, so none may be a deploy-time token.
 */
export function validateNginxBalancing(where: IConstruct | string | undefined, options: NginxBalancingOptions | undefined, prefix = ''): void {
  const o = options ?? {};
  const p = (k: string) => `${prefix}${k}`;
  for (const k of ['maxFails', 'proxyNextUpstreamTries', 'keepaliveConnections', 'listenPort'] as const) {
    checkType(where, p(k), o[k], 'number');
    checkConcrete(where, p(k), o[k], RENDERED);
  }
  for (const k of ['algorithm', 'healthCheckPath'] as const) {
    checkType(where, p(k), o[k], 'string');
    checkConcrete(where, p(k), o[k], RENDERED);
  }
  for (const k of ['failTimeout', 'proxyNextUpstreamTimeout', 'connectTimeout', 'readTimeout', 'sendTimeout'] as const) {
    checkIsDuration(where, p(k), o[k]);
    checkConcrete(where, p(k), o[k], RENDERED);
  }
  if (o.algorithm !== undefined && !Object.values(LoadBalancingAlgorithm).includes(o.algorithm)) {
    throw new OrchestrationError(where, p('algorithm'), o.algorithm, 'must be LoadBalancingAlgorithm.ROUND_ROBIN or LoadBalancingAlgorithm.LEAST_CONN');
  }
  checkInteger(where, p('maxFails'), o.maxFails, { min: 1, max: 100 });
  checkWholeUnits(where, p('failTimeout'), o.failTimeout, 'seconds', 'must be whole seconds: nginx parses fail_timeout in seconds and rejects "ms"');
  checkDuration(where, p('failTimeout'), o.failTimeout, { min: Duration.seconds(1), max: Duration.hours(1) });
  if (o.proxyNextUpstream !== undefined) {
    if (!Array.isArray(o.proxyNextUpstream) || o.proxyNextUpstream.length === 0) {
      throw new OrchestrationError(where, p('proxyNextUpstream'), o.proxyNextUpstream, 'must be a non-empty list of conditions');
    }
    checkConcrete(where, p('proxyNextUpstream'), o.proxyNextUpstream, RENDERED);
    for (const c of o.proxyNextUpstream) {
      if (!(PROXY_NEXT_UPSTREAM_CONDITIONS as readonly string[]).includes(c)) {
        throw new OrchestrationError(where, p('proxyNextUpstream'), c, `is not a condition nginx accepts: use ${PROXY_NEXT_UPSTREAM_CONDITIONS.join(', ')}`);
      }
    }
    if (o.proxyNextUpstream.includes('off') && o.proxyNextUpstream.length > 1) {
      throw new OrchestrationError(where, p('proxyNextUpstream'), o.proxyNextUpstream, 'cannot combine "off" with other conditions');
    }
  }
  checkInteger(where, p('proxyNextUpstreamTries'), o.proxyNextUpstreamTries, { min: 1, max: 100 });
  checkInteger(where, p('keepaliveConnections'), o.keepaliveConnections, { min: 1, max: 10_000 });
  for (const [k, max] of [['proxyNextUpstreamTimeout', Duration.hours(1)], ['connectTimeout', Duration.seconds(75)], ['readTimeout', Duration.hours(1)], ['sendTimeout', Duration.hours(1)]] as const) {
    const d = o[k];
    if (d !== undefined && !Number.isInteger(d.toMilliseconds({ integral: false }))) {
      throw new OrchestrationError(where, p(k), d, 'must be whole milliseconds: nginx.conf gets it in ms');
    }
    checkDuration(where, p(k), d, { min: Duration.millis(1), max });
  }
  checkPattern(where, p('healthCheckPath'), o.healthCheckPath, SAFE_PATH, 'a path starting with "/" of letters, digits and ._~/-');
  checkInteger(where, p('listenPort'), o.listenPort, { min: 1, max: 65535 });
  if (o.listenPort === 22) throw new OrchestrationError(where, p('listenPort'), o.listenPort, 'must not be 22: the server style opens no SSH port, not even by accident');
}

/**
 * Checks the upstream list. Addresses may be deploy-time tokens (the servers' private IPs, which
 * exist only once EC2 launches them; `nginx -t` checks them on the server); ports go into
 * nginx.conf as they are and must be known at synth.
 */
export function validateNginxUpstreams(where: IConstruct | string | undefined, upstreams: NginxUpstream[] | undefined, prop = 'upstreams'): void {
  if (!Array.isArray(upstreams) || upstreams.length === 0) throw new OrchestrationError(where, prop, upstreams, 'must list at least one server');
  upstreams.forEach((u, i) => {
    if (u === null || typeof u !== 'object') throw new OrchestrationError(where, `${prop}[${i}]`, u, 'must be an object with address and port');
    checkType(where, `${prop}[${i}].address`, u.address, 'string');
    if (!Token.isUnresolved(u.address)) checkPattern(where, `${prop}[${i}].address`, u.address, HOST, 'an IPv4 address or a DNS name');
    checkType(where, `${prop}[${i}].port`, u.port, 'number');
    checkConcrete(where, `${prop}[${i}].port`, u.port, RENDERED);
    checkInteger(where, `${prop}[${i}].port`, u.port, { min: 1, max: 65535 });
  });
}

const ms = (d: Duration) => `${d.toMilliseconds()}ms`;
const PATH_VALUE = /^[A-Za-z0-9._\/-]+$/;

/**
 * Renders a complete nginx.conf. Pure: same input, same text; tokens in addresses pass
 * through untouched (CloudFormation fills them in).
 */
export function renderNginxConfig(input: NginxConfigInput, where?: IConstruct | string): string {
  validateNginxBalancing(where, input);
  validateNginxUpstreams(where, input.upstreams);
  for (const k of ['pidFile', 'errorLog', 'accessLog', 'tempDir', 'user'] as const) {
    checkPattern(where, k, input[k], PATH_VALUE, 'a plain path or name (letters, digits and ._/-)');
  }
  if (input.workerProcesses !== undefined && (typeof input.workerProcesses !== 'number' || Number.isNaN(input.workerProcesses))) {
    throw new OrchestrationError(where, 'workerProcesses', input.workerProcesses, 'must be a number from 1 to 256 (leave it out for auto, one worker per CPU core)');
  }
  checkConcrete(where, 'workerProcesses', input.workerProcesses, RENDERED);
  checkInteger(where, 'workerProcesses', input.workerProcesses, { min: 1, max: 256 });
  if (input.listenAddress !== undefined) checkPattern(where, 'listenAddress', input.listenAddress, HOST, 'an IPv4 address or a DNS name');
  checkConcrete(where, 'logTag', input.logTag, RENDERED);
  checkPattern(where, 'logTag', input.logTag, LOG_TAG, 'letters, digits, ".", "_" or "-", at most 255 characters');
  validateRedirect(where, input);

  const d = NGINX_DEFAULTS;
  const failTimeoutSeconds = (input.failTimeout ?? d.failTimeout).toSeconds();
  const maxFails = input.maxFails ?? d.maxFails;
  const listen = `${input.listenAddress ? `${input.listenAddress}:` : ''}${input.listenPort ?? d.listenPort}`;
  const temp = input.tempDir
    ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${input.tempDir}/${t};`)
    : [];

  return [
    '# Rendered by cdk-orchestration (constructs/server/nginx-config.ts); replaced on every deploy.',
    `user ${input.user ?? d.user};`,
    `worker_processes ${input.workerProcesses ?? d.workerProcesses};`,
    `pid ${input.pidFile ?? d.pidFile};`,
    `error_log ${input.errorLog ?? d.errorLog} warn;`,
    ...(input.foreground ? ['daemon off;'] : []),
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    // Status, request time and the load balancer's tag are bare fields (4th, 6th, 7th) for the metric filters.
    `    log_format upstreams '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time ${input.logTag ?? 'nginx'} '`,
    '                         \'upstream=$upstream_addr upstream_status=$upstream_status urt=$upstream_response_time\';',
    `    access_log ${input.accessLog ?? d.accessLog} upstreams;`,
    '    default_type text/plain;',
    '    server_tokens off;',
    '    keepalive_timeout 65s;',
    '    client_max_body_size 1m;',
    ...temp,
    '',
    '    upstream app {',
    '        zone app 64k;',
    ...((input.algorithm ?? d.algorithm) === LoadBalancingAlgorithm.LEAST_CONN ? ['        least_conn;'] : []),
    ...input.upstreams.map((u) => `        server ${u.address}:${u.port} max_fails=${maxFails} fail_timeout=${failTimeoutSeconds}s;`),
    `        keepalive ${input.keepaliveConnections ?? d.keepaliveConnections};`,
    '    }',
    '',
    '    server {',
    `        listen ${listen} default_server;`,
    '',
    `        location = ${input.healthCheckPath ?? d.healthCheckPath} {`,
    '            access_log off;',
    '            return 200 "ok\\n";',
    '        }',
    '',
    '        location / {',
    '            proxy_pass http://app;',
    '            proxy_http_version 1.1;',
    '            proxy_set_header Connection "";',
    '            proxy_set_header Host $host;',
    '            proxy_set_header X-Real-IP $remote_addr;',
    '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    `            proxy_set_header X-Forwarded-Proto ${input.behindTls ? 'https' : '$scheme'};`,
    `            proxy_connect_timeout ${ms(input.connectTimeout ?? d.connectTimeout)};`,
    `            proxy_send_timeout ${ms(input.sendTimeout ?? d.sendTimeout)};`,
    `            proxy_read_timeout ${ms(input.readTimeout ?? d.readTimeout)};`,
    `            proxy_next_upstream ${(input.proxyNextUpstream ?? d.proxyNextUpstream).join(' ')};`,
    `            proxy_next_upstream_tries ${input.proxyNextUpstreamTries ?? d.proxyNextUpstreamTries};`,
    `            proxy_next_upstream_timeout ${ms(input.proxyNextUpstreamTimeout ?? d.proxyNextUpstreamTimeout)};`,
    '        }',
    '    }',
    ...(input.redirectPort !== undefined ? renderRedirectServer(input) : []),
    '}',
    '',
  ].join('\n');
}

/** The server block on `redirectPort`: the health path, and a 301 to HTTPS for everything else. */
function renderRedirectServer(input: NginxConfigInput): string[] {
  const listen = `${input.listenAddress ? `${input.listenAddress}:` : ''}${input.redirectPort}`;
  const healthCheckPath = input.healthCheckPath ?? NGINX_DEFAULTS.healthCheckPath;
  return [
    '',
    '    # Plain HTTP (the network load balancer\'s port 80): redirected to HTTPS.',
    '    server {',
    `        listen ${listen};`,
    '',
    `        location = ${healthCheckPath} {`,
    '            access_log off;',
    '            return 200 "ok\\n";',
    '        }',
    '',
    '        location / {',
    `            return 301 https://${input.redirectHost ?? '$host'}$request_uri;`,
    '        }',
    '    }',
  ];
}

/** `redirectPort`, `redirectHost` and `behindTls`: types, ranges, and no clash with `listenPort`. */
function validateRedirect(where: IConstruct | string | undefined, input: NginxConfigInput): void {
  checkType(where, 'redirectPort', input.redirectPort, 'number');
  checkConcrete(where, 'redirectPort', input.redirectPort, RENDERED);
  checkInteger(where, 'redirectPort', input.redirectPort, { min: 1, max: 65535 });
  if (input.redirectPort !== undefined && input.redirectPort === (input.listenPort ?? NGINX_DEFAULTS.listenPort)) {
    throw new OrchestrationError(where, 'redirectPort', input.redirectPort, `must differ from listenPort (${input.listenPort ?? NGINX_DEFAULTS.listenPort}): one port serves the app, the other redirects to HTTPS`);
  }
  checkType(where, 'redirectHost', input.redirectHost, 'string');
  checkConcrete(where, 'redirectHost', input.redirectHost, RENDERED);
  if (input.redirectHost !== undefined) checkPattern(where, 'redirectHost', input.redirectHost, HOST, 'a DNS name, for example app.example.com');
  if (input.redirectHost !== undefined && input.redirectPort === undefined) {
    throw new OrchestrationError(where, 'redirectHost', input.redirectHost, 'only applies with redirectPort');
  }
  checkType(where, 'behindTls', input.behindTls, 'boolean');
}
