// lib/environments.ts without a synth: the sample environments, how `-c env=...` is read, the sample stacks'
// names, and what the e2e suite's sample-app variant changes.
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_SIZES, ENVIRONMENTS, EnvironmentNameError, environmentName, sampleAppSettings, sampleStackName } from '../../lib/environments';

describe('ENVIRONMENTS and ENVIRONMENT_SIZES', () => {
  it('are dev, stage and prod, in that order', () => {
    expect(ENVIRONMENTS).toEqual(['dev', 'stage', 'prod']);
    expect(Object.keys(ENVIRONMENT_SIZES)).toEqual([...ENVIRONMENTS]);
  });

  it('size dev as the book, stage the same but for Lambda memory, prod larger', () => {
    expect(ENVIRONMENT_SIZES.dev).toEqual({ functionMemoryMb: 128, minReplicas: 3, maxReplicas: 10 });
    expect(ENVIRONMENT_SIZES.stage).toEqual({ functionMemoryMb: 256, minReplicas: 3, maxReplicas: 10 });
    expect(ENVIRONMENT_SIZES.prod).toEqual({ functionMemoryMb: 512, minReplicas: 4, maxReplicas: 20 });
  });

  it('keep every minimum within its maximum', () => {
    for (const env of ENVIRONMENTS) expect(ENVIRONMENT_SIZES[env].minReplicas).toBeLessThanOrEqual(ENVIRONMENT_SIZES[env].maxReplicas);
  });
});

describe('environmentName: -c env=...', () => {
  it('defaults to dev', () => {
    expect(environmentName(undefined)).toBe('dev');
  });

  it.each(['dev', 'stage', 'prod'])('accepts %s', (env) => {
    expect(environmentName(env)).toBe(env);
  });

  it.each([
    ['qa', '-c env=qa is not an environment: use one of dev, stage, prod (default dev)'],
    ['', '-c env= is not an environment: use one of dev, stage, prod (default dev)'],
    ['Prod', '-c env=Prod is not an environment: use one of dev, stage, prod (default dev)'],
    [' dev', '-c env= dev is not an environment: use one of dev, stage, prod (default dev)'],
    [true, '-c env=true is not an environment: use one of dev, stage, prod (default dev)'],
    [1, '-c env=1 is not an environment: use one of dev, stage, prod (default dev)'],
    [null, '-c env=null is not an environment: use one of dev, stage, prod (default dev)'],
  ])('rejects %j with an EnvironmentNameError naming the value and the environments', (value, message) => {
    let thrown: unknown;
    try {
      environmentName(value);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EnvironmentNameError);
    expect(thrown).toBeInstanceOf(Error);
    const e = thrown as EnvironmentNameError;
    expect(e.message).toBe(message);
    expect(e.value).toBe(value);
  });

  it('names its error class, so bin/app.ts can tell a command-line mistake from a bug', () => {
    const e = new EnvironmentNameError('qa');
    expect(e.name).toBe('EnvironmentNameError');
    expect(String(e)).toBe('EnvironmentNameError: -c env=qa is not an environment: use one of dev, stage, prod (default dev)');
  });
});

describe('sampleStackName', () => {
  it.each([
    ['Server', 'dev', 'SampleServer-dev'],
    ['Vm', 'stage', 'SampleVm-stage'],
    ['Container', 'prod', 'SampleContainer-prod'],
    ['Serverless', 'dev', 'SampleServerless-dev'],
  ] as const)('names the %s sample in %s %s', (style, env, name) => {
    expect(sampleStackName(style, env)).toBe(name);
  });

  it('appends the e2e suite\'s suffix after a dash', () => {
    expect(sampleStackName('Serverless', 'dev', 'e2e1a2b3c')).toBe('SampleServerless-dev-e2e1a2b3c');
  });

  it('adds no dash for an empty suffix', () => {
    expect(sampleStackName('Vm', 'prod', '')).toBe('SampleVm-prod');
    expect(sampleStackName('Vm', 'prod', undefined)).toBe('SampleVm-prod');
  });
});

describe('sampleAppSettings: what the e2e variant changes in the sample app', () => {
  it('is exactly NODE_ENV=production and no version without a variant', () => {
    expect(sampleAppSettings()).toStrictEqual({ environment: { NODE_ENV: 'production' } });
    expect(sampleAppSettings({})).toStrictEqual({ environment: { NODE_ENV: 'production' } });
    expect(Object.keys(sampleAppSettings({}))).toEqual(['environment']);
  });

  it('sets the version when the variant has one', () => {
    expect(sampleAppSettings({ version: 'e2e-2' })).toStrictEqual({ version: 'e2e-2', environment: { NODE_ENV: 'production' } });
  });

  it('turns on the health-check failure switch only when failHealth is true', () => {
    expect(sampleAppSettings({ failHealth: true })).toStrictEqual({ environment: { NODE_ENV: 'production', SAMPLE_APP_FAIL_HEALTH: '1' } });
    expect(sampleAppSettings({ failHealth: false })).toStrictEqual({ environment: { NODE_ENV: 'production' } });
  });

  it('combines both', () => {
    expect(sampleAppSettings({ version: 'v2', failHealth: true })).toStrictEqual({ version: 'v2', environment: { NODE_ENV: 'production', SAMPLE_APP_FAIL_HEALTH: '1' } });
  });
});
