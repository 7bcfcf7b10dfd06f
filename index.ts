// The package's root entry point: the shared vocabulary and every style.
// Each style is also importable on its own: `cdk-orchestration/serverless`, ...
export * from './lib/app';
export * from './lib/errors';
export * from './lib/secret-ref';
export * from './constructs/container';
export * from './constructs/serverless';
