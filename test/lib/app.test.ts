import { CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, resolveApp } from '../../lib/app';
import { formatValue, OrchestrationError } from '../../lib/errors';
import { parseSecretReference, secretReference, secretRefEnvName } from '../../lib/secret-ref';
import { checkConcrete, checkDuration, checkExclusive, checkInteger, checkIsDuration, checkKnownProps, checkOrdered, checkType, checkWholeUnits, durationIn, isDeployTime } from '../../lib/validate';
import { environmentName, sampleStackName } from '../../lib/environments';

const source = { directory: '/app' };

describe('resolveApp: the shared app description', () => {
  it('fills in the documented defaults', () => {
    const app = resolveApp('Where', { source });
    expect(app).toEqual({
      name: 'app',
      source,
      version: undefined,
      command: ['node', 'server.js'],
      handler: 'lambda.handler',
      port: 8080,
      healthCheckPath: '/healthz',
      environment: {},
      secrets: {},
      replicas: {},
      rollout: {},
    });
    expect(APP_DEFAULTS.port).toBe(8080);
  });

  it('keeps what the caller set', () => {
    const app = resolveApp('Where', { source, name: 'api', port: 3000, healthCheckPath: '/ready', command: ['npm', 'start'], replicas: { min: 2, max: 4 }, rollout: { maxSurgePercent: 50, bakeTime: Duration.seconds(30) } });
    expect(app).toMatchObject({ name: 'api', port: 3000, healthCheckPath: '/ready', command: ['npm', 'start'], replicas: { min: 2, max: 4 }, rollout: { maxSurgePercent: 50 } });
  });

  it.each([
    [{ source: {} }, 'Where: app.source ({}) must set `directory` or `image`'],
    [{ source: { directory: '/a', image: 'x' } }, /app.source.directory and app.source.image .* are mutually exclusive/],
    [{ source, name: 'My App' }, 'Where: app.name ("My App") must be lowercase letters, digits and hyphens, starting with a letter, at most 40 characters'],
    [{ source, port: 0 }, 'Where: app.port (0) must be an integer from 1 to 65535'],
    [{ source, port: 70000 }, 'Where: app.port (70000) must be an integer from 1 to 65535'],
    [{ source, healthCheckPath: 'healthz' }, 'Where: app.healthCheckPath ("healthz") must be a path starting with "/" without spaces, query or fragment'],
    [{ source, command: [] }, 'Where: app.command ([]) must be a non-empty list of non-empty strings'],
    [{ source, environment: { 'BAD-NAME': 'x' } }, /app.environment key \("BAD-NAME"\) must be a valid environment variable name/],
    [{ source, environment: { PORT: '80' } }, 'Where: app.environment.PORT ("80") is set by the library (from app.port); remove it'],
    [{ source, environment: { A: 'x' }, secrets: { A: { secretName: 'a' } } }, /app.secrets.A \("A"\) is also set in app.environment/],
    [{ source, replicas: { min: 5, max: 3 } }, /app.replicas.min \(5\) must not exceed app.replicas.max \(3\)/],
    [{ source, replicas: { targetCpuPercent: 0 } }, 'Where: app.replicas.targetCpuPercent (0) must be an integer from 1 to 100'],
    [{ source, rollout: { maxUnavailablePercent: 120 } }, 'Where: app.rollout.maxUnavailablePercent (120) must be a number from 0 to 100'],
    [{ source, rollout: { maxFailurePercent: -1 } }, 'Where: app.rollout.maxFailurePercent (-1) must be a number from 0 to 100'],
    [{ source, rollout: { maxUnavailablePercent: 0, maxSurgePercent: 0 } }, /cannot both be 0: a rollout could never replace a replica/],
    [{ source, version: 'v 1' }, /app.version \("v 1"\) must be letters, digits/],
  ])('rejects %j', (app, message) => {
    expect(() => resolveApp('Where', app as never)).toThrow(message as never);
    try {
      resolveApp('Where', app as never);
    } catch (e) {
      expect(e).toBeInstanceOf(OrchestrationError);
      expect((e as OrchestrationError).path).toBe('Where');
    }
  });
});

describe('validators', () => {
  it('skip values only known at deploy time (tokens)', () => {
    const { Token, Lazy } = require('aws-cdk-lib');
    expect(() => checkInteger('W', 'n', Token.asNumber(Lazy.number({ produce: () => 5 })), { min: 1, max: 2 })).not.toThrow();
    expect(() => checkDuration('W', 'd', Duration.seconds(Token.asNumber(Lazy.number({ produce: () => 5 }))), { min: Duration.seconds(1), max: Duration.seconds(2) })).not.toThrow();
  });

  it('name every prop of a contradiction', () => {
    expect(() => checkExclusive('W', { a: 1, b: undefined, c: 'x' })).toThrow('W: a and c ({"a":1,"c":"x"}) are mutually exclusive: set only one of a, b, c');
    expect(() => checkExclusive('W', { a: 1, b: undefined })).not.toThrow();
  });

  it('accept only whole seconds or minutes where an API counts in them', () => {
    expect(() => checkWholeUnits('W', 'd', Duration.millis(1500), 'seconds', 'must be whole seconds')).toThrow('W: d (1 second 500 millis) must be whole seconds');
    expect(() => checkWholeUnits('W', 'd', Duration.seconds(90), 'minutes', 'must be whole minutes')).toThrow('W: d (1 minute 30 seconds) must be whole minutes');
    expect(() => checkWholeUnits('W', 'd', Duration.minutes(2), 'seconds', 'x')).not.toThrow();
    expect(() => checkDuration('W', 'd', Duration.millis(500), { min: Duration.millis(1), max: Duration.seconds(1) })).not.toThrow();
  });

  it('compare bounds', () => {
    expect(() => checkOrdered('W', 'minCapacity', 5, 'maxCapacity', 3)).toThrow('W: minCapacity (5) must not exceed maxCapacity (3)');
  });

  it('print values readably', () => {
    expect(formatValue('x')).toBe('"x"');
    expect(formatValue(Duration.minutes(2))).toBe('2 minutes');
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue('y'.repeat(300)).length).toBeLessThanOrEqual(240);
  });
});

describe('secret references', () => {
  it('round-trip through the one string format', () => {
    expect(secretReference({ secretName: 'db', jsonField: 'pw' }, 'db')).toBe('secretsmanager:db#pw');
    expect(secretReference({ parameterName: '/p' }, '/p')).toBe('ssm:/p');
    expect(parseSecretReference('secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:db-x#pw')).toEqual({ service: 'secretsmanager', id: 'arn:aws:secretsmanager:eu-west-1:1:secret:db-x', jsonField: 'pw' });
    expect(parseSecretReference('ssm:/p')).toEqual({ service: 'ssm', id: '/p' });
    expect(() => parseSecretReference('vault:x')).toThrow(/not a secret reference/);
    expect(() => parseSecretReference('ssm:/p#f')).toThrow(/ssm reference has no JSON field/);
    expect(secretRefEnvName('DB')).toBe('DB_SECRET_REF');
  });
});

describe('environments', () => {
  it('default to dev and name stacks by style and environment', () => {
    expect(environmentName(undefined)).toBe('dev');
    expect(environmentName('prod')).toBe('prod');
    expect(sampleStackName('Serverless', 'stage')).toBe('SampleServerless-stage');
  });
});

describe('checks for callers without a type checker', () => {
  it('names an unknown prop and suggests the close one', () => {
    const known: Record<'memorySize' | 'timeout', true> = { memorySize: true, timeout: true };
    expect(() => checkKnownProps('W', { memsize: 256 }, known)).toThrow('W: memsize (256) is not a known prop: did you mean memorySize? known props are memorySize, timeout');
    expect(() => checkKnownProps('W', { app: {} }, known, 'x.')).toThrow('W: x.app ({}) is not a known prop: known props are memorySize, timeout');
    expect(() => checkKnownProps('W', 'nope', known)).toThrow('W: props ("nope") must be an object');
    expect(() => checkKnownProps('W', { timeout: 1 }, known)).not.toThrow();
  });

  it('rejects a wrong primitive type or NaN, and a non-Duration for a Duration prop', () => {
    expect(() => checkType('W', 'memorySize', '256', 'number')).toThrow('W: memorySize ("256") must be a number');
    expect(() => checkType('W', 'memorySize', Number.NaN, 'number')).toThrow('W: memorySize (NaN) must be a number');
    expect(() => checkIsDuration('W', 'timeout', 30)).toThrow('W: timeout (30) must be a Duration, for example Duration.seconds(30)');
    expect(() => checkDuration('W', 'timeout', 30 as never, { min: Duration.seconds(1), max: Duration.seconds(2) })).toThrow('W: timeout (30) must be a Duration');
  });
});

describe('resolveApp for callers without a type checker', () => {
  const source = { directory: '/app' };
  it('names a misspelled field at any level, with the close one', () => {
    expect(() => resolveApp('W', { source, replica: { min: 2 } } as never)).toThrow('W: app.replica ({"min":2}) is not a known prop: did you mean app.replicas? known props are');
    expect(() => resolveApp('W', { source, replicas: { minimum: 2 } } as never)).toThrow('W: app.replicas.minimum (2) is not a known prop: did you mean app.replicas.min? known props are min, max, targetCpuPercent');
    expect(() => resolveApp('W', { source, rollout: { bake: 1 } } as never)).toThrow('W: app.rollout.bake (1) is not a known prop');
    expect(() => resolveApp('W', { source: { dir: '/x' } } as never)).toThrow('W: app.source.dir ("/x") is not a known prop: did you mean app.source.directory?');
    expect(() => resolveApp('W', { source, secrets: { DB: { name: 'db' } } } as never)).toThrow('W: app.secrets.DB.name ("db") is not a known prop');
  });

  it('rejects a wrong type where a pattern would have coerced it', () => {
    expect(() => resolveApp('W', { source, version: 1 } as never)).toThrow('W: app.version (1) must be a string');
    expect(() => resolveApp('W', { source, port: '8080' } as never)).toThrow('W: app.port ("8080") must be a number');
    expect(() => resolveApp('W', { source, replicas: { min: Number.NaN } } as never)).toThrow('W: app.replicas.min (NaN) must be a number');
    expect(() => resolveApp('W', { source, rollout: { bakeTime: 30 } } as never)).toThrow('W: app.rollout.bakeTime (30) must be a Duration');
    expect(() => resolveApp('W', { source, rollout: { autoRollback: 'yes' } } as never)).toThrow('W: app.rollout.autoRollback ("yes") must be a boolean');
  });
});

describe('deploy-time values (tokens)', () => {
  const token = () => new CfnParameter(new Stack(), 'P', { type: 'Number' }).valueAsNumber;
  it('isDeployTime sees numbers, strings, Durations and lists', () => {
    expect([isDeployTime(token()), isDeployTime(Token.asString(token())), isDeployTime(Duration.seconds(token())), isDeployTime(['a', Token.asString(token())])]).toEqual([true, true, true, true]);
    expect([isDeployTime(3), isDeployTime('x'), isDeployTime(Duration.seconds(3)), isDeployTime(['a']), isDeployTime(undefined)]).toEqual([false, false, false, false, false]);
  });
  it('checkConcrete names the prop and why', () => {
    expect(() => checkConcrete('W', 'fleetSize', token(), 'it decides how many instances exist')).toThrow(/^W: fleetSize \("\$\{Token\[.*\]\}"\) must be a concrete value, not a deploy-time value \(token\): it decides how many instances exist$/);
    expect(() => checkConcrete('W', 'fleetSize', 3, 'x')).not.toThrow();
  });
  it('durationIn keeps a token in its own unit, and names the prop for another unit', () => {
    expect(Token.isUnresolved(durationIn('W', 'timeout', Duration.seconds(token()), 'seconds', 'x'))).toBe(true);
    expect(durationIn('W', 'timeout', Duration.minutes(2), 'seconds', 'x')).toBe(120);
    expect(durationIn('W', 'timeout', undefined, 'seconds', 'x')).toBeUndefined();
    expect(() => durationIn('W', 'timeout', Duration.minutes(token()), 'seconds', "Lambda's Timeout counts seconds")).toThrow(
      "must be written as Duration.seconds(...) when its amount is a deploy-time value: Lambda's Timeout counts seconds, and CloudFormation cannot convert units",
    );
  });
});
