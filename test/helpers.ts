import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { OrchestrationError } from '../lib/errors';

export const ROOT = path.resolve(__dirname, '..');
export const SAMPLE_APP_DIR = path.join(ROOT, 'apps', 'sample-app');

/** The context (feature flags) of cdk.json: tests synthesize exactly as `cdk synth` does. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;

/** A new App with cdk.json's context (plus extra context) and a fresh output folder. */
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

/** Runs `fn` and returns the OrchestrationError it throws; fails the test if it throws nothing or anything else. */
export function orchestrationErrorFrom(fn: () => unknown): OrchestrationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OrchestrationError);
    return e as OrchestrationError;
  }
  throw new Error('expected an OrchestrationError, nothing was thrown');
}
