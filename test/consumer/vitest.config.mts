// `npm run test:consumer`: the `cdk init` consumer project alone (test/consumer/cdk-init.test.ts), with the
// main config's setup (one temp folder per run, emptied and removed). Kept out of `npm test` (see
// vitest.config.mts): its install of the CLI's default optional dependencies alone takes most of a minute,
// which would take `npm test` past its 90 s; .ci/run runs it once after `npm test`.
import * as path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import base from '../../vitest.config.mjs';

export default defineConfig({
  ...base,
  root: path.resolve(import.meta.dirname, '..', '..'),
  test: {
    ...base.test,
    include: ['test/consumer/cdk-init.test.ts'],
    exclude: configDefaults.exclude,
    maxWorkers: 1,
  },
});
