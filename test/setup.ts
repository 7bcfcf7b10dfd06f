// One place that makes snapshots machine-independent (see normalize.ts): every object or array
// snapshot is printed as normalised JSON.
import { expect } from 'vitest';
import { normalizeSnapshotText } from './normalize';

expect.addSnapshotSerializer({
  test: (val: unknown) => val !== null && typeof val === 'object' && (Array.isArray(val) || Object.getPrototypeOf(val) === Object.prototype),
  serialize: (val: unknown) => normalizeSnapshotText(JSON.stringify(val, null, 2)),
});
