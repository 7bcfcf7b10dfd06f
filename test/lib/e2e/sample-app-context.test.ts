// The e2e suite and the sample app agree: the context keys the suite passes are the ones the sample app reads,
// and they do what the suite relies on (a stack-name suffix, the app version, the health-check failure switch).
import { describe, expect, it } from 'vitest';
import { createSampleApp, E2E_CONTEXT as APP_CONTEXT } from '../../../apps/sample-app-stacks';
import { E2E_CONTEXT, e2eStackName, FAIL_HEALTH_ENV, SUFFIX_PATTERN } from '../../../lib/e2e/plan';
import { OrchestrationError } from '../../../lib/errors';
import { CDK_CONTEXT } from '../../helpers';

describe('the sample app reads what the e2e suite passes', () => {
  it('uses the same context keys', () => {
    expect(E2E_CONTEXT).toMatchObject(APP_CONTEXT);
  });

  it('names every stack with the suffix, sets the version and the failure switch (only when asked)', () => {
    const context = { ...CDK_CONTEXT, [APP_CONTEXT.stackSuffix]: 'e2eabc123', [APP_CONTEXT.appVersion]: 'e2eabc123-v3-failhealth', [APP_CONTEXT.failHealth]: 'true' };
    const { stacks } = createSampleApp({ context, gate: false });
    expect(stacks.serverless.stackName).toBe(e2eStackName('serverless', 'dev', 'e2eabc123'));
    expect(stacks.vm.stackName).toBe(e2eStackName('vm', 'dev', 'e2eabc123'));
    expect(stacks.serverless.service.app.version).toBe('e2eabc123-v3-failhealth');
    expect(stacks.serverless.service.app.environment).toMatchObject({ NODE_ENV: 'production', [FAIL_HEALTH_ENV]: '1' });
    const plain = createSampleApp({ context: CDK_CONTEXT, gate: false }).stacks.serverless;
    expect(plain.stackName).toBe('SampleServerless-dev');
    expect(plain.service.app.environment).toEqual({ NODE_ENV: 'production' });
  });

  it('rejects a suffix the suite would never make, naming the option', () => {
    expect(SUFFIX_PATTERN.test('e2eabc123')).toBe(true);
    expect(() => createSampleApp({ context: { ...CDK_CONTEXT, [APP_CONTEXT.stackSuffix]: 'Bad_Suffix' }, gate: false })).toThrow(OrchestrationError);
    expect(() => createSampleApp({ context: { ...CDK_CONTEXT, [APP_CONTEXT.stackSuffix]: 'Bad_Suffix' }, gate: false })).toThrow(/stackSuffix/);
  });
});
