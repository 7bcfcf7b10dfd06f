// The container style's public API, listed by name (jsii: no bare `export *`). Helpers that are not
// API (checks, renderers, the secrets scripts) stay in their modules or under private/.
export { AppChart, type AppChartOptions, type AppChartPlan, type AppChartProps, type AppProbeOptions, type AppResources } from './app-chart';
export { AppCluster, type AppClusterProps } from './app-cluster';
export { ImagePullPolicy, PercentOrCount, ZoneSpread } from './chart-modes';
export { ContainerService, type ContainerServiceProps } from './container-service';
export { DEFAULT_KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } from './kubernetes-version';
export { NodeCapacity, type NodegroupCapacityOptions, NodeOs } from './node-capacity';
export { ContainerRegistry, type ContainerRegistryProps } from './registry';
export { ServiceExposure, type LoadBalancerExposureOptions } from './service-exposure';
// The outputs cdk-orchestrate reads, for a service in your own stack (shared by every style).
export { OrchestrationOutputs, type OrchestrationOutputsProps } from '../shared/orchestration-outputs';
