export * from './app-chart';
export * from './app-cluster';
export * from './container-service';
export * from './kubernetes-version';
export * from './registry';
