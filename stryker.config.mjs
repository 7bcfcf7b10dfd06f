// `npm run mutation`: Stryker mutates the pure modules (renderers, validators, estimators, the CLI's logic) and
// runs the suites of test/mutation/vitest.config.mts against each mutant. Not part of `npm test` or .ci/run: about
// 16 minutes on 2 cores. Its score and the surviving mutants, judged, go in docs/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.config.mts' },
  coverageAnalysis: 'perTest',
  mutate: [
    'constructs/server/nginx-config.ts',
    'lib/environments.ts',
    'lib/app.ts',
    'lib/cli/verify.ts',
    'lib/validate.ts',
    'constructs/serverless/traffic-shift.ts',
    'lib/rollout-estimate.ts',
  ],
  // No type checker: TypeScript 7 has no JS API, so @stryker-mutator/typescript-checker cannot run. And no
  // `// @ts-nocheck` insertion: it would change the sample app's fingerprint (and so the snapshots).
  checkers: [],
  disableTypeChecks: false,
  // TypeScript 7 has no JS API (no ts.parseConfigFileTextToJson) for Stryker's tsconfig rewrite: point it at a
  // file that does not exist, so it leaves tsconfig.json alone (it has no extends or references to rewrite).
  tsconfigFile: 'tsconfig.stryker-none.json',
  // A folder of its own, removed after every run, failed or not.
  tempDirName: '.stryker-tmp',
  // Stryker copies the project into its sandbox and does not read .gitignore: leave out the git-ignored outputs
  // (a synth's cdk.out, builds, packed tarballs, other runs' sandboxes) so a run copies only the sources.
  ignorePatterns: ['cdk.out', 'dist', 'manifests', '*.tgz', '.vitest-cache', 'coverage', 'scratch', '.jsii', 'reports', '.stryker-tmp*'],
  cleanTempDir: 'always',
  concurrency: 2,
  reporters: ['clear-text', 'progress'],
  thresholds: { high: 90, low: 85, break: 90 },
};
