// @ts-check
'use strict';
// One entry point's import cost in a fresh Node process, as a user's CommonJS app pays it.
// Usage: node import-cost.cjs <package dir> [specifier[#export]]
// Requires <specifier> (`cdk-orchestration`, `cdk-orchestration/server`, … or another package such as
// `aws-cdk-lib`) the way a module of the package at <package dir> would: the package's own name resolves
// through its package.json "exports" (self-reference), so the compiled dist/ is what loads. Without a
// specifier it loads nothing (the floor: Node's start-up and this script). `#export` also reads that export
// (`aws-cdk-lib#App`: aws-cdk-lib's index loads its modules on first access).
// Prints one JSON line: { requireMs, modules, bytes, packageModules, peers }: the require's own time,
// the files it loaded (require.cache: every module a CommonJS require loads is there) and their bytes,
// how many of them are the package's own, and which optional peers of the container style were among them.
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const [dir, spec] = process.argv.slice(2);
const pkgDir = path.resolve(dir ?? '.');
const before = new Set(Object.keys(require.cache));
const req = createRequire(path.join(pkgDir, 'package.json'));
const t0 = performance.now();
if (spec) {
  const [id, member] = spec.split('#');
  const mod = req(id);
  if (member) void mod[member];
}
const requireMs = performance.now() - t0;

const files = Object.keys(require.cache).filter((f) => !before.has(f));
let bytes = 0;
for (const f of files) {
  try {
    bytes += fs.statSync(f).size;
  } catch {
    // a built-in or a file gone: not counted
  }
}
const own = fs.realpathSync(path.join(pkgDir, 'dist')) + path.sep;
const PEER = /[\\/]node_modules[\\/](cdk8s|@aws-cdk[\\/]lambda-layer-kubectl-v\d+)[\\/]/;
const peers = [...new Set(files.map((f) => PEER.exec(f)?.[1]?.replace(/\\/g, '/')).filter(Boolean))].sort();
console.log(JSON.stringify({ requireMs, modules: files.length, bytes, packageModules: files.filter((f) => f.startsWith(own)).length, peers }));
