import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import LongPolesFirst from './test/sequencer.mjs';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The jsii kernel test (about 60 s, most of it the kernel unpacking aws-cdk-lib) runs on its own:
    // `npm run test:jsii` (test/jsii/vitest.config.mts), after `npm test` in .ci/run.
    // The `cdk init` consumer project (about 50 s: its default install brings the CLI's AWS SDK clients,
    // some 23,000 files) runs on its own too: `npm run test:consumer` (test/consumer/vitest.config.mts),
    // once in .ci/run. The legacy CommonJS project (test/consumer/legacy-cjs.test.ts) stays here.
    exclude: [...configDefaults.exclude, 'test/jsii/**', 'test/consumer/cdk-init.test.ts'],
    // One temp folder per run, one per worker, emptied after each file: the suite leaves nothing behind.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    // aws-cdk-lib's built-in CloudFormation validation costs ~4 s per synth. Unit tests skip it;
    // test/gate.test.ts runs it once over the whole sample app, with the cdk-nag gate.
    env: { CDK_VALIDATION: 'false' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine. The
    // suite spends much of its time waiting on the processes it starts (npm pack and install, tsc,
    // nginx, the sample app), so two files at once fill 2 cores well: about 65 s instead of 88 s here.
    maxWorkers: Math.max(availableParallelism() - 1, 2),
    isolate: false, // share aws-cdk-lib's module cache between files of a worker (about 1 s of import each)
    // The long poles start first, also on a fresh clone with no cached timings (test/sequencer.mts).
    sequence: { sequencer: LongPolesFirst },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
