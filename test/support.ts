// Helpers for building and reading test stacks that need no test runner: the test files reach
// them through test/helpers.ts, and the benchmark's suite-synth probe (bench/probe/suite-synth.ts)
// imports them directly, outside vitest. Keep vitest (and anything that imports it) out of here.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const SAMPLE_APP_DIR = path.join(ROOT, 'apps', 'sample-app');

/**
 * Context that makes a synth reference its file assets where they are instead of copying them
 * into the cloud assembly (aws-cdk-lib's `aws:cdk:disable-asset-staging`, what `cdk deploy
 * --no-staging` sets). Templates are the same (asset hashes come from the sources); a container
 * stack's synth no longer copies the ~60 MB of kubectl and AWS CLI layer zips. A test that reads
 * a staged asset folder from an outdir passes `{ [NO_ASSET_STAGING_KEY]: false }` as extra context.
 */
export const NO_ASSET_STAGING_KEY = cxapi.DISABLE_ASSET_STAGING_CONTEXT;

/**
 * The context of an in-suite synth: cdk.json's context (its feature flags: the templates are the
 * ones `cdk synth` writes) plus no asset staging (see NO_ASSET_STAGING_KEY).
 */
export const CDK_CONTEXT: Record<string, unknown> = {
  ...JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context,
  [NO_ASSET_STAGING_KEY]: true,
};

/**
 * A new App with CDK_CONTEXT (plus extra context). Its output folder is a fresh `cdk.out*` in the
 * temp folder (aws-cdk-lib's default); test/setup.ts empties the worker's temp folder after each
 * test file, and a script outside vitest removes `app.outdir` itself.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_CONTEXT, ...context } });
}

/** A stack in a fresh test app with a fixed account and region. */
export function testStack(id = 'Test', context: Record<string, unknown> = {}): Stack {
  return new Stack(testApp(context), id, { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** The template of a stack. */
export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** The only resource of a type in a template (fails when there are several). */
export function onlyResource(template: Template, type: string): { Type: string; Properties: any; [k: string]: any } {
  const found = Object.values(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as any;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a server a test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
