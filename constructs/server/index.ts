export {
  LoadBalancingAlgorithm,
  NGINX_ACCESS_LOG_FIELDS,
  NGINX_METRICS,
  nginxMetricFilterPattern,
  renderNginxConfig,
  rolloutPause,
  type NginxBalancingOptions,
  type NginxConfigInput,
  type NginxRuntimeOptions,
  type NginxUpstream,
} from './nginx-config';
export { NginxLoadBalancer, type NginxLoadBalancerOptions, type NginxLoadBalancerProps, type NginxMetricFilters } from './nginx-load-balancer';
export { RolloutWaiter, type RolloutWaiterProps } from './rollout-waiter';
export { ServerFleet, type ServerFleetProps, type ServerRolloutTiming } from './server-fleet';
export { ServerService, type ServerServiceProps } from './server-service';
export type { ServerInstanceOptions } from './server-instance';
// The outputs cdk-orchestrate reads, for a service in your own stack (shared by every style).
export { OrchestrationOutputs, type OrchestrationOutputsProps } from '../shared/orchestration-outputs';
