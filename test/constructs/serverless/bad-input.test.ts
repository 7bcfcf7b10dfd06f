import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { FunctionService, type FunctionServiceProps } from '../../../constructs/serverless';
import { OrchestrationError } from '../../../lib/errors';
import { SAMPLE_APP_DIR, testStack, orchestrationErrorFrom } from '../../helpers';

const app = { source: { directory: SAMPLE_APP_DIR } };

/** Builds a FunctionService with the given props and returns the error it throws. */
function errorFor(props: Partial<FunctionServiceProps>): OrchestrationError {
  return orchestrationErrorFrom(() => new FunctionService(testStack('Bad'), 'Service', { app, ...props } as FunctionServiceProps));
}

describe('FunctionService rejects bad input with the library\'s error (path, prop, value, what is allowed)', () => {
  it('memory below Lambda\'s minimum', () => {
    const e = errorFor({ memorySize: 64 });
    expect(e.message).toBe('Bad/Service: memorySize (64) must be an integer from 128 to 10240');
    expect(e.path).toBe('Bad/Service');
    expect(e.prop).toBe('memorySize');
    expect(e.value).toBe(64);
  });

  it('memory above Lambda\'s maximum', () => {
    expect(errorFor({ memorySize: 20480 }).message).toBe('Bad/Service: memorySize (20480) must be an integer from 128 to 10240');
  });

  it('timeout above 15 minutes', () => {
    expect(errorFor({ timeout: Duration.minutes(16) }).message).toBe('Bad/Service: timeout (16 minutes) must be from 1 second to 15 minutes');
  });

  it('timeout below 1 second', () => {
    expect(errorFor({ timeout: Duration.millis(500) }).message).toBe('Bad/Service: timeout (500 millis) must be from 1 second to 15 minutes');
  });

  it('canary percentage outside 1..99', () => {
    expect(errorFor({ trafficShift: { type: 'canary', percentage: 100 } }).message).toBe('Bad/Service: trafficShift.percentage (100) must be an integer from 1 to 99');
  });

  it('linear percentage of 0', () => {
    expect(errorFor({ trafficShift: { type: 'linear', percentage: 0 } }).message).toBe('Bad/Service: trafficShift.percentage (0) must be an integer from 1 to 99');
  });

  it('canary interval that is not whole minutes', () => {
    expect(errorFor({ trafficShift: { type: 'canary', interval: Duration.seconds(90) } }).message).toBe(
      'Bad/Service: trafficShift.interval (1 minute 30 seconds) must be a whole number of minutes (CodeDeploy counts in minutes)',
    );
  });

  it('canary interval above 48 hours', () => {
    expect(errorFor({ trafficShift: { type: 'canary', interval: Duration.hours(49) } }).message).toBe('Bad/Service: trafficShift.interval (2 days 1 hour) must be from 1 minute to 2 days');
  });

  it('an unknown traffic shift type', () => {
    expect(errorFor({ trafficShift: { type: 'blue-green' as never } }).message).toBe('Bad/Service: trafficShift.type ("blue-green") must be one of "canary", "linear", "all-at-once"');
  });

  it('percentage or interval on an all-at-once shift', () => {
    expect(errorFor({ trafficShift: { type: 'all-at-once', percentage: 10 } }).message).toMatch(/^Bad\/Service: trafficShift.percentage\/interval \(\{"percentage":10\}\) do not apply to an all-at-once shift/);
  });

  it('auth type NONE with IAM invokers (an IAM-only option)', () => {
    const stack = testStack('Bad');
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => new FunctionService(stack, 'Service', { app, authType: lambda.FunctionUrlAuthType.NONE, invokers: [caller] })).toThrow(
      'Bad/Service: invokers ("1 principal(s)") only apply with authType AWS_IAM; a URL with authType NONE is public and ignores IAM grants',
    );
  });

  it('CORS with credentials and a wildcard origin', () => {
    expect(errorFor({ cors: { allowCredentials: true, allowedOrigins: ['*'] } }).message).toBe(
      'Bad/Service: cors.allowedOrigins (["*"]) must list explicit origins when cors.allowCredentials is true (browsers reject "*" with credentials)',
    );
  });

  it('a secret both by name and by ARN', () => {
    const e = errorFor({ app: { ...app, secrets: { DB: { secretName: 'db', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' } } } });
    expect(e.message).toBe(
      'Bad/Service: app.secrets.DB.secretName and app.secrets.DB.secretArn ({"app.secrets.DB.secretName":"db","app.secrets.DB.secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"}) are mutually exclusive: set only one of app.secrets.DB.secret, app.secrets.DB.secretName, app.secrets.DB.secretArn, app.secrets.DB.parameterName',
    );
  });

  it('a secret with no reference at all', () => {
    expect(errorFor({ app: { ...app, secrets: { DB: {} } } }).message).toBe('Bad/Service: app.secrets.DB ({}) must set one of secret, secretName, secretArn or parameterName');
  });

  it('a JSON field on an SSM parameter', () => {
    expect(errorFor({ app: { ...app, secrets: { DB: { parameterName: '/db', jsonField: 'password' } } } }).message).toBe(
      'Bad/Service: app.secrets.DB.jsonField ("password") applies to Secrets Manager secrets only, not to an SSM parameter',
    );
  });

  it('a malformed secret ARN', () => {
    expect(errorFor({ app: { ...app, secrets: { DB: { secretArn: 'arn:aws:s3:::bucket' } } } }).message).toMatch(/^Bad\/Service: app.secrets.DB.secretArn \("arn:aws:s3:::bucket"\) must be a Secrets Manager secret ARN/);
  });

  it('a Lambda-reserved environment variable', () => {
    expect(errorFor({ app: { ...app, environment: { AWS_REGION: 'eu-west-1' } } }).message).toMatch(/^Bad\/Service: app.environment.AWS_REGION \("AWS_REGION"\) is reserved by Lambda/);
  });

  it('APP_VERSION set through environment instead of app.version', () => {
    expect(errorFor({ app: { ...app, environment: { APP_VERSION: '2' } } }).message).toBe('Bad/Service: app.environment.APP_VERSION ("2") is set by the library (from app.version); remove it');
  });

  it('a container image as the source of a function', () => {
    expect(errorFor({ app: { source: { image: 'nginx:1.27' } } }).message).toMatch(/^Bad\/Service: app.source.image \("nginx:1.27"\) is for the container style/);
  });

  it('a source directory that does not exist', () => {
    expect(errorFor({ app: { source: { directory: '/nonexistent/app' } } }).message).toBe('Bad/Service: app.source.directory ("/nonexistent/app") must be an existing directory');
  });

  it('a handler that is not file.export', () => {
    expect(errorFor({ app: { ...app, handler: 'handler' } }).message).toBe('Bad/Service: app.handler ("handler") must be of the form `file.export`, for example "lambda.handler"');
  });

  it('provisioned concurrency above reserved concurrency', () => {
    expect(errorFor({ app: { ...app, replicas: { min: 5, max: 2 } } }).message).toBe(
      'Bad/Service: app.replicas.min and app.replicas.max ({"app.replicas.min":5,"app.replicas.max":2}) must satisfy app.replicas.min <= app.replicas.max',
    );
  });

  it('a p99 threshold not below the timeout', () => {
    expect(errorFor({ timeout: Duration.seconds(5), p99DurationThreshold: Duration.seconds(6) }).message).toBe('Bad/Service: p99DurationThreshold (6 seconds) must be shorter than timeout (5 seconds)');
  });

  it('an alias name of digits only', () => {
    expect(errorFor({ aliasName: '123' }).message).toBe('Bad/Service: aliasName ("123") must be 1-128 letters, digits, "-" or "_", and not only digits');
  });

  it('an error threshold of 0', () => {
    expect(errorFor({ errorThreshold: 0 }).message).toBe('Bad/Service: errorThreshold (0) must be an integer from 1 to 1000000');
  });

  it('no app at all', () => {
    expect(errorFor({ app: undefined as never }).message).toBe('Bad/Service: app (undefined) must be an app description with at least `source`');
  });
});
