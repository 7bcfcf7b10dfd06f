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

// The AWS SDK clients are optional peer dependencies: projects that only import the constructs don't
// install them. Say exactly what to install instead of failing with a module-not-found stack trace.
const SDK_CLIENTS = ['client-auto-scaling', 'client-codedeploy', 'client-ec2', 'client-eks', 'client-lambda', 'client-ssm'].map((c) => `@aws-sdk/${c}`);
const missing = SDK_CLIENTS.filter((name) => {
  try {
    require.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  process.stderr.write(`cdk-orchestrate needs the AWS SDK clients it calls, which are optional peer dependencies of cdk-orchestration.\nInstall them with: npm install --save-dev ${missing.join(' ')}\n`);
  process.exit(2);
}

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
