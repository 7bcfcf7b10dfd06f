export { VmService, type VmServiceProps, VM_DEFAULTS } from './vm-service';
export { VmImage } from './vm-image';
export { VmScaling } from './vm-scaling';
export { AppImage, type AppImageProps, type ImageBuilderOptions } from './app-image';
