import { Duration, Token } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoadBalancingAlgorithm, NGINX_DEFAULTS, type NginxConfigInput, nginxMetricFilterPattern, renderNginxConfig, rolloutPause } from '../../../constructs/server/nginx-config';
import { orchestrationErrorFrom } from '../../helpers';

const upstreams = [
  { address: '10.0.2.10', port: 8080 },
  { address: '10.0.3.11', port: 8080 },
  { address: '10.0.2.12', port: 8080 },
];

describe('renderNginxConfig (pure)', () => {
  // Rendered in beforeAll, not while the suite is collected: a render that throws fails these tests
  // instead of the whole file.
  let conf: string;
  beforeAll(() => {
    conf = renderNginxConfig({ upstreams });
  });

  it('lists every server with passive health (max_fails, fail_timeout)', () => {
    for (const u of upstreams) expect(conf).toContain(`server ${u.address}:${u.port} max_fails=1 fail_timeout=1s;`);
    expect(conf).toContain('zone app 64k;');
  });

  it('balances round-robin by default and least-connections on request', () => {
    expect(conf).not.toContain('least_conn');
    expect(renderNginxConfig({ upstreams, algorithm: LoadBalancingAlgorithm.LEAST_CONN })).toMatch(/upstream app \{\n\s+zone app 64k;\n\s+least_conn;/);
  });

  it('retries on the next server for errors, timeouts, 502 and 503, with bounded tries and time', () => {
    expect(conf).toContain('proxy_next_upstream error timeout http_502 http_503;');
    expect(conf).toContain('proxy_next_upstream_tries 3;');
    expect(conf).toContain('proxy_next_upstream_timeout 10000ms;');
  });

  it('keeps connections alive to the servers (HTTP/1.1, no Connection header) and sets timeouts', () => {
    expect(conf).toContain('keepalive 32;');
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(conf).toContain('proxy_connect_timeout 2000ms;');
    expect(conf).toContain('proxy_read_timeout 30000ms;');
    expect(conf).toContain('proxy_send_timeout 30000ms;');
  });

  it('logs status, request time and the load balancer tag as bare fields (4th, 6th, 7th) for the metric filters, keeping the upstream details', () => {
    expect(conf).toContain(`log_format upstreams '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time nginx '`);
    expect(conf).toContain(`'upstream=$upstream_addr upstream_status=$upstream_status urt=$upstream_response_time';`);
    expect(renderNginxConfig({ upstreams, logTag: 'StackLb1234ABCD' })).toContain('$request_time StackLb1234ABCD ');
  });

  it('has a health endpoint of its own and listens on 80', () => {
    expect(conf).toMatch(/location = \/nginx-health \{\n\s+access_log off;\n\s+return 200 "ok\\n";/);
    expect(conf).toContain('listen 80 default_server;');
  });

  it("uses the AL2023 package's paths and user by default, runtime paths when given", () => {
    expect(conf).toContain('user nginx;');
    expect(conf).toContain('pid /run/nginx.pid;');
    expect(conf).not.toContain('daemon off;');
    const test = renderNginxConfig({ upstreams, listenAddress: '127.0.0.1', listenPort: 18080, user: 'me', pidFile: '/tmp/x/pid', errorLog: '/tmp/x/e.log', accessLog: '/tmp/x/a.log', tempDir: '/tmp/x', foreground: true, workerProcesses: 2 });
    expect(test).toContain('listen 127.0.0.1:18080 default_server;');
    expect(test).toContain('daemon off;');
    // Every temp path nginx writes goes under tempDir (a non-root nginx cannot write its compiled-in ones).
    for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) expect(test).toContain(`\n    ${t}_temp_path /tmp/x/${t};\n`);
    expect(conf).not.toContain('_temp_path');
    expect(test).toContain('worker_processes 2;');
  });

  it('is pure: the same input gives the same text', () => {
    expect(renderNginxConfig({ upstreams })).toBe(conf);
  });

  it('renders the documented config (snapshot)', () => {
    expect(conf).toMatchSnapshot();
  });
});

describe('rolloutPause', () => {
  it('waits longer than fail_timeout, or the bake time when longer', () => {
    expect(rolloutPause().toSeconds()).toBe(2);
    expect(rolloutPause(NGINX_DEFAULTS.failTimeout).toSeconds()).toBe(2);
    expect(rolloutPause(Duration.seconds(5)).toSeconds()).toBe(6);
    expect(rolloutPause(Duration.seconds(1), Duration.seconds(30)).toSeconds()).toBe(30);
    expect(rolloutPause(Duration.seconds(1), Duration.millis(2500)).toSeconds()).toBe(3);
  });
});

describe('renderNginxConfig rejects what nginx would reject', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no servers', { upstreams: [] }, /^upstreams \(\[\]\) must list at least one server$/],
    ['an invalid server port', { upstreams: [{ address: '10.0.0.1', port: 70000 }] }, /^upstreams\[0\]\.port \(70000\) must be an integer from 1 to 65535$/],
    ['an invalid server address', { upstreams: [{ address: '10.0.0.1:80', port: 8080 }] }, /^upstreams\[0\]\.address \("10\.0\.0\.1:80"\) must be an IPv4 address or a DNS name$/],
    ['max_fails 0 (no passive health)', { upstreams, maxFails: 0 }, /^maxFails \(0\) must be an integer from 1 to 100$/],
    ['fail_timeout in milliseconds', { upstreams, failTimeout: Duration.millis(1500) }, /^failTimeout \(1 second 500 millis\) must be whole seconds/],
    ['an unknown proxy_next_upstream condition', { upstreams, proxyNextUpstream: ['error', 'http_501'] }, /^proxyNextUpstream \("http_501"\) is not a condition nginx accepts: use error, timeout, invalid_header, http_500, http_502, http_503, http_504, http_403, http_404, http_429, non_idempotent, off$/],
    ['"off" with other conditions', { upstreams, proxyNextUpstream: ['off', 'error'] }, /^proxyNextUpstream \(\["off","error"\]\) cannot combine "off"/],
    ['unbounded tries', { upstreams, proxyNextUpstreamTries: 0 }, /^proxyNextUpstreamTries \(0\) must be an integer from 1 to 100$/],
    ['a connect timeout over 75 s', { upstreams, connectTimeout: Duration.seconds(90) }, /^connectTimeout \(1 minute 30 seconds\) must be from 1 milli to 1 minute 15 seconds$/],
    ['an unknown algorithm (a plain-JavaScript string)', { upstreams, algorithm: 'ip-hash' }, /^algorithm \("ip-hash"\) must be LoadBalancingAlgorithm.ROUND_ROBIN or LoadBalancingAlgorithm.LEAST_CONN$/],
    ['an algorithm object literal', { upstreams, algorithm: { name: 'least-conn' } }, /^algorithm \(\{"name":"least-conn"\}\) must be a string$/],
    ['"auto" worker processes from plain JavaScript (leave it out instead)', { upstreams, workerProcesses: 'auto' }, /^workerProcesses \("auto"\) must be a number from 1 to 256 \(leave it out for auto, one worker per CPU core\)$/],
    ['0 worker processes', { upstreams, workerProcesses: 0 }, /^workerProcesses \(0\) must be an integer from 1 to 256$/],
    ['an invalid listen port', { upstreams, listenPort: 0 }, /^listenPort \(0\) must be an integer from 1 to 65535$/],
    ['a health path with a space', { upstreams, healthCheckPath: '/a b' }, /^healthCheckPath \("\/a b"\) must be a path/],
    ['a path with a semicolon', { upstreams, pidFile: '/run/x;evil' }, /^pidFile \("\/run\/x;evil"\) must be a plain path/],
  ];
  for (const [name, input, message] of bad) {
    it(name, () => {
      expect(() => renderNginxConfig(input as never)).toThrow(message);
    });
  }
});

describe('server and listen addresses: IPv4 or DNS names, never dotted digits out of range', () => {
  // Dotted digits are an IPv4 address or nothing: a DNS name whose last label is all digits is not a host name.
  for (const address of ['300.1.2.3', '256.0.0.1', '10.0.0', '999.999.999.999', '1.2.3.4.5']) {
    it(`rejects ${address}`, () => {
      expect(() => renderNginxConfig({ upstreams: [{ address, port: 8080 }] })).toThrow(`upstreams[0].address ("${address}") must be an IPv4 address or a DNS name`);
      expect(() => renderNginxConfig({ upstreams, listenAddress: address })).toThrow(`listenAddress ("${address}") must be an IPv4 address or a DNS name`);
    });
  }
  for (const address of ['0.0.0.0', '10.0.2.10', '255.255.255.255', 'localhost', 'ip-10-0-2-10.ec2.internal', 'app-1.example.com', '3com.example']) {
    it(`accepts ${address}`, () => {
      expect(renderNginxConfig({ upstreams: [{ address, port: 8080 }] })).toContain(`server ${address}:8080`);
    });
  }
});

describe('renderNginxConfig: custom balancing and runtime options (each accepted value rendered, each bad one named)', () => {
  it('renders a custom proxy_next_upstream list, and "off" alone', () => {
    expect(renderNginxConfig({ upstreams, proxyNextUpstream: ['error', 'timeout'] })).toContain('            proxy_next_upstream error timeout;\n');
    expect(renderNginxConfig({ upstreams, proxyNextUpstream: ['off'] })).toContain('            proxy_next_upstream off;\n');
  });

  it('renders worker processes at both ends of 1 to 256', () => {
    expect(renderNginxConfig({ upstreams, workerProcesses: 1 })).toContain('\nworker_processes 1;\n');
    expect(renderNginxConfig({ upstreams, workerProcesses: 256 })).toContain('\nworker_processes 256;\n');
  });

  it('renders a custom health path in the health location', () => {
    const ready = renderNginxConfig({ upstreams, healthCheckPath: '/ready' });
    expect(ready).toMatch(/location = \/ready \{\n\s+access_log off;\n\s+return 200 "ok\\n";/);
    expect(ready).not.toContain('/nginx-health');
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['an empty proxy_next_upstream list', { upstreams, proxyNextUpstream: [] }, 'proxyNextUpstream ([]) must be a non-empty list of conditions'],
    ['257 worker processes', { upstreams, workerProcesses: 257 }, 'workerProcesses (257) must be an integer from 1 to 256'],
    ['1.5 worker processes', { upstreams, workerProcesses: 1.5 }, 'workerProcesses (1.5) must be an integer from 1 to 256'],
    ['a proxy_next_upstream_timeout over an hour', { upstreams, proxyNextUpstreamTimeout: Duration.hours(2) }, 'proxyNextUpstreamTimeout (2 hours) must be from 1 milli to 1 hour'],
    ['a proxy_next_upstream_timeout in fractions of a millisecond', { upstreams, proxyNextUpstreamTimeout: Duration.millis(1.5) }, 'proxyNextUpstreamTimeout (1.5 millis) must be whole milliseconds: nginx.conf gets it in ms'],
    ['0 keep-alive connections', { upstreams, keepaliveConnections: 0 }, 'keepaliveConnections (0) must be an integer from 1 to 10000'],
    ['10001 keep-alive connections', { upstreams, keepaliveConnections: 10_001 }, 'keepaliveConnections (10001) must be an integer from 1 to 10000'],
    ['a read timeout over an hour', { upstreams, readTimeout: Duration.hours(2) }, 'readTimeout (2 hours) must be from 1 milli to 1 hour'],
    ['a send timeout over an hour', { upstreams, sendTimeout: Duration.hours(2) }, 'sendTimeout (2 hours) must be from 1 milli to 1 hour'],
    ['a send timeout in fractions of a millisecond', { upstreams, sendTimeout: Duration.millis(2.5) }, 'sendTimeout (2.5 millis) must be whole milliseconds: nginx.conf gets it in ms'],
    ['a health path without a leading "/"', { upstreams, healthCheckPath: 'ready' }, 'healthCheckPath ("ready") must be a path starting with "/" of letters, digits and ._~/-'],
  ];
  for (const [name, input, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(orchestrationErrorFrom(() => renderNginxConfig(input as never)).message).toBe(message);
    });
  }
});

describe('nginxMetricFilterPattern: the access-log fields the metric filters match', () => {
  it('counts lines with a status from 100 to 599, a request time >= 0 and the load balancer tag ("nginx" by default)', () => {
    expect(nginxMetricFilterPattern('requests')).toBe('[client, time, request, status >= 100 && status <= 599, bytes, rt >= 0, lb = "nginx", ...]');
    expect(nginxMetricFilterPattern('latency')).toBe('[client, time, request, status >= 100 && status <= 599, bytes, rt >= 0, lb = "nginx", ...]');
  });

  it('counts only 5xx answers (500 to 599) for errors', () => {
    expect(nginxMetricFilterPattern('errors')).toBe('[client, time, request, status >= 500 && status <= 599, bytes, rt >= 0, lb = "nginx", ...]');
  });

  it('matches the tag a load balancer writes into its log_format', () => {
    const tag = 'Stack.Lb_1-ABCD';
    expect(nginxMetricFilterPattern('errors', tag)).toBe(`[client, time, request, status >= 500 && status <= 599, bytes, rt >= 0, lb = "${tag}", ...]`);
    expect(renderNginxConfig({ upstreams, logTag: tag })).toContain(`$request_time ${tag} '`);
  });

  it('rejects a deploy-time tag: the pattern is a string made at synth', () => {
    const e = orchestrationErrorFrom(() => nginxMetricFilterPattern('requests', Token.asString({ Ref: 'Tag' })));
    expect(e.prop).toBe('logTag');
    expect(e.allowed).toBe("must be a concrete value, not a deploy-time value (token): the metric filter pattern compares it with the access log's field");
  });
});

describe('logTag: letters, digits and ._- , 1 to 255 characters (a space would split the access-log field)', () => {
  const LOG_TAG_RULE = 'must be letters, digits, ".", "_" or "-", at most 255 characters';

  it.each(['a', 'x'.repeat(255), 'Stack.Lb_1-ABCD'])('accepts %j in the pattern and the config', (tag) => {
    expect(nginxMetricFilterPattern('requests', tag)).toContain(`lb = "${tag}"`);
    expect(renderNginxConfig({ upstreams, logTag: tag })).toContain(`$request_time ${tag} '`);
  });

  it.each(['', 'x'.repeat(256), 'two words', 'tag;', 'tag"'])('rejects %j in the pattern and the config', (tag) => {
    for (const fn of [() => nginxMetricFilterPattern('requests', tag), () => renderNginxConfig({ upstreams, logTag: tag })]) {
      const e = orchestrationErrorFrom(fn);
      expect([e.prop, e.value, e.allowed]).toEqual(['logTag', tag, LOG_TAG_RULE]);
    }
  });
});

describe('renderNginxConfig: deploy-time values (tokens)', () => {
  const RENDERED = 'must be a concrete value, not a deploy-time value (token): nginx.conf is rendered and checked at synth (what the real-nginx test runs is what is deployed)';
  const num = () => Token.asNumber({ Ref: 'P' });
  const str = () => Token.asString({ Ref: 'P' });
  const dur = () => Duration.seconds(Token.asNumber({ Ref: 'P' }));

  // Every setting written into nginx.conf; a token would reach nginx as "${Token[...]}" text.
  it.each<[string, () => Partial<NginxConfigInput>]>([
    ['maxFails', () => ({ maxFails: num() })],
    ['proxyNextUpstreamTries', () => ({ proxyNextUpstreamTries: num() })],
    ['keepaliveConnections', () => ({ keepaliveConnections: num() })],
    ['listenPort', () => ({ listenPort: num() })],
    ['workerProcesses', () => ({ workerProcesses: num() })],
    ['redirectPort', () => ({ redirectPort: num() })],
    ['algorithm', () => ({ algorithm: str() as LoadBalancingAlgorithm })],
    ['healthCheckPath', () => ({ healthCheckPath: str() })],
    ['logTag', () => ({ logTag: str() })],
    ['redirectHost', () => ({ redirectPort: 81, redirectHost: str() })],
    ['failTimeout', () => ({ failTimeout: dur() })],
    ['proxyNextUpstreamTimeout', () => ({ proxyNextUpstreamTimeout: dur() })],
    ['connectTimeout', () => ({ connectTimeout: dur() })],
    ['readTimeout', () => ({ readTimeout: dur() })],
    ['sendTimeout', () => ({ sendTimeout: dur() })],
    ['proxyNextUpstream', () => ({ proxyNextUpstream: ['error', str()] })],
    ['upstreams[0].port', () => ({ upstreams: [{ address: '10.0.2.10', port: num() }] })],
  ])('rejects a deploy-time %s', (prop, input) => {
    const e = orchestrationErrorFrom(() => renderNginxConfig({ upstreams, ...input() }));
    expect([e.prop, e.allowed]).toEqual([prop, RENDERED]);
  });

  it('passes a deploy-time server address through (the servers\' private IPs exist only once EC2 launches them)', () => {
    const address = Token.asString({ Ref: 'Ip' });
    expect(renderNginxConfig({ upstreams: [{ address, port: 8080 }] })).toContain(`server ${address}:8080 max_fails=1 fail_timeout=1s;`);
  });
});

describe('renderNginxConfig: values of the wrong type (plain JavaScript callers)', () => {
  const DURATION = 'must be a Duration, for example Duration.seconds(30)';
  it.each<[string, Record<string, unknown>, string]>([
    ['maxFails', { maxFails: '3' }, 'maxFails ("3") must be a number'],
    ['healthCheckPath', { healthCheckPath: 5 }, 'healthCheckPath (5) must be a string'],
    ['failTimeout', { failTimeout: 5 }, `failTimeout (5) ${DURATION}`],
    ['proxyNextUpstreamTimeout', { proxyNextUpstreamTimeout: 5 }, `proxyNextUpstreamTimeout (5) ${DURATION}`],
    ['connectTimeout', { connectTimeout: 5 }, `connectTimeout (5) ${DURATION}`],
    ['readTimeout', { readTimeout: '30s' }, `readTimeout ("30s") ${DURATION}`],
    ['sendTimeout', { sendTimeout: 5 }, `sendTimeout (5) ${DURATION}`],
    ['a null server', { upstreams: [null] }, 'upstreams[0] (null) must be an object with address and port'],
    ['a server as a string', { upstreams: ['10.0.2.10:8080'] }, 'upstreams[0] ("10.0.2.10:8080") must be an object with address and port'],
    ['a numeric server address', { upstreams: [{ address: 10, port: 8080 }] }, 'upstreams[0].address (10) must be a string'],
    ['a server port as a string', { upstreams: [{ address: '10.0.2.10', port: '8080' }] }, 'upstreams[0].port ("8080") must be a number'],
    ['redirectPort', { redirectPort: '81' }, 'redirectPort ("81") must be a number'],
    ['redirectHost', { redirectPort: 81, redirectHost: 42 }, 'redirectHost (42) must be a string'],
    ['behindTls', { behindTls: 'yes' }, 'behindTls ("yes") must be a boolean'],
  ])('rejects %s', (_name, input, message) => {
    expect(orchestrationErrorFrom(() => renderNginxConfig({ upstreams, ...input } as never)).message).toBe(message);
  });
});

describe('renderNginxConfig: limits, accepted at the bound and rejected one past it', () => {
  it.each<[Duration, string]>([
    [Duration.seconds(1), 'fail_timeout=1s;'],
    [Duration.seconds(5), 'fail_timeout=5s;'],
    [Duration.hours(1), 'fail_timeout=3600s;'],
  ])('renders failTimeout %s', (failTimeout, rendered) => {
    expect(renderNginxConfig({ upstreams, failTimeout })).toContain(`server 10.0.2.10:8080 max_fails=1 ${rendered}`);
  });

  it.each<[string, Partial<NginxConfigInput>, string]>([
    ['failTimeout 0 s', { failTimeout: Duration.seconds(0) }, 'failTimeout (0 seconds) must be from 1 second to 1 hour'],
    ['failTimeout 1 h 1 s', { failTimeout: Duration.seconds(3601) }, 'failTimeout (1 hour 1 second) must be from 1 second to 1 hour'],
    ['listenPort 22', { listenPort: 22 }, 'listenPort (22) must not be 22: the server style opens no SSH port, not even by accident'],
    ['listenPort 65536', { listenPort: 65_536 }, 'listenPort (65536) must be an integer from 1 to 65535'],
    ['redirectPort 0', { redirectPort: 0 }, 'redirectPort (0) must be an integer from 1 to 65535'],
    ['redirectPort 65536', { redirectPort: 65_536 }, 'redirectPort (65536) must be an integer from 1 to 65535'],
    ['redirectPort 81.5', { redirectPort: 81.5 }, 'redirectPort (81.5) must be an integer from 1 to 65535'],
    ['a health path not starting with "/"', { healthCheckPath: 'nginx/health' }, 'healthCheckPath ("nginx/health") must be a path starting with "/" of letters, digits and ._~/-'],
  ])('rejects %s', (_name, input, message) => {
    expect(orchestrationErrorFrom(() => renderNginxConfig({ upstreams, ...input })).message).toBe(message);
  });

  it('listens on ports next to 22 and at both ends of 1 to 65535', () => {
    for (const listenPort of [1, 21, 23, 65_535]) expect(renderNginxConfig({ upstreams, listenPort })).toContain(`\n        listen ${listenPort} default_server;\n`);
  });
});

describe('renderNginxConfig: the redirect server (redirectPort, redirectHost) and behindTls', () => {
  /** The text after the app's server block: the redirect server, if any, then the end of `http {`. */
  const afterAppServer = (conf: string) => conf.slice(conf.indexOf('\n    }\n', conf.indexOf('        location / {')) + '\n    }\n'.length);
  const redirectServer = (listen: string, healthPath: string, host: string) => [
    '',
    "    # Plain HTTP (the network load balancer's port 80): redirected to HTTPS.",
    '    server {',
    `        listen ${listen};`,
    '',
    `        location = ${healthPath} {`,
    '            access_log off;',
    '            return 200 "ok\\n";',
    '        }',
    '',
    '        location / {',
    `            return 301 https://${host}$request_uri;`,
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');

  it('renders no second server without redirectPort', () => {
    expect(afterAppServer(renderNginxConfig({ upstreams }))).toBe('}\n');
  });

  it('answers the health path on redirectPort and redirects the rest to https on the request\'s own host', () => {
    expect(afterAppServer(renderNginxConfig({ upstreams, redirectPort: 81 }))).toBe(redirectServer('81', '/nginx-health', '$host'));
  });

  it('binds listenAddress, uses the custom health path and redirects to redirectHost', () => {
    const conf = renderNginxConfig({ upstreams, listenAddress: '127.0.0.1', healthCheckPath: '/ready', redirectPort: 18081, redirectHost: 'app.example.com' });
    expect(afterAppServer(conf)).toBe(redirectServer('127.0.0.1:18081', '/ready', 'app.example.com'));
  });

  it('accepts redirectPort at both ends of 1 to 65535, and 80 when the app listens elsewhere', () => {
    for (const redirectPort of [1, 65_535]) expect(renderNginxConfig({ upstreams, redirectPort })).toContain(`\n        listen ${redirectPort};\n`);
    const conf = renderNginxConfig({ upstreams, listenPort: 8080, redirectPort: 80 });
    expect(conf).toContain('\n        listen 8080 default_server;\n');
    expect(conf).toContain('\n        listen 80;\n');
  });

  it('rejects redirectPort equal to listenPort (given or the default 80)', () => {
    expect(orchestrationErrorFrom(() => renderNginxConfig({ upstreams, redirectPort: 80 })).message)
      .toBe('redirectPort (80) must differ from listenPort (80): one port serves the app, the other redirects to HTTPS');
    expect(orchestrationErrorFrom(() => renderNginxConfig({ upstreams, listenPort: 8080, redirectPort: 8080 })).message)
      .toBe('redirectPort (8080) must differ from listenPort (8080): one port serves the app, the other redirects to HTTPS');
  });

  it('rejects redirectHost without redirectPort, and a redirectHost that is not a host name', () => {
    expect(orchestrationErrorFrom(() => renderNginxConfig({ upstreams, redirectHost: 'app.example.com' })).message)
      .toBe('redirectHost ("app.example.com") only applies with redirectPort');
    expect(orchestrationErrorFrom(() => renderNginxConfig({ upstreams, redirectPort: 81, redirectHost: 'evil.com/x;' })).message)
      .toBe('redirectHost ("evil.com/x;") must be a DNS name, for example app.example.com');
  });

  it('tells the app X-Forwarded-Proto https behind TLS, its own $scheme otherwise', () => {
    expect(renderNginxConfig({ upstreams, behindTls: true })).toContain('\n            proxy_set_header X-Forwarded-Proto https;\n');
    for (const behindTls of [undefined, false]) {
      expect(renderNginxConfig({ upstreams, behindTls })).toContain('\n            proxy_set_header X-Forwarded-Proto $scheme;\n');
    }
  });
});
