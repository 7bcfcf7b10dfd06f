// @ts-check
'use strict';
// Splits aws-cdk-lib's built-in CloudFormation validation (the CloudFormationValidatePlugin that
// every app.synth() runs unless CDK_VALIDATION=false) into: loading its WASM module
// (@aws/cloudformation-validate, ~9 MB), initialising its engine with the schemas of the
// resource types present, and validating the templates with a warm engine.
// Usage: node cfn-validate-cost.cjs <cloud assembly dir>. Prints one JSON line.
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const files = Object.values(manifest.artifacts)
  .filter((a) => a.type === 'aws:cloudformation:stack')
  .map((a) => path.join(dir, a.properties.templateFile));
const types = new Set(files.flatMap((f) => Object.values(JSON.parse(fs.readFileSync(f, 'utf8')).Resources ?? {}).map((r) => r.Type)));
const cdk = require('aws-cdk-lib');
const context = {
  templatePaths: files,
  stackTemplates: files.map((f) => ({ templatePath: f, stackConstructPath: path.basename(f, '.template.json'), accountId: undefined, region: undefined })),
};
const t0 = performance.now();
const cdkLibRequire = require('node:module').createRequire(require.resolve('aws-cdk-lib'));
cdkLibRequire('@aws/cloudformation-validate');
const t1 = performance.now();
const plugin = new cdk.CloudFormationValidatePlugin();
plugin.validate(/** @type {any} */ (context));
const t2 = performance.now();
plugin.validate(/** @type {any} */ (context));
const t3 = performance.now();
process.stdout.write(
  `${JSON.stringify({ templates: files.length, resourceTypes: types.size, loadMs: t1 - t0, initMs: t2 - t1 - (t3 - t2), validateMs: t3 - t2 })}\n`,
);
