// The package's root entry point: the shared vocabulary and every style, each export listed by name
// (jsii and readers see exactly what is public). Each style is also importable on its own:
// `cdk-orchestration/server`, `/vm`, `/container`, `/serverless`.
// Free functions and constants are for TypeScript and JavaScript callers (jsii leaves them out of
// the assembly); OrchestrationError is @internal to jsii (it extends Error) and exported for them too.

// The app description every style takes, and its modes as classes.
export {
  APP_DEFAULTS,
  type AppDescription,
  type AppReplicas,
  type AppParameterOptions,
  AppSecret,
  type AppSecretOptions,
  AppSource,
  type DirectorySourceOptions,
  RESERVED_ENVIRONMENT,
  resolveApp,
  type ResolvedApp,
  type RolloutLimits,
  validateSecret,
} from './lib/app';

// The error every construct throws for bad input (TypeScript: `instanceof OrchestrationError`).
export {
  formatValue,
  OrchestrationError,
} from './lib/errors';

// The one string format of a secret reference (handlers read it from <NAME>_SECRET_REF).
export {
  parseSecretReference,
  secretRefEnvName,
  secretReference,
} from './lib/secret-ref';

// Worst-case rollout durations.
export {
  bookServerRolloutTiming,
  bookVmRolloutTiming,
  DEFAULT_BOOT_AND_START_SECONDS,
  estimateRollout,
  formatSeconds,
  replicasPerBatch,
  type RolloutBreakdown,
  type RolloutCheckpoints,
  type RolloutEstimate,
  type RolloutTiming,
} from './lib/rollout-estimate';

// The shared network, so that several services can share one: pass `network.vpc` as their `vpc`.
export { AppNetwork, EgressMode, NetworkEgress, type AppNetworkProps, type NatInstanceOptions } from './constructs/shared/network';
// The contract every style's main construct implements.
export type { IAppService } from './constructs/shared/service';
// Production pieces every style takes: a domain with TLS, an alarm topic, a dashboard, encrypted logs, a budget.
export { addAliasRecords, checkDomain, domainCertificate, type ServiceDomain, TLS_POLICY } from './constructs/shared/domain';
export { AlarmTopic, type AlarmTopicProps, notifyOnAlarms } from './constructs/shared/alarm-topic';
export { ServiceDashboard, type ServiceDashboardProps } from './constructs/shared/dashboard';
export { grantLogsUse, LogsKey, type LogsKeyProps } from './constructs/shared/log-encryption';
export { BUDGET_TAG_KEY, EnvironmentBudget, type EnvironmentBudgetProps } from './constructs/shared/budget';
// The AWS Control Tower gate (needs @cdklabs/cdk-validator-cfnguard) and its per-resource acknowledgements.
export { acknowledgeControl, ControlTowerChecks } from './constructs/shared/compliance';
// The stack outputs the cdk-orchestrate CLI reads, for any style's service in your own stack.
export { OrchestrationOutputs, type OrchestrationOutputsProps } from './constructs/shared/orchestration-outputs';

// The server style.
export {
  LoadBalancingAlgorithm,
  NGINX_ACCESS_LOG_FIELDS,
  NGINX_METRICS,
  type NginxBalancingOptions,
  type NginxConfigInput,
  NginxLoadBalancer,
  type NginxLoadBalancerOptions,
  type NginxLoadBalancerProps,
  nginxMetricFilterPattern,
  type NginxMetricFilters,
  type NginxRuntimeOptions,
  type NginxUpstream,
  renderNginxConfig,
  rolloutPause,
  ServerFleet,
  type ServerFleetProps,
  type ServerInstanceOptions,
  type ServerRolloutTiming,
  ServerService,
  RolloutWaiter,
  type RolloutWaiterProps,
  type ServerServiceProps,
} from './constructs/server';

// The vm style.
export {
  AppImage,
  type AppImageProps,
  type ImageBuilderOptions,
  VM_DEFAULTS,
  VmImage,
  VmScaling,
  VmService,
  type VmServiceProps,
} from './constructs/vm';

// The container style.
export {
  AppChart,
  type AppChartOptions,
  type AppChartPlan,
  type AppChartProps,
  AppCluster,
  type AppClusterProps,
  type AppProbeOptions,
  type AppResources,
  ContainerRegistry,
  type ContainerRegistryProps,
  ContainerService,
  type ContainerServiceProps,
  DEFAULT_KUBERNETES_VERSION,
  ImagePullPolicy,
  type LoadBalancerExposureOptions,
  NodeCapacity,
  type NodegroupCapacityOptions,
  NodeOs,
  PercentOrCount,
  ServiceExposure,
  SUPPORTED_KUBERNETES_VERSIONS,
  ZoneSpread,
} from './constructs/container';

// The serverless style.
export {
  FunctionService,
  type FunctionServiceProps,
  TrafficShift,
} from './constructs/serverless';
