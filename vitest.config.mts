import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // aws-cdk-lib's built-in CloudFormation validation costs ~4 s per synth. Unit tests skip it;
    // test/gate.test.ts runs it once over the whole sample app, with the cdk-nag gate.
    env: { CDK_VALIDATION: 'false' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    isolate: false, // share aws-cdk-lib's module cache between files of a worker (about 1 s of import each)
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
