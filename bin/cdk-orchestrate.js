#!/usr/bin/env node
// @ts-check
'use strict';
// Launcher of the `cdk-orchestrate` command. In a source checkout (bin/cli.ts beside this file and tsx installed
// as a devDependency) it runs the TypeScript source through tsx, so that `npm ci && npx cdk-orchestrate` needs no
// build step and never runs a stale build. In the published package (no bin/cli.ts, no tsx) it runs the compiled
// dist/bin/cli.js.
const fs = require('node:fs');

// `cdk-orchestrate status X | head` closes our stdout early: that is not an error.
process.stdout.on('error', (e) => {
  if (/** @type {NodeJS.ErrnoException} */ (e).code === 'EPIPE') process.exit(0);
  throw e;
});
const path = require('node:path');

const source = path.join(__dirname, 'cli.ts');
const compiled = path.join(__dirname, '..', 'dist', 'bin', 'cli.js');

/** @returns {boolean} */
function hasTsx() {
  try {
    require.resolve('tsx/cjs/api');
    return true;
  } catch {
    return false;
  }
}

// The AWS SDK clients are optional dependencies: projects that only import the constructs can leave them out.
// Nothing here or at start-up loads them: the commands that call AWS do, and say which ones to install if missing.

/** @type {{ main: () => void }} */
let cli;
if (fs.existsSync(source) && hasTsx()) {
  require('tsx/cjs/api').register();
  cli = require(source);
} else if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  process.stderr.write(`cdk-orchestrate: found neither ${compiled} nor tsx to run ${source}; run \`npm ci\` or \`npm run build\`.\n`);
  process.exit(1);
}
cli.main();
