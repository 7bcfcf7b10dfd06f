// The package's root entry point: the shared vocabulary and every style.
// Each style is also importable on its own: `cdk-orchestration/serverless`, `/vm`, `/server`, `/container`.
export * from './lib/app';
export * from './lib/errors';
export * from './lib/secret-ref';
export * from './lib/rollout-estimate';
export * from './constructs/server';
export * from './constructs/serverless';
export * from './constructs/vm';
