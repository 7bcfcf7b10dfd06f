import type { AppImageProps, ImageBuilderOptions } from './app-image';
import type { VmServiceProps } from './vm-service';

/**
 * The props each construct of the vm style knows, for the unknown-prop check (`checkKnownProps`):
 * a typo from plain JavaScript or another language (`minCapcity`) gets our error instead of being
 * ignored. Each list is typed `Record<keyof XxxProps, true>`, so a prop added to an interface and
 * not here (or listed here and not in the interface) fails `tsc`. Not exported from the package.
 */

/** Every prop of {@link VmServiceProps}. */
export const VM_SERVICE_PROPS: Readonly<Record<keyof VmServiceProps, true>> = {
  app: true,
  vpc: true,
  network: true,
  vpcSubnets: true,
  instanceTypes: true,
  image: true,
  rootVolumeSize: true,
  minCapacity: true,
  maxCapacity: true,
  minHealthyPercentage: true,
  maxHealthyPercentage: true,
  instanceWarmup: true,
  bootAndStartTime: true,
  checkpointPercentages: true,
  checkpointDelay: true,
  refreshBakeTime: true,
  max5xxPercent: true,
  refreshAlarms: true,
  scaling: true,
  healthCheckInterval: true,
  healthyThresholdCount: true,
  unhealthyThresholdCount: true,
  deregistrationDelay: true,
  certificate: true,
  domain: true,
  alarmTopic: true,
  dashboard: true,
  logEncryptionKey: true,
  deletionProtection: true,
  accessLogs: true,
  accessLogsBucket: true,
  accessLogsRemovalPolicy: true,
  logRetention: true,
  logRemovalPolicy: true,
  requireImdsv2: true,
  keyPair: true,
  detailedMonitoring: true,
  notificationsTopic: true,
};

/** Every option of {@link ImageBuilderOptions} (`VmImage.bake(options)`). */
export const IMAGE_BUILDER_OPTIONS: Readonly<Record<keyof ImageBuilderOptions, true>> = {
  nodeMajorVersion: true,
  buildInstanceType: true,
  runTests: true,
  deleteReplacedImages: true,
};

/** Every prop of {@link AppImageProps}. */
export const APP_IMAGE_PROPS: Readonly<Record<keyof AppImageProps, true>> = {
  ...IMAGE_BUILDER_OPTIONS,
  sourceDirectory: true,
  exclude: true,
  command: true,
  port: true,
  healthCheckPath: true,
  appVersion: true,
  architecture: true,
  rootVolumeSize: true,
  vpc: true,
  vpcSubnets: true,
};
