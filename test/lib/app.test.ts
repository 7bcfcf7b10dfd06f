import { CfnOutput, CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { bindSecrets } from '../../constructs/shared/secrets';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, AppSecret, AppSource, resolveApp, validateSecret } from '../../lib/app';
import { formatValue, OrchestrationError } from '../../lib/errors';
import { parseSecretReference, secretReference, secretRefEnvName } from '../../lib/secret-ref';
import { checkConcrete, checkDuration, checkExclusive, checkInteger, checkIsDuration, checkKnownProps, checkOrdered, checkType, checkWholeUnits, durationIn, isDeployTime } from '../../lib/validate';
import { ENVIRONMENT_SIZES, environmentName, sampleStackName } from '../../lib/environments';

// Made before the tests, not at import: a mutant (npm run mutation) that makes the factory throw fails a test
// instead of failing the file's import (which Stryker counts as an error, not a kill).
let source: AppSource;
beforeAll(() => {
  source = AppSource.fromDirectory('/app');
});

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
    [{ source: {} }, 'Where: app.source ({}) must be made with AppSource.fromDirectory() or AppSource.fromImage()'],
    [{ source: { directory: '/a', image: 'x' } }, 'Where: app.source ({"directory":"/a","image":"x"}) must be made with AppSource.fromDirectory() or AppSource.fromImage()'],
    [{ source: undefined }, 'Where: app.source (undefined) must be made with AppSource.fromDirectory() or AppSource.fromImage()'],
    [{ name: 'My App' }, 'Where: app.name ("My App") must be lowercase letters, digits and hyphens, starting with a letter, at most 40 characters'],
    [{ name: 'my_app' }, 'Where: app.name ("my_app") must be lowercase letters, digits and hyphens, starting with a letter, at most 40 characters'],
    [{ name: 'a'.repeat(41) }, `Where: app.name ("${'a'.repeat(41)}") must be lowercase letters, digits and hyphens, starting with a letter, at most 40 characters`],
    [{ handler: 'index' }, 'Where: app.handler ("index") must be of the form `file.export`, for example "lambda.handler"'],
    [{ handler: 'lambda.handler()' }, 'Where: app.handler ("lambda.handler()") must be of the form `file.export`, for example "lambda.handler"'],
    [{ handler: 'my lambda.handler' }, 'Where: app.handler ("my lambda.handler") must be of the form `file.export`, for example "lambda.handler"'],
    [{ handler: 'lambda.1handler' }, 'Where: app.handler ("lambda.1handler") must be of the form `file.export`, for example "lambda.handler"'],
    [{ port: 0 }, 'Where: app.port (0) must be an integer from 1 to 65535'],
    [{ port: 70000 }, 'Where: app.port (70000) must be an integer from 1 to 65535'],
    [{ healthCheckPath: 'healthz' }, 'Where: app.healthCheckPath ("healthz") must be a path starting with "/" without spaces, query or fragment'],
    [{ healthCheckPath: 'api/healthz' }, 'Where: app.healthCheckPath ("api/healthz") must be a path starting with "/" without spaces, query or fragment'],
    [{ healthCheckPath: '/healthz?full=1' }, 'Where: app.healthCheckPath ("/healthz?full=1") must be a path starting with "/" without spaces, query or fragment'],
    [{ healthCheckPath: '/health check' }, 'Where: app.healthCheckPath ("/health check") must be a path starting with "/" without spaces, query or fragment'],
    [{ command: [] }, 'Where: app.command ([]) must be a non-empty list of non-empty strings'],
    [{ command: ['node', ''] }, 'Where: app.command[1] ("") must be a non-empty string (one argument of the command)'],
    [{ command: [42] }, 'Where: app.command[0] (42) must be a non-empty string (one argument of the command)'],
    [{ command: ['node', 42] }, 'Where: app.command[1] (42) must be a non-empty string (one argument of the command)'],
    [{ environment: { 'BAD-NAME': 'x' } }, /app.environment key \("BAD-NAME"\) must be a valid environment variable name/],
    [{ environment: { PORT: '80' } }, 'Where: app.environment.PORT ("80") is set by the library (from app.port); remove it'],
    [{ environment: { APP_VERSION: '1.0' } }, 'Where: app.environment.APP_VERSION ("1.0") is set by the library (from app.version); remove it'],
    [{ environment: { LOG_LEVEL: 3 } }, 'Where: app.environment.LOG_LEVEL (3) must be a string'],
    [{ replicas: { min: 5, max: 3 } }, /app.replicas.min \(5\) must not exceed app.replicas.max \(3\)/],
    [{ replicas: { min: -1 } }, 'Where: app.replicas.min (-1) must be an integer from 0 to 1000'],
    [{ replicas: { min: 1001 } }, 'Where: app.replicas.min (1001) must be an integer from 0 to 1000'],
    [{ replicas: { max: 0 } }, 'Where: app.replicas.max (0) must be an integer from 1 to 1000'],
    [{ replicas: { targetCpuPercent: 0 } }, 'Where: app.replicas.targetCpuPercent (0) must be an integer from 1 to 100'],
    [{ rollout: { maxUnavailablePercent: 120 } }, 'Where: app.rollout.maxUnavailablePercent (120) must be a number from 0 to 100'],
    [{ rollout: { maxFailurePercent: -1 } }, 'Where: app.rollout.maxFailurePercent (-1) must be a number from 0 to 100'],
    [{ rollout: { maxSurgePercent: -1 } }, 'Where: app.rollout.maxSurgePercent (-1) must be a number from 0 to 100'],
    [{ rollout: { maxSurgePercent: 101 } }, 'Where: app.rollout.maxSurgePercent (101) must be a number from 0 to 100'],
    [
      { rollout: { maxUnavailablePercent: 0, maxSurgePercent: 0 } },
      'Where: app.rollout.maxUnavailablePercent and app.rollout.maxSurgePercent ({"maxUnavailablePercent":0,"maxSurgePercent":0}) cannot both be 0: a rollout could never replace a replica',
    ],
    [{ version: 'v 1' }, /app.version \("v 1"\) must be letters, digits/],
    [{ version: 'v'.repeat(65) }, `Where: app.version ("${'v'.repeat(65)}") must be letters, digits, ".", "_", "+" or "-", at most 64 characters`],
  ])('rejects %j (with a valid source unless the row sets one)', (fields, message) => {
    const app = { source, ...fields };
    expect(() => resolveApp('Where', app as never)).toThrow(message as never);
    try {
      resolveApp('Where', app as never);
    } catch (e) {
      expect(e).toBeInstanceOf(OrchestrationError);
      expect((e as OrchestrationError).path).toBe('Where');
    }
  });

  it.each([undefined, null, 'api', 8080])('rejects %j as the description itself', (app) => {
    expect(() => resolveApp('Where', app as never)).toThrow(`Where: app (${formatValue(app)}) must be an app description with at least \`source\``);
  });

  it('rejects a secret under an invalid environment variable name, or under a name the environment already sets', () => {
    const db = AppSecret.fromSecretName('prod/db');
    expect(() => resolveApp('Where', { source, secrets: { 'db-password': db } })).toThrow('Where: app.secrets key ("db-password") must be a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
    expect(() => resolveApp('Where', { source, environment: { A: 'x' }, secrets: { A: db } })).toThrow(
      'Where: app.secrets.A ("A") is also set in app.environment: a name is either plain configuration or a secret',
    );
    expect(resolveApp('Where', { source, environment: { A: 'x' }, secrets: { DB_PASSWORD: db } }).secrets).toEqual({ DB_PASSWORD: db });
  });
});

describe('resolveApp accepts every range exactly at its limits', () => {
  it('accepts replicas with min equal to max, and each bound at its end', () => {
    expect(resolveApp('Where', { source, replicas: { min: 3, max: 3 } }).replicas).toEqual({ min: 3, max: 3 });
    expect(resolveApp('Where', { source, replicas: { min: 0, max: 1, targetCpuPercent: 1 } }).replicas).toEqual({ min: 0, max: 1, targetCpuPercent: 1 });
    expect(resolveApp('Where', { source, replicas: { min: 1000, max: 1000, targetCpuPercent: 100 } }).replicas).toEqual({ min: 1000, max: 1000, targetCpuPercent: 100 });
    expect(() => resolveApp('Where', { source, replicas: { max: 1001 } })).toThrow('Where: app.replicas.max (1001) must be an integer from 1 to 1000');
  });

  it.each([
    ['name', 'api-v2'],
    ['name', 'a'.repeat(40)],
    ['handler', 'lambda.handler'],
    ['handler', 'dist/api/index.main'],
    ['handler', 'index.$handler_2'],
    ['healthCheckPath', '/'],
    ['healthCheckPath', '/api/v1/health-check'],
    ['version', '1.2.3+build.7'],
    ['version', 'v'.repeat(64)],
  ] as const)('accepts %s %j', (field, value) => {
    expect(resolveApp('Where', { source, [field]: value })[field]).toBe(value);
  });

  it('accepts ports 1 and 65535', () => {
    expect(resolveApp('Where', { source, port: 1 }).port).toBe(1);
    expect(resolveApp('Where', { source, port: 65535 }).port).toBe(65535);
  });

  it('accepts no unavailability with a surge, a surge of 0 with unavailability, and 100 %', () => {
    expect(resolveApp('Where', { source, rollout: { maxUnavailablePercent: 0, maxSurgePercent: 25 } }).rollout).toEqual({ maxUnavailablePercent: 0, maxSurgePercent: 25 });
    expect(resolveApp('Where', { source, rollout: { maxUnavailablePercent: 25, maxSurgePercent: 0 } }).rollout).toEqual({ maxUnavailablePercent: 25, maxSurgePercent: 0 });
    const all = { maxUnavailablePercent: 100, maxSurgePercent: 100, maxFailurePercent: 100 };
    expect(resolveApp('Where', { source, rollout: all }).rollout).toEqual(all);
    expect(resolveApp('Where', { source, rollout: { maxFailurePercent: 0 } }).rollout).toEqual({ maxFailurePercent: 0 });
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
    expect(secretReference(AppSecret.fromSecretName('db', { jsonField: 'pw' }), 'db')).toBe('secretsmanager:db#pw');
    expect(secretReference(AppSecret.fromParameterName('/p'), '/p')).toBe('ssm:/p');
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

  it('size dev as the book, stage the same but for Lambda memory, prod larger', () => {
    expect(ENVIRONMENT_SIZES).toEqual({
      dev: { functionMemoryMb: 128, minReplicas: 3, maxReplicas: 10 },
      stage: { functionMemoryMb: 256, minReplicas: 3, maxReplicas: 10 },
      prod: { functionMemoryMb: 512, minReplicas: 4, maxReplicas: 20 },
    });
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
  it('names a misspelled field at any level, with the close one', () => {
    expect(() => resolveApp('W', { source, replica: { min: 2 } } as never)).toThrow('W: app.replica ({"min":2}) is not a known prop: did you mean app.replicas? known props are');
    expect(() => resolveApp('W', { source, replicas: { minimum: 2 } } as never)).toThrow('W: app.replicas.minimum (2) is not a known prop: did you mean app.replicas.min? known props are min, max, targetCpuPercent');
    expect(() => resolveApp('W', { source, rollout: { bake: 1 } } as never)).toThrow('W: app.rollout.bake (1) is not a known prop');
    expect(() => resolveApp('W', { source: { dir: '/x' } } as never)).toThrow('W: app.source ({"dir":"/x"}) must be made with AppSource.fromDirectory() or AppSource.fromImage()');
    expect(() => resolveApp('W', { source, secrets: { DB: { name: 'db' } } } as never)).toThrow('W: app.secrets.DB ({"name":"db"}) must be made with AppSecret.fromSecret(), AppSecret.fromSecretName()');
  });

  it('rejects a wrong type where a pattern would have coerced it', () => {
    expect(() => resolveApp('W', { source, version: 1 } as never)).toThrow('W: app.version (1) must be a string');
    expect(() => resolveApp('W', { source, port: '8080' } as never)).toThrow('W: app.port ("8080") must be a number');
    expect(() => resolveApp('W', { source, replicas: { min: Number.NaN } } as never)).toThrow('W: app.replicas.min (NaN) must be a number');
    expect(() => resolveApp('W', { source, rollout: { bakeTime: 30 } } as never)).toThrow('W: app.rollout.bakeTime (30) must be a Duration');
    expect(() => resolveApp('W', { source, rollout: { autoRollback: 'yes' } } as never)).toThrow('W: app.rollout.autoRollback ("yes") must be a boolean');
  });

  it.each(['maxUnavailablePercent', 'maxSurgePercent', 'maxFailurePercent'])('rejects rollout.%s given as a string', (field) => {
    expect(() => resolveApp('W', { source, rollout: { [field]: '25' } } as never)).toThrow(`W: app.rollout.${field} ("25") must be a number`);
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

describe('AppSource and AppSecret: modes as classes', () => {
  const stack = () => new Stack();
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const SECRET_NAME_ALLOWED = 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)';
  const SECRET_ARN_ALLOWED = 'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx)';
  const PARAMETER_ALLOWED = 'must be an SSM parameter name starting with "/"';
  const SECRET_ALLOWED = 'must be a Secrets Manager secret (secretsmanager.ISecret), for example secretsmanager.Secret.fromSecretNameV2(...)';
  const KEY_ALLOWED = 'must be a KMS key (kms.IKey), for example kms.Key.fromKeyArn(...)';
  const errorOf = (fn: () => unknown): OrchestrationError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(OrchestrationError);
      return e as OrchestrationError;
    }
    throw new Error('expected an OrchestrationError');
  };

  it('keep the read-only fields the constructs read', () => {
    expect(AppSource.fromDirectory('/app', { exclude: ['*.md'] })).toMatchObject({ directory: '/app', exclude: ['*.md'], image: undefined });
    expect(AppSource.fromImage('nginx:1.27')).toMatchObject({ directory: undefined, image: 'nginx:1.27' });
    expect(AppSource.fromDirectory('/app').exclude).toBeUndefined();
    expect(AppSecret.fromSecretName('prod/db', { jsonField: 'password' })).toMatchObject({ secretName: 'prod/db', jsonField: 'password', secretArn: undefined, parameterName: undefined, secret: undefined });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
    expect(AppSecret.fromSecretArn(arn)).toMatchObject({ secretArn: arn, jsonField: undefined });
    expect(AppSecret.fromParameterName('/app/key')).toMatchObject({ parameterName: '/app/key', jsonField: undefined });
    const s = stack();
    const secret = secretsmanager.Secret.fromSecretNameV2(s, 'S', 'db');
    expect(AppSecret.fromSecret(secret, { jsonField: 'pw' })).toMatchObject({ secret, jsonField: 'pw' });
  });

  it.each([
    ['AppSource.fromDirectory(42)', () => AppSource.fromDirectory(42 as never), 'AppSource.fromDirectory(directory)', 42, 'must be a non-empty string: the path of a directory'],
    ['AppSource.fromDirectory("")', () => AppSource.fromDirectory(''), 'AppSource.fromDirectory(directory)', '', 'must be a non-empty string: the path of a directory'],
    ['AppSource.fromDirectory exclude with a number', () => AppSource.fromDirectory('/app', { exclude: ['*.md', 3] as never }), 'AppSource.fromDirectory(options.exclude)', ['*.md', 3], 'must be a list of glob patterns (strings)'],
    ['AppSource.fromDirectory exclude as a string', () => AppSource.fromDirectory('/app', { exclude: '*.md' as never }), 'AppSource.fromDirectory(options.exclude)', '*.md', 'must be a list of glob patterns (strings)'],
    ['AppSource.fromDirectory misspelled option', () => AppSource.fromDirectory('/app', { excludes: ['x'] } as never), 'AppSource.fromDirectory(options.excludes)', ['x'], 'is not a known option: known options are exclude'],
    ['AppSource.fromImage(undefined)', () => AppSource.fromImage(undefined as never), 'AppSource.fromImage(image)', undefined, 'must be a non-empty string: a container image reference (registry/repo:tag or @sha256: digest)'],
    ['AppSecret.fromSecretName with a space', () => AppSecret.fromSecretName('prod db'), 'AppSecret.fromSecretName(secretName)', 'prod db', 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)'],
    ['AppSecret.fromSecretName(7)', () => AppSecret.fromSecretName(7 as never), 'AppSecret.fromSecretName(secretName)', 7, 'must be a string'],
    ['AppSecret.fromSecretArn of an S3 bucket', () => AppSecret.fromSecretArn('arn:aws:s3:::bucket'), 'AppSecret.fromSecretArn(secretArn)', 'arn:aws:s3:::bucket', 'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx)'],
    ['AppSecret.fromParameterName without "/"', () => AppSecret.fromParameterName('app/key'), 'AppSecret.fromParameterName(parameterName)', 'app/key', 'must be an SSM parameter name starting with "/"'],
    ['AppSecret.fromSecret of a name', () => AppSecret.fromSecret('db' as never), 'AppSecret.fromSecret(secret)', 'db', 'must be a Secrets Manager secret (secretsmanager.ISecret), for example secretsmanager.Secret.fromSecretNameV2(...)'],
    ['AppSecret.fromSecretName with an empty jsonField', () => AppSecret.fromSecretName('db', { jsonField: '' }), 'AppSecret.fromSecretName(options.jsonField)', '', 'must be a non-empty string: a key of the JSON secret'],
    ['AppSecret.fromSecretArn with a misspelled option', () => AppSecret.fromSecretArn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf', { field: 'pw' } as never), 'AppSecret.fromSecretArn(options.field)', 'pw', 'is not a known option: known options are jsonField, encryptionKey'],
    ['AppSource.fromImage("")', () => AppSource.fromImage(''), 'AppSource.fromImage(image)', '', 'must be a non-empty string: a container image reference (registry/repo:tag or @sha256: digest)'],
    ['AppSource.fromDirectory with null options', () => AppSource.fromDirectory('/app', null as never), 'AppSource.fromDirectory(options)', null, 'must be an object'],
    ['AppSource.fromDirectory with a string for options', () => AppSource.fromDirectory('/app', '*.md' as never), 'AppSource.fromDirectory(options)', '*.md', 'must be an object'],
    ['AppSecret.fromSecretName with a list for options', () => AppSecret.fromSecretName('db', ['pw'] as never), 'AppSecret.fromSecretName(options)', ['pw'], 'must be an object'],
    ['AppSecret.fromParameterName with a number for options', () => AppSecret.fromParameterName('/app/key', 5 as never), 'AppSecret.fromParameterName(options)', 5, 'must be an object'],
    ['AppSecret.fromSecretName of 513 characters', () => AppSecret.fromSecretName('a'.repeat(513)), 'AppSecret.fromSecretName(secretName)', 'a'.repeat(513), SECRET_NAME_ALLOWED],
    ['AppSecret.fromSecretArn(7)', () => AppSecret.fromSecretArn(7 as never), 'AppSecret.fromSecretArn(secretArn)', 7, 'must be a string'],
    ['AppSecret.fromSecretArn with text before the ARN', () => AppSecret.fromSecretArn(`ARN=${arn}`), 'AppSecret.fromSecretArn(secretArn)', `ARN=${arn}`, SECRET_ARN_ALLOWED],
    ['AppSecret.fromSecretArn with a trailing newline', () => AppSecret.fromSecretArn(`${arn}\n`), 'AppSecret.fromSecretArn(secretArn)', `${arn}\n`, SECRET_ARN_ALLOWED],
    ['AppSecret.fromParameterName(7)', () => AppSecret.fromParameterName(7 as never), 'AppSecret.fromParameterName(parameterName)', 7, 'must be a string'],
    ['AppSecret.fromParameterName with a space', () => AppSecret.fromParameterName('/app/api key'), 'AppSecret.fromParameterName(parameterName)', '/app/api key', PARAMETER_ALLOWED],
    ['AppSecret.fromParameterName of 1012 characters', () => AppSecret.fromParameterName(`/${'a'.repeat(1011)}`), 'AppSecret.fromParameterName(parameterName)', `/${'a'.repeat(1011)}`, PARAMETER_ALLOWED],
    ['AppSecret.fromParameterName with a jsonField', () => AppSecret.fromParameterName('/app/key', { jsonField: 'pw' } as never), 'AppSecret.fromParameterName(options.jsonField)', 'pw', 'is not a known option: known options are encryptionKey'],
    ['AppSecret.fromSecret(null)', () => AppSecret.fromSecret(null as never), 'AppSecret.fromSecret(secret)', null, SECRET_ALLOWED],
    ['AppSecret.fromSecret of an object literal', () => AppSecret.fromSecret({ secretName: 'db' } as never), 'AppSecret.fromSecret(secret)', { secretName: 'db' }, SECRET_ALLOWED],
    ['AppSecret.fromSecretName with a numeric jsonField', () => AppSecret.fromSecretName('db', { jsonField: 5 as never }), 'AppSecret.fromSecretName(options.jsonField)', 5, 'must be a non-empty string: a key of the JSON secret'],
    ['AppSecret.fromSecretName with a key ARN for encryptionKey', () => AppSecret.fromSecretName('db', { encryptionKey: keyArn as never }), 'AppSecret.fromSecretName(options.encryptionKey)', keyArn, KEY_ALLOWED],
    ['AppSecret.fromSecretArn with a null encryptionKey', () => AppSecret.fromSecretArn(arn, { encryptionKey: null as never }), 'AppSecret.fromSecretArn(options.encryptionKey)', null, KEY_ALLOWED],
    ['AppSecret.fromParameterName with an object literal for encryptionKey', () => AppSecret.fromParameterName('/app/key', { encryptionKey: { keyId: 'k' } as never }), 'AppSecret.fromParameterName(options.encryptionKey)', { keyId: 'k' }, KEY_ALLOWED],
    [
      'AppSecret.fromSecret with the secret itself as its encryptionKey',
      () => {
        const secret = secretsmanager.Secret.fromSecretNameV2(stack(), 'S', 'db');
        return AppSecret.fromSecret(secret, { encryptionKey: secret as never });
      },
      'AppSecret.fromSecret(options.encryptionKey)',
      '(construct Default/S)',
      KEY_ALLOWED,
    ],
  ])('%s: our error naming the argument, the value and what is allowed', (_what, fn, prop, value, allowed) => {
    const e = errorOf(fn);
    expect([e.path, e.prop, e.value, e.allowed]).toEqual(['', prop, value, allowed]);
    expect(e.message).toBe(`${prop} (${formatValue(value)}) ${allowed}`);
  });

  it('keep a customer-managed key on every kind of secret, and none by default', () => {
    const s = stack();
    const key = kms.Key.fromKeyArn(s, 'Key', keyArn);
    const secret = secretsmanager.Secret.fromSecretNameV2(s, 'S', 'db');
    expect(AppSecret.fromSecret(secret, { encryptionKey: key }).encryptionKey).toBe(key);
    const named = AppSecret.fromSecretName('prod/db', { jsonField: 'password', encryptionKey: key });
    expect([named.secretName, named.jsonField, named.encryptionKey]).toEqual(['prod/db', 'password', key]);
    expect(AppSecret.fromSecretArn(arn, { encryptionKey: key }).encryptionKey).toBe(key);
    expect(AppSecret.fromParameterName('/app/key', { encryptionKey: key }).encryptionKey).toBe(key);
    expect(AppSecret.fromSecretName('prod/db').encryptionKey).toBeUndefined();
  });

  it.each(['aws', 'aws-cn', 'aws-us-gov'])('accept a secret ARN in the %s partition', (partition) => {
    const inPartition = `arn:${partition}:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf`;
    expect(AppSecret.fromSecretArn(inPartition).secretArn).toBe(inPartition);
  });

  it('accept names exactly at their length limits', () => {
    expect(AppSecret.fromSecretName('a'.repeat(512)).secretName).toBe('a'.repeat(512));
    expect(AppSecret.fromParameterName(`/${'a'.repeat(1010)}`).parameterName).toBe(`/${'a'.repeat(1010)}`);
  });

  it.each([
    ['secretName', () => AppSecret.fromSecretName('prod/db'), 'prod db', SECRET_NAME_ALLOWED],
    ['secretArn', () => AppSecret.fromSecretArn(arn), 'arn:aws:s3:::bucket', SECRET_ARN_ALLOWED],
    ['parameterName', () => AppSecret.fromParameterName('/app/key'), 'app/key', PARAMETER_ALLOWED],
  ])('validateSecret re-checks a %s changed after its factory (plain JavaScript), under the prop that holds it', (field, make, bad, allowed) => {
    const ref = Object.assign(make(), { [field]: bad });
    const e = errorOf(() => validateSecret('W', 'app.secrets.DB', ref));
    expect([e.path, e.prop, e.value, e.allowed]).toEqual(['W', `app.secrets.DB.${field}`, bad, allowed]);
  });

  it('reject object literals (plain JavaScript) where a class is expected, naming the prop and the factories, never a TypeError', () => {
    const source = errorOf(() => resolveApp('W', { source: { directory: 'x' } } as never));
    expect([source.path, source.prop, source.value]).toEqual(['W', 'app.source', { directory: 'x' }]);
    expect(source.message).toBe('W: app.source ({"directory":"x"}) must be made with AppSource.fromDirectory() or AppSource.fromImage()');
    expect(() => resolveApp('W', { source: 'x' } as never)).toThrow('W: app.source ("x") must be made with AppSource.fromDirectory() or AppSource.fromImage()');
    const secretFactories = 'must be made with AppSecret.fromSecret(), AppSecret.fromSecretName(), AppSecret.fromSecretArn() or AppSecret.fromParameterName()';
    const secret = errorOf(() => resolveApp('W', { source: AppSource.fromDirectory('/app'), secrets: { DB: { secretName: 'db' } } } as never));
    expect([secret.path, secret.prop, secret.value, secret.allowed]).toEqual(['W', 'app.secrets.DB', { secretName: 'db' }, secretFactories]);
    expect(() => validateSecret('W', 'app.secrets.DB', 'db' as never)).toThrow(`W: app.secrets.DB ("db") ${secretFactories}`);
    expect(() => validateSecret('W', 'app.secrets.DB', null as never)).toThrow(`W: app.secrets.DB (null) ${secretFactories}`);
    // a secret object passed as is (not wrapped) names the construct, not its JSON
    const s = stack();
    expect(() => validateSecret('W', 'app.secrets.DB', secretsmanager.Secret.fromSecretNameV2(s, 'S', 'db') as never)).toThrow(`W: app.secrets.DB ("(construct Default/S)") ${secretFactories}`);
  });

  it('pass deploy-time strings (tokens) through to what the constructs read', () => {
    const s = stack();
    const name = new CfnParameter(s, 'Name', { type: 'String' }).valueAsString;
    expect(AppSecret.fromParameterName(name).parameterName).toBe(name);
    expect(AppSecret.fromSecretName(name, { jsonField: name })).toMatchObject({ secretName: name, jsonField: name });
    expect(AppSecret.fromSecretArn(name).secretArn).toBe(name);
    expect(AppSource.fromImage(name).image).toBe(name);
    expect(AppSource.fromDirectory(name).directory).toBe(name);
    expect(() => validateSecret('W', 'app.secrets.DB', AppSecret.fromParameterName(name))).not.toThrow();
  });

  it('AppSecret.fromParameterName(token) reaches the template: the Ref in the reference the app gets and in the read grant', () => {
    const s = new Stack(undefined, 'T', { env: { account: '123456789012', region: 'eu-west-1' } });
    const name = new CfnParameter(s, 'ParamName', { type: 'String' }).valueAsString;
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const [bound] = bindSecrets(s, { KEY: AppSecret.fromParameterName(name) });
    bound!.grantRead(role);
    new CfnOutput(s, 'Reference', { value: bound!.reference });
    const t = Template.fromStack(s).toJSON();
    expect(t.Outputs.Reference.Value).toEqual({ 'Fn::Join': ['', ['ssm:', { Ref: 'ParamName' }]] });
    const statements = Object.values<any>(t.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((r) => r.Properties.PolicyDocument.Statement);
    expect(JSON.stringify(statements)).toContain('{"Ref":"ParamName"}');
  });
});
