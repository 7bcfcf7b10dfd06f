import type { AppChartOptions, AppChartProps, AppProbeOptions, AppResources } from './app-chart';
import type { AppClusterProps } from './app-cluster';
import type { ContainerServiceProps } from './container-service';
import type { NodegroupCapacityOptions } from './node-capacity';
import type { ContainerRegistryProps } from './registry';

/**
 * The props each container-style construct knows, for callers without a type checker (plain
 * JavaScript, other languages): an unknown prop (a typo) is an error instead of being ignored.
 * Each list is typed `Record<keyof XxxProps, true>`, so a prop added to an interface and not here
 * (or listed here and not in the interface) fails to compile. Not part of the public API.
 */

export const CONTAINER_SERVICE_PROPS: Readonly<Record<keyof ContainerServiceProps, true>> = {
  app: true,
  cluster: true,
  clusterProps: true,
  imageArchitecture: true,
  chart: true,
  exposure: true,
  waitForRollout: true,
  migrateReplicasToHpa: true,
  alarmTopic: true,
  dashboard: true,
  logEncryptionKey: true,
};

export const APP_CHART_OPTIONS: Readonly<Record<keyof AppChartOptions, true>> = {
  kubernetesNamespace: true,
  maxSurge: true,
  maxUnavailable: true,
  progressDeadline: true,
  readinessProbe: true,
  livenessProbe: true,
  resources: true,
  drainTimeout: true,
  preStopDelay: true,
  runAsNonRoot: true,
  runAsUser: true,
  readOnlyRootFilesystem: true,
  zoneSpread: true,
  imagePullPolicy: true,
  secretsFetcherImage: true,
};

export const APP_CHART_PROPS: Readonly<Record<keyof AppChartProps, true>> = {
  ...APP_CHART_OPTIONS,
  app: true,
  image: true,
  appVersion: true,
  awsRegion: true,
  serviceAccountAnnotations: true,
  readinessGates: true,
  namespaceLabels: true,
};

export const APP_PROBE_OPTIONS: Readonly<Record<keyof AppProbeOptions, true>> = {
  path: true,
  port: true,
  period: true,
  failureThreshold: true,
  initialDelay: true,
};

export const APP_RESOURCES: Readonly<Record<keyof AppResources, true>> = {
  cpuRequest: true,
  memoryRequest: true,
  cpuLimit: true,
  memoryLimit: true,
};

export const APP_CLUSTER_PROPS: Readonly<Record<keyof AppClusterProps, true>> = {
  version: true,
  kubectlLayer: true,
  vpc: true,
  network: true,
  capacity: true,
  adminPrincipalArn: true,
  endpointAccess: true,
  clusterLogging: true,
  secretsEncryptionKey: true,
  albController: true,
  removalPolicy: true,
};

export const NODEGROUP_CAPACITY_OPTIONS: Readonly<Record<keyof NodegroupCapacityOptions, true>> = {
  minNodes: true,
  maxNodes: true,
  instanceTypes: true,
  nodeOs: true,
  rootVolumeSize: true,
  podImdsAccess: true,
  detailedMonitoring: true,
};

export const CONTAINER_REGISTRY_PROPS: Readonly<Record<keyof ContainerRegistryProps, true>> = {
  maxImageCount: true,
  untaggedExpiryDays: true,
  immutableTags: true,
  scanOnPush: true,
  encryptionKey: true,
  removalPolicy: true,
  emptyOnDelete: true,
};
