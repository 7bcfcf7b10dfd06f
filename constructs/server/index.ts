export * from './nginx-config';
export { NginxLoadBalancer, type NginxLoadBalancerOptions, type NginxLoadBalancerProps } from './nginx-load-balancer';
export { ServerFleet, type ServerFleetProps, type ServerRolloutTiming } from './server-fleet';
export * from './server-files';
export { ServerService, type ServerServiceProps } from './server-service';
export type { ServerInstanceOptions } from './server-instance';
