/** Makes template text machine-independent: asset hashes, `currentVersion` logical ids, the Node runtime map. */
export function normalizeSnapshotText(text: string): string {
  return text
    .replace(/[0-9a-f]{64}/g, '[HASH]')
    .replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1[VERSION]')
    .replace(/"LatestNodeRuntimeMap": \{[\s\S]*?\n {4}\}/g, '"LatestNodeRuntimeMap": "[RUNTIME MAP]"');
}
