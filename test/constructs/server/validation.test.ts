// Bad input to the server style fails synth with an OrchestrationError that names the
// construct path, the prop, the value and what is allowed. One test per mistake.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { NginxLoadBalancer, ServerFleet, type ServerServiceProps, ServerService } from '../../../constructs/server';
import { SAMPLE_APP_DIR, testStack, orchestrationErrorFrom } from '../../helpers';

const source = { directory: SAMPLE_APP_DIR };

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
    expectError(service({ fleetSize: 0 }), { path: FLEET, prop: 'fleetSize', message: /^Test\/Svc\/Fleet: fleetSize \(0\) must be an integer from 1 to 100$/ });
  });
  it('rejects a fractional fleet size', () => {
    expectError(service({ fleetSize: 2.5 }), { path: FLEET, prop: 'fleetSize', message: /fleetSize \(2\.5\) must be an integer from 1 to 100$/ });
  });
  it('rejects app.replicas.min 0 (no servers)', () => {
    expectError(service({ app: { source, replicas: { min: 0 } } }), { path: FLEET, prop: 'app.replicas.min', message: /app\.replicas\.min \(0\) must be at least 1 for the server style/ });
  });
  it('rejects fleetSize and app.replicas.min that disagree', () => {
    expectError(service({ fleetSize: 3, app: { source, replicas: { min: 4 } } }), { path: FLEET, prop: 'fleetSize and app.replicas.min', message: /\{"fleetSize":3,"app\.replicas\.min":4\}\) disagree/ });
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
    expectError(service({ serial: 2, app: { source, rollout: { maxUnavailablePercent: 34 } } }), { path: FLEET, prop: 'serial and app.rollout.maxUnavailablePercent', message: /disagree \(34% of 3 servers is 1 at a time\)/ });
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
    expectError(service({ maxFailPercentage: 30, app: { source, rollout: { maxFailurePercent: 10 } } }), { path: FLEET, prop: 'maxFailPercentage and app.rollout.maxFailurePercent', message: /disagree: set one of them/ });
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
      prop: 'loadBalancerFailTimeout and loadBalancer.failTimeout',
      message: /disagree: set loadBalancer\.failTimeout only/,
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
    expectError(() => new ServerFleet(testStack(), 'Fleet', { app: { source: { image: 'nginx:1.27' } } }), { path: 'Test/Fleet', prop: 'app.source.image', message: /is for the container style/ });
  });
  it('rejects a missing source directory', () => {
    expectError(() => new ServerFleet(testStack(), 'Fleet', { app: { source: { directory: '/nonexistent/app' } } }), { path: 'Test/Fleet', prop: 'app.source.directory', message: /must be an existing directory/ });
  });
  it('rejects a root volume smaller than the AL2023 image', () => {
    expectError(service({ rootVolumeSize: 4 }), { path: FLEET, prop: 'rootVolumeSize', message: /rootVolumeSize \(4\) must be an integer from 8 to 16384$/ });
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
