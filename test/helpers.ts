// What the test files import. The helpers that need no test runner live in test/support.ts (the
// benchmark uses them outside vitest); only what needs vitest itself is defined here.
import { expect } from 'vitest';
import { OrchestrationError } from '../lib/errors';

export { CDK_CONTEXT, NO_ASSET_STAGING_KEY, ROOT, SAMPLE_APP_DIR, freePort, onlyResource, templateOf, testApp, testStack } from './support';

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
