// The package's root entry point: the shared vocabulary and every style.
// Each style is also importable on its own: `cdk-orchestration/server`, `/vm`, `/container`, `/serverless`.
export * from './lib/app';
export * from './lib/errors';
export * from './lib/secret-ref';
export * from './lib/rollout-estimate';
export * from './constructs/server';
export * from './constructs/vm';
export * from './constructs/container';
export * from './constructs/serverless';
// The shared network, so that several services can share one: pass `network.vpc` as their `vpc`.
export { AppNetwork, type AppNetworkProps, type EgressMode } from './constructs/shared/network';
// The contract every style's main construct implements (server, vm and serverless so far; container next).
export type { IAppService } from './constructs/shared/service';
