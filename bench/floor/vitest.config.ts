// The test-tool floor: vitest with the suite's settings and one trivial test, to separate
// the runner's fixed start-up cost from what the suite itself costs.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/floor/*.check.ts'],
    env: { CDK_VALIDATION: 'false' },
    pool: 'forks',
    reporters: ['default'],
  },
});
