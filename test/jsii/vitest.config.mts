// `npm run test:jsii`: the jsii kernel test alone, with the main config's setup (one temp folder per
// run, emptied and removed) and none of its other files. Kept out of `npm test` (see
// vitest.config.mts): it costs about a minute on its own, most of it the kernel unpacking aws-cdk-lib.
import * as path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import base from '../../vitest.config.mjs';

export default defineConfig({
  ...base,
  root: path.resolve(import.meta.dirname, '..', '..'),
  test: {
    ...base.test,
    include: ['test/jsii/**/*.test.ts'],
    exclude: configDefaults.exclude,
    maxWorkers: 1,
    testTimeout: 120_000,
  },
});
