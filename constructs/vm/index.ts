export * from './vm-service';
export * from './app-image';
export * from './boot';
