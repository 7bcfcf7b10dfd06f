// The unknown-prop lists of the server style match their Props interfaces. The lists are typed
// Record<keyof XxxProps, true> next to the interfaces, so a prop added to an interface and not to its
// list (or a listed name the interface lacks) fails `tsc --noEmit`; the expectations below are typed
// the same way, so they cannot drift either, and check the lists' composition at run time.
import { describe, expect, it } from 'vitest';
import type { NginxLoadBalancerOptions, NginxLoadBalancerProps, ServerFleetProps, ServerServiceProps } from '../../../constructs/server';
import { NGINX_LOAD_BALANCER_OPTION_NAMES, NGINX_LOAD_BALANCER_PROP_NAMES } from '../../../constructs/server/nginx-load-balancer';
import { SERVER_FLEET_PROP_NAMES } from '../../../constructs/server/server-fleet';
import { SERVER_SERVICE_PROP_NAMES } from '../../../constructs/server/server-service';

const instance = { instanceType: 0, machineImage: 0, requireImdsv2: 0, encryptVolumes: 0, rootVolumeSize: 0, detailedMonitoring: 0 } as const;
const fleet: Record<keyof ServerFleetProps, 0> = {
  ...instance, app: 0, vpc: 0, network: 0, vpcSubnets: 0, fleetSize: 0, serial: 0, maxFailPercentage: 0, loadBalancerFailTimeout: 0,
  healthCheckTimeout: 0, stopTimeout: 0, waitForSuccessTimeout: 0, nodejsPackage: 0, keepReleases: 0, systemdHardening: 0, logRetention: 0, logRemovalPolicy: 0,
  logEncryptionKey: 0, alarmTopic: 0,
};
const service: Record<keyof ServerServiceProps, 0> = { ...fleet, loadBalancer: 0, domain: 0, dashboard: 0 };
const lbOptions: Record<keyof NginxLoadBalancerOptions, 0> = {
  ...instance, algorithm: 0, maxFails: 0, failTimeout: 0, proxyNextUpstream: 0, proxyNextUpstreamTries: 0, proxyNextUpstreamTimeout: 0, keepaliveConnections: 0,
  connectTimeout: 0, readTimeout: 0, sendTimeout: 0, healthCheckPath: 0, listenPort: 0, allowFrom: 0, elasticIp: 0, logRetention: 0, logRemovalPolicy: 0,
  instanceCount: 0, networkLoadBalancer: 0, healthCheckInterval: 0, unhealthyThresholdCount: 0, healthyThresholdCount: 0, deletionProtection: 0,
  accessLogsBucket: 0, accessLogsRemovalPolicy: 0,
};
const lb: Record<keyof NginxLoadBalancerProps, 0> = { ...lbOptions, upstreams: 0, vpc: 0, network: 0, vpcSubnets: 0, domain: 0, logEncryptionKey: 0, alarmTopic: 0 };

const names = (o: object) => Object.keys(o).sort();

describe('known-prop lists', () => {
  it('ServerFleet: every prop of ServerFleetProps, nothing else', () => {
    expect(names(SERVER_FLEET_PROP_NAMES)).toEqual(names(fleet));
  });
  it('ServerService: every prop of ServerServiceProps, nothing else', () => {
    expect(names(SERVER_SERVICE_PROP_NAMES)).toEqual(names(service));
  });
  it('NginxLoadBalancer: every prop of NginxLoadBalancerProps, and of its options (ServerService loadBalancer)', () => {
    expect(names(NGINX_LOAD_BALANCER_PROP_NAMES)).toEqual(names(lb));
    expect(names(NGINX_LOAD_BALANCER_OPTION_NAMES)).toEqual(names(lbOptions));
  });
  it('a list missing a prop does not compile', () => {
    // @ts-expect-error fleetSize and the others are missing: tsc rejects the list
    const incomplete: Record<keyof ServerFleetProps, true> = { app: true };
    expect(incomplete).toBeDefined();
  });
});
