export { VmService, type VmServiceProps, VM_DEFAULTS } from './vm-service';
export { VmImage } from './vm-image';
export { VmScaling } from './vm-scaling';
export { AppImage, type AppImageProps, type ImageBuilderOptions } from './app-image';
// The outputs cdk-orchestrate reads, for a service in your own stack (shared by every style).
export { OrchestrationOutputs, type OrchestrationOutputsProps } from '../shared/orchestration-outputs';
