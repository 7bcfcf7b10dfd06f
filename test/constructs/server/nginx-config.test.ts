import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LoadBalancingAlgorithm, NGINX_DEFAULTS, renderNginxConfig, rolloutPause } from '../../../constructs/server/nginx-config';
import { orchestrationErrorFrom } from '../../helpers';

const upstreams = [
  { address: '10.0.2.10', port: 8080 },
  { address: '10.0.3.11', port: 8080 },
  { address: '10.0.2.12', port: 8080 },
];

describe('renderNginxConfig (pure)', () => {
  const conf = renderNginxConfig({ upstreams });

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
    expect(test).toContain('proxy_temp_path /tmp/x/proxy;');
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
    ['an unknown proxy_next_upstream condition', { upstreams, proxyNextUpstream: ['error', 'http_501'] }, /^proxyNextUpstream \("http_501"\) is not a condition nginx accepts/],
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
