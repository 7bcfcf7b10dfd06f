export * from './nginx-config';
export * from './nginx-load-balancer';
export * from './server-fleet';
export * from './server-files';
export * from './server-service';
export type { ServerInstanceOptions } from './server-instance';
