// The order vitest starts test files in. Its own order puts the slowest files first only when it has
// timings cached from an earlier run (node_modules/.vite); on a fresh clone, as in CI, it goes by file
// size, and a long file started late decides the wall time. The files listed here are the long poles
// (the consumer tests pack the package and install it in two projects, the nginx suites run real
// processes, the gate runs the built-in validation): they start first, in this order, and the rest
// follow vitest's order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const LONG_POLES = [
  'test/consumer/cdk-init.test.ts',
  'test/consumer/legacy-cjs.test.ts',
  'test/constructs/server/nginx-rollout.test.ts',
  'test/constructs/server/rollout-script.test.ts',
  'test/gate.test.ts',
];

export default class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_POLES.findIndex((p) => f.moduleId.replaceAll('\\', '/').endsWith(`/${p}`));
      return i < 0 ? LONG_POLES.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b)); // stable: vitest's order within each rank
  }
}
