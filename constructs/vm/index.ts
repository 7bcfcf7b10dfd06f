export * from './vm-service';
export { AppImage, type AppImageProps, type ImageBuilderOptions } from './app-image';
