// Bad input to the server style fails synth with an OrchestrationError that names the
// construct path, the prop, the value and what is allowed. One test per mistake.
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { NginxLoadBalancer, ServerFleet, type ServerServiceProps, ServerService } from '../../../constructs/server';
import { SAMPLE_APP_DIR, testStack, orchestrationErrorFrom } from '../../helpers';
import { AppSource } from '../../../lib/app';

const source = AppSource.fromDirectory(SAMPLE_APP_DIR);

function service(props: Partial<ServerServiceProps>) {
  return () => new ServerService(testStack(), 'Svc', { ...props, app: { source, ...(props.app ?? {}) } } as ServerServiceProps);
}

function expectError(make: () => unknown, expected: { path: string; prop: string; message: RegExp }) {
  const e = orchestrationErrorFrom(make);
  expect(e.path).toBe(expected.path);
  expect(e.prop).toBe(expected.prop);
  expect(e.message).toMatch(expected.message);
}

const FLEET = 'Test/Svc/Fleet';
const LB = 'Test/Svc';

describe('fleet size', () => {
  it('rejects a fleet smaller than 1', () => {
    expectError(service({ fleetSize: 0 }), { path: FLEET, prop: 'fleetSize', message: /^Test\/Svc\/Fleet: fleetSize \(0\) must be an integer from 1 to 50$/ });
  });
  it('rejects a fractional fleet size', () => {
    expectError(service({ fleetSize: 2.5 }), { path: FLEET, prop: 'fleetSize', message: /fleetSize \(2\.5\) must be an integer from 1 to 50$/ });
  });
  it('rejects app.replicas.min 0 (no servers)', () => {
    expectError(service({ app: { source, replicas: { min: 0 } } }), { path: FLEET, prop: 'app.replicas.min', message: /app\.replicas\.min \(0\) must be at least 1 for the server style/ });
  });
  it('rejects fleetSize and app.replicas.min that disagree', () => {
    expectError(service({ fleetSize: 3, app: { source, replicas: { min: 4 } } }), { path: FLEET, prop: 'fleetSize', message: /^Test\/Svc\/Fleet: fleetSize \(3\) contradicts app\.replicas\.min \(4, the same number for the server style\); set one of them, or make them agree$/ });
  });
  it('rejects app.replicas.max above the fleet size (no auto scaling)', () => {
    expectError(service({ app: { source, replicas: { min: 3, max: 10 } } }), { path: FLEET, prop: 'app.replicas.max', message: /app\.replicas\.max \(10\) must equal the fleet size \(3\) or be unset: the server style does not auto scale/ });
  });
});

describe('rate controls', () => {
  it('rejects serial 0', () => {
    expectError(service({ serial: 0 }), { path: FLEET, prop: 'serial', message: /^Test\/Svc\/Fleet: serial \(0\) must be an integer from 1 to 3$/ });
  });
  it('rejects serial above the fleet size', () => {
    expectError(service({ fleetSize: 3, serial: 4 }), { path: FLEET, prop: 'serial', message: /serial \(4\) must be an integer from 1 to 3$/ });
  });
  it('rejects serial that contradicts app.rollout.maxUnavailablePercent', () => {
    expectError(service({ serial: 2, app: { source, rollout: { maxUnavailablePercent: 34 } } }), { path: FLEET, prop: 'serial', message: /serial \(2\) contradicts app\.rollout\.maxUnavailablePercent \(34, that is 34% of 3 servers = 1 at a time\); set one of them, or make them agree$/ });
  });
  it('rejects maxFailPercentage below 0', () => {
    expectError(service({ maxFailPercentage: -1 }), { path: FLEET, prop: 'maxFailPercentage', message: /maxFailPercentage \(-1\) must be a number from 0 to 100$/ });
  });
  it('rejects maxFailPercentage above 100', () => {
    expectError(service({ maxFailPercentage: 101 }), { path: FLEET, prop: 'maxFailPercentage', message: /maxFailPercentage \(101\) must be a number from 0 to 100$/ });
  });
  it('rejects a fractional maxFailPercentage (SSM MaxErrors takes whole percentages)', () => {
    expectError(service({ maxFailPercentage: 12.5 }), { path: FLEET, prop: 'maxFailPercentage', message: /maxFailPercentage \(12\.5\) must be a whole percentage from 0 to 100/ });
  });
  it('rejects maxFailPercentage that contradicts app.rollout.maxFailurePercent', () => {
    expectError(service({ maxFailPercentage: 30, app: { source, rollout: { maxFailurePercent: 10 } } }), { path: FLEET, prop: 'maxFailPercentage', message: /maxFailPercentage \(30\) contradicts app\.rollout\.maxFailurePercent \(10, the same limit\); set one of them, or make them agree$/ });
  });
  it('rejects a bake time not longer than nginx fail_timeout (the measured pitfall)', () => {
    expectError(service({ app: { source, rollout: { bakeTime: Duration.seconds(5) } }, loadBalancer: { failTimeout: Duration.seconds(5) } }), {
      path: FLEET,
      prop: 'app.rollout.bakeTime',
      message: /app\.rollout\.bakeTime \(5 seconds\) must be longer than the load balancer's fail_timeout \(5 seconds\), or unset \(then 6 seconds\)/,
    });
  });
  it('rejects a fleet fail timeout that disagrees with the load balancer', () => {
    expectError(service({ loadBalancerFailTimeout: Duration.seconds(2), loadBalancer: { failTimeout: Duration.seconds(3) } }), {
      path: 'Test/Svc',
      prop: 'loadBalancerFailTimeout',
      message: /^Test\/Svc: loadBalancerFailTimeout \(2 seconds\) must equal loadBalancer\.failTimeout \(3 seconds\): set loadBalancer\.failTimeout only/,
    });
  });
  it('rejects a wait for success shorter than 15 seconds', () => {
    expectError(service({ waitForSuccessTimeout: Duration.seconds(5) }), { path: FLEET, prop: 'waitForSuccessTimeout', message: /waitForSuccessTimeout \(5 seconds\) must be from 15 seconds to 2 days$/ });
  });
});

describe('ports', () => {
  it('rejects an app port outside 1-65535', () => {
    expectError(service({ app: { source, port: 70000 } }), { path: FLEET, prop: 'app.port', message: /app\.port \(70000\) must be an integer from 1 to 65535$/ });
  });
  it('rejects a privileged app port (the app is not root)', () => {
    expectError(service({ app: { source, port: 80 } }), { path: FLEET, prop: 'app.port', message: /app\.port \(80\) must be from 1024 to 65535: the app runs as the non-root app-user/ });
  });
  it('rejects an nginx port outside 1-65535', () => {
    expectError(service({ loadBalancer: { listenPort: 0 } }), { path: LB, prop: 'loadBalancer.listenPort', message: /^Test\/Svc: loadBalancer\.listenPort \(0\) must be an integer from 1 to 65535$/ });
  });
  it('rejects nginx on port 22', () => {
    expectError(service({ loadBalancer: { listenPort: 22 } }), { path: LB, prop: 'loadBalancer.listenPort', message: /loadBalancer\.listenPort \(22\) must not be 22: the server style opens no SSH port/ });
  });
  it('rejects an upstream with an invalid port', () => {
    expectError(() => new NginxLoadBalancer(testStack(), 'Lb', { upstreams: [{ address: '10.0.0.1', port: 0 }] }), { path: 'Test/Lb', prop: 'upstreams[0].port', message: /upstreams\[0\]\.port \(0\) must be an integer from 1 to 65535$/ });
  });
});

describe('upstream options nginx would reject', () => {
  it('rejects fail_timeout in milliseconds (nginx: invalid parameter "fail_timeout=1500ms")', () => {
    expectError(service({ loadBalancer: { failTimeout: Duration.millis(1500) } }), { path: LB, prop: 'loadBalancer.failTimeout', message: /loadBalancer\.failTimeout \(1 second 500 millis\) must be whole seconds: nginx parses fail_timeout in seconds/ });
  });
  it('rejects an unknown proxy_next_upstream condition (nginx: invalid value "http_501")', () => {
    expectError(service({ loadBalancer: { proxyNextUpstream: ['error', 'http_501'] } }), { path: LB, prop: 'loadBalancer.proxyNextUpstream', message: /loadBalancer\.proxyNextUpstream \("http_501"\) is not a condition nginx accepts/ });
  });
  it('rejects max_fails 0 (passive health off) and negative', () => {
    expectError(service({ loadBalancer: { maxFails: -1 } }), { path: LB, prop: 'loadBalancer.maxFails', message: /loadBalancer\.maxFails \(-1\) must be an integer from 1 to 100$/ });
  });
  it('rejects unbounded retries', () => {
    expectError(service({ loadBalancer: { proxyNextUpstreamTries: 0 } }), { path: LB, prop: 'loadBalancer.proxyNextUpstreamTries', message: /loadBalancer\.proxyNextUpstreamTries \(0\) must be an integer from 1 to 100$/ });
  });
  it('rejects a load balancer with no servers', () => {
    expectError(() => new NginxLoadBalancer(testStack(), 'Lb', { upstreams: [] }), { path: 'Test/Lb', prop: 'upstreams', message: /upstreams \(\[\]\) must list at least one server$/ });
  });
});

describe('other input', () => {
  it('rejects a container image as the source', () => {
    expectError(() => new ServerFleet(testStack(), 'Fleet', { app: { source: AppSource.fromImage('nginx:1.27') } }), { path: 'Test/Fleet', prop: 'app.source.image', message: /is for the container style/ });
  });
  it('rejects a missing source directory', () => {
    expectError(() => new ServerFleet(testStack(), 'Fleet', { app: { source: AppSource.fromDirectory('/nonexistent/app') } }), { path: 'Test/Fleet', prop: 'app.source.directory', message: /must be an existing directory/ });
  });
  it('rejects a root volume smaller than the AL2023 image', () => {
    expectError(service({ rootVolumeSize: Size.gibibytes(4) }), { path: FLEET, prop: 'rootVolumeSize', message: /rootVolumeSize \(Size\.gibibytes\(4\)\) must be a whole number of GiB from 8 to 16384 \(EBS volume sizes count GiB\)$/ });
  });
  it('rejects a root volume that is not whole GiB', () => {
    expectError(service({ rootVolumeSize: Size.mebibytes(8500) }), { path: FLEET, prop: 'rootVolumeSize', message: /rootVolumeSize \(Size\.mebibytes\(8500\)\) must be a whole number of GiB/ });
    expectError(service({ loadBalancer: { rootVolumeSize: Size.mebibytes(8500) } }), { path: LB, prop: 'loadBalancer.rootVolumeSize', message: /loadBalancer\.rootVolumeSize \(Size\.mebibytes\(8500\)\) must be a whole number of GiB/ });
  });
  it('rejects an unknown load-balancing algorithm', () => {
    expectError(service({ loadBalancer: { algorithm: 'ip-hash' as never } }), { path: LB, prop: 'loadBalancer.algorithm', message: /loadBalancer\.algorithm \("ip-hash"\) must be LoadBalancingAlgorithm\.ROUND_ROBIN or LoadBalancingAlgorithm\.LEAST_CONN$/ });
  });
  it('rejects a node package name that is not a package name', () => {
    expectError(service({ nodejsPackage: 'nodejs24; rm -rf /' }), { path: FLEET, prop: 'nodejsPackage', message: /must be a dnf package name/ });
  });
});

describe('network', () => {
  it('rejects network settings together with a VPC of your own', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    expectError(() => new ServerService(stack, 'Svc', { app: { source }, vpc, network: { maxAzs: 3 } }), {
      path: 'Test/Svc',
      prop: 'network',
      message: /^Test\/Svc: network \("\(network settings\)"\) only applies when the construct creates the VPC; remove it or remove vpc$/,
    });
  });
  it('passes network settings to the network it creates (one network for the fleet and nginx)', () => {
    const stack = testStack();
    const svc = new ServerService(stack, 'Svc', { app: { source }, network: { flowLogRemovalPolicy: RemovalPolicy.DESTROY } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPC', 1);
    expect(svc.fleet.vpc).toBe(svc.vpc);
    expect(svc.loadBalancer.vpc).toBe(svc.vpc);
    expect(t.toJSON().Resources[stack.getLogicalId(svc.network!.flowLogGroup.node.defaultChild as any)].DeletionPolicy).toBe('Delete');
  });
});

describe('whole-seconds durations get our error, not aws-cdk-lib unscoped one', () => {
  it.each([
    ['healthCheckTimeout', { healthCheckTimeout: Duration.millis(7500) }, /healthCheckTimeout \(7 seconds 500 millis\) must be whole seconds/],
    ['stopTimeout', { stopTimeout: Duration.millis(7500) }, /stopTimeout \(7 seconds 500 millis\) must be whole seconds \(systemd's TimeoutStopSec\)$/],
    ['waitForSuccessTimeout', { waitForSuccessTimeout: Duration.millis(15500) }, /waitForSuccessTimeout \(15 seconds 500 millis\) must be whole seconds \(WaitForSuccessTimeoutSeconds\)$/],
    ['loadBalancerFailTimeout', { loadBalancerFailTimeout: Duration.millis(1500) }, /loadBalancerFailTimeout \(1 second 500 millis\) must be whole seconds, like nginx fail_timeout$/],
    ['app.rollout.bakeTime', { app: { source, rollout: { bakeTime: Duration.millis(7500) } } }, /app\.rollout\.bakeTime \(7 seconds 500 millis\) must be whole seconds/],
  ] as [string, Partial<ServerServiceProps>, RegExp][])('%s', (prop, props, message) => {
    expectError(service(props), { path: FLEET, prop, message });
  });
  it('nginx timeouts in fractions of a millisecond', () => {
    expectError(service({ loadBalancer: { connectTimeout: Duration.seconds(1.0005) } }), { path: LB, prop: 'loadBalancer.connectTimeout', message: /loadBalancer\.connectTimeout \(.*\) must be whole milliseconds: nginx\.conf gets it in ms$/ });
  });
});

describe('callers without a type checker (plain JavaScript, other languages)', () => {
  const js = (props: Record<string, unknown>) => service(props as Partial<ServerServiceProps>);
  it.each([
    ['fleetSize', '3', /fleetSize \("3"\) must be a number$/],
    ['serial', Number.NaN, /serial \(NaN\) must be a number$/],
    ['maxFailPercentage', '30', /maxFailPercentage \("30"\) must be a number$/],
    ['keepReleases', '3', /keepReleases \("3"\) must be a number$/],
    ['rootVolumeSize', '20', /rootVolumeSize \("20"\) must be a Size in whole GiB from 8 to 16384, for example Size\.gibibytes\(20\)$/],
    ['rootVolumeSize', 20, /rootVolumeSize \(20\) must be a Size in whole GiB from 8 to 16384, for example Size\.gibibytes\(20\)$/],
    ['healthCheckTimeout', 30, /healthCheckTimeout \(30\) must be a Duration, for example Duration\.seconds\(30\)$/],
    ['stopTimeout', '30s', /stopTimeout \("30s"\) must be a Duration/],
    ['waitForSuccessTimeout', 600, /waitForSuccessTimeout \(600\) must be a Duration/],
    ['nodejsPackage', 24, /nodejsPackage \(24\) must be a string$/],
    ['systemdHardening', 'no', /systemdHardening \("no"\) must be a boolean$/],
    ['requireImdsv2', 'false', /requireImdsv2 \("false"\) must be a boolean$/],
    ['logRemovalPolicy', 'delete', /logRemovalPolicy \("delete"\) must be one of "destroy", "retain"/],
    ['instanceType', 't3.micro', /instanceType \("t3\.micro"\) must be an ec2\.InstanceType/],
  ])('%s: %s', (prop, value, message) => {
    expectError(js({ [prop]: value }), { path: FLEET, prop, message });
  });
  it('loadBalancerFailTimeout as a number, named on the service', () => {
    expectError(js({ loadBalancerFailTimeout: 5 }), { path: LB, prop: 'loadBalancerFailTimeout', message: /loadBalancerFailTimeout \(5\) must be a Duration/ });
  });
  it('a VPC ID instead of a VPC', () => {
    expectError(js({ vpc: 'vpc-0123456789abcdef0' }), { path: LB, prop: 'vpc', message: /vpc \("vpc-0123456789abcdef0"\) must be an ec2\.IVpc/ });
  });
  it.each([
    ['loadBalancer.maxFails', { maxFails: '2' }, /loadBalancer\.maxFails \("2"\) must be a number$/],
    ['loadBalancer.listenPort', { listenPort: Number.NaN }, /loadBalancer\.listenPort \(NaN\) must be a number$/],
    ['loadBalancer.failTimeout', { failTimeout: 5 }, /loadBalancer\.failTimeout \(5\) must be a Duration/],
    ['loadBalancer.algorithm', { algorithm: 1 }, /loadBalancer\.algorithm \(1\) must be a string$/],
    ['loadBalancer.elasticIp', { elasticIp: 'yes' }, /loadBalancer\.elasticIp \("yes"\) must be a boolean$/],
    ['loadBalancer.allowFrom', { allowFrom: '0.0.0.0/0' }, /loadBalancer\.allowFrom \("0\.0\.0\.0\/0"\) must be an ec2\.IPeer/],
    ['loadBalancer.rootVolumeSize', { rootVolumeSize: '20' }, /loadBalancer\.rootVolumeSize \("20"\) must be a Size in whole GiB/],
    ['loadBalancer.algorithm', { algorithm: 'LEAST_CONN' }, /loadBalancer\.algorithm \("LEAST_CONN"\) must be LoadBalancingAlgorithm\.ROUND_ROBIN or LoadBalancingAlgorithm\.LEAST_CONN$/],
  ] as [string, Record<string, unknown>, RegExp][])('%s', (prop, loadBalancer, message) => {
    expectError(js({ loadBalancer }), { path: LB, prop, message });
  });
  it('an unknown top-level prop (a typo) names it and suggests the prop meant', () => {
    expectError(js({ fleetsize: 3 }), { path: LB, prop: 'fleetsize', message: /^Test\/Svc: fleetsize \(3\) is not a known prop: did you mean fleetSize\? known props are / });
    expectError(js({ memsize: 256 }), { path: LB, prop: 'memsize', message: /memsize \(256\) is not a known prop: known props are .*fleetSize/ });
  });
  it('an unknown loadBalancer prop', () => {
    expectError(js({ loadBalancer: { listenport: 8080 } }), { path: LB, prop: 'loadBalancer.listenport', message: /did you mean loadBalancer\.listenPort\?/ });
  });
  it('an unknown prop of ServerFleet and NginxLoadBalancer used alone', () => {
    expectError(() => new ServerFleet(testStack(), 'Fleet', { app: { source }, serail: 2 } as any), { path: 'Test/Fleet', prop: 'serail', message: /did you mean serial\?/ });
    expectError(() => new NginxLoadBalancer(testStack(), 'Lb', { upstreams: [{ address: '10.0.0.1', port: 8080 }], maxfails: 2 } as any), { path: 'Test/Lb', prop: 'maxfails', message: /did you mean maxFails\?/ });
  });
  it('NginxLoadBalancer without props, or with an upstream port as a string', () => {
    expectError(() => new (NginxLoadBalancer as any)(testStack(), 'Lb'), { path: 'Test/Lb', prop: 'upstreams', message: /upstreams \(undefined\) must list at least one server$/ });
    expectError(() => new NginxLoadBalancer(testStack(), 'Lb', { upstreams: [{ address: '10.0.0.1', port: '8080' as any }] }), { path: 'Test/Lb', prop: 'upstreams[0].port', message: /upstreams\[0\]\.port \("8080"\) must be a number$/ });
  });
  it('ServerService without props', () => {
    expectError(() => new (ServerService as any)(testStack(), 'Svc'), { path: FLEET, prop: 'app', message: /app \(undefined\) must be an app description/ });
  });
});
