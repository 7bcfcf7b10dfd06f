import { defineConfig } from 'vitest/config';

// What `npm run mutation` (stryker.config.mjs) runs against each mutant: the unit suites of the pure modules it
// mutates. Whole-stack synth suites stay out: they cover lib/app.ts and lib/validate.ts too, but at seconds per
// mutant (a trial with them tested 4 mutants a minute); real nginx, npm, tsc and the gate stay out as well.
export default defineConfig({
  test: {
    include: [
      'test/constructs/server/nginx-config.test.ts',
      'test/constructs/server/rollout-estimate.test.ts',
      'test/constructs/serverless/traffic-shift.test.ts',
      'test/lib/app.test.ts',
      'test/lib/rollout-estimate.test.ts',
      'test/lib/validate-limits.test.ts',
      'test/lib/validate.test.ts',
      'test/lib/environments.test.ts',
      'test/lib/cli/verify.test.ts',
      'test/lib/cli/format.test.ts',
    ],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    env: { CDK_VALIDATION: 'false' },
    testTimeout: 60_000,
    pool: 'forks',
    isolate: false,
  },
});
