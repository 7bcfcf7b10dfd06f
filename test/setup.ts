// One place that makes snapshots machine-independent: asset hashes, the logical ids of
// `currentVersion` Lambda versions, and the Node runtime mapping aws-cdk-lib keeps updating.
import { expect } from 'vitest';

export function normalizeSnapshotText(text: string): string {
  return text
    .replace(/[0-9a-f]{64}/g, '[HASH]')
    .replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1[VERSION]')
    .replace(/"LatestNodeRuntimeMap": \{[\s\S]*?\n {4}\}/g, '"LatestNodeRuntimeMap": "[RUNTIME MAP]"');
}

expect.addSnapshotSerializer({
  test: (val: unknown) => val !== null && typeof val === 'object' && (Array.isArray(val) || Object.getPrototypeOf(val) === Object.prototype),
  serialize: (val: unknown) => normalizeSnapshotText(JSON.stringify(val, null, 2)),
});
