import { type App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FunctionService, type FunctionServiceProps, TrafficShift } from '../../../constructs/serverless';
import { OrchestrationError } from '../../../lib/errors';
import { SAMPLE_APP_DIR, testApp, testStack, orchestrationErrorFrom } from '../../helpers';
import { AppSecret, AppSource } from '../../../lib/app';

const app = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };

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

  it('a traffic shift rejected by its factory names the factory\'s parameter (no construct exists yet)', () => {
    // The factories' own suite (traffic-shift.test.ts) has every range; here: the error reaches the caller as it is.
    const e = orchestrationErrorFrom(() => errorFor({ trafficShift: TrafficShift.canary(100) }));
    expect(e.message).toBe('TrafficShift.canary(percentage) (100) must be an integer from 1 to 99');
    expect(e.path).toBe('');
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

  // A secret both by name and by ARN, with no reference at all, or a JSON field on an SSM parameter can no
  // longer be written: AppSecret's factories make one kind each. From plain JavaScript, an object literal
  // (the old shape) gets our error naming the factories.
  it('a secret as an object literal (plain JavaScript, the old shape)', () => {
    const factories = 'must be made with AppSecret.fromSecret(), AppSecret.fromSecretName(), AppSecret.fromSecretArn() or AppSecret.fromParameterName()';
    const e = errorFor({ app: { ...app, secrets: { DB: { secretName: 'db', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' } as never } } });
    expect(e.message).toBe(`Bad/Service: app.secrets.DB ({"secretName":"db","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"}) ${factories}`);
    expect(errorFor({ app: { ...app, secrets: { DB: {} as never } } }).message).toBe(`Bad/Service: app.secrets.DB ({}) ${factories}`);
  });

  it('a malformed secret ARN: our error from the factory, before any construct', () => {
    expect(() => AppSecret.fromSecretArn('arn:aws:s3:::bucket')).toThrow(/^AppSecret.fromSecretArn\(secretArn\) \("arn:aws:s3:::bucket"\) must be a Secrets Manager secret ARN/);
  });

  it('a Lambda-reserved environment variable', () => {
    expect(errorFor({ app: { ...app, environment: { AWS_REGION: 'eu-west-1' } } }).message).toMatch(/^Bad\/Service: app.environment.AWS_REGION \("AWS_REGION"\) is reserved by Lambda/);
  });

  it('APP_VERSION set through environment instead of app.version', () => {
    expect(errorFor({ app: { ...app, environment: { APP_VERSION: '2' } } }).message).toBe('Bad/Service: app.environment.APP_VERSION ("2") is set by the library (from app.version); remove it');
  });

  it('a container image as the source of a function', () => {
    expect(errorFor({ app: { source: AppSource.fromImage('nginx:1.27') } }).message).toMatch(/^Bad\/Service: app.source.image \("nginx:1.27"\) is for the container style/);
  });

  it('a source directory that does not exist', () => {
    expect(errorFor({ app: { source: AppSource.fromDirectory('/nonexistent/app') } }).message).toBe('Bad/Service: app.source.directory ("/nonexistent/app") must be an existing directory');
  });

  it('a handler that is not file.export', () => {
    expect(errorFor({ app: { ...app, handler: 'handler' } }).message).toBe('Bad/Service: app.handler ("handler") must be of the form `file.export`, for example "lambda.handler"');
  });

  it('provisioned concurrency above reserved concurrency', () => {
    expect(errorFor({ app: { ...app, replicas: { min: 5, max: 2 } } }).message).toBe(
      'Bad/Service: app.replicas.min (5) must not exceed app.replicas.max (2)',
    );
  });

  it('a p99 threshold not below the timeout', () => {
    expect(errorFor({ timeout: Duration.seconds(5), p99DurationThreshold: Duration.seconds(6) }).message).toBe(
      'Bad/Service: p99DurationThreshold (6 seconds) must be shorter than timeout (5 seconds): no invocation runs longer, so the alarm could never fire',
    );
    expect(errorFor({ p99DurationThreshold: Duration.seconds(5) }).message).toBe(
      'Bad/Service: p99DurationThreshold (5 seconds) must be shorter than timeout (5 seconds, the default): no invocation runs longer, so the alarm could never fire',
    );
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

describe('FunctionService: plain-JavaScript callers (no type checker) get our error naming the prop, never a TypeError', () => {
  /** Props as a plain-JavaScript caller may pass them. */
  const jsErrorFor = (props: Record<string, unknown>) => errorFor(props as Partial<FunctionServiceProps>);

  it('an unknown prop (a typo) is named, with a suggestion', () => {
    const e = jsErrorFor({ memsize: 256 });
    expect(e.prop).toBe('memsize');
    expect(e.message).toMatch(/^Bad\/Service: memsize \(256\) is not a known prop: did you mean memorySize\? known props are app, code, memorySize, /);
  });

  it('props that are not an object', () => {
    expect(orchestrationErrorFrom(() => new FunctionService(testStack('Bad'), 'Service', null as never)).message).toBe('Bad/Service: props (null) must be an object');
  });

  it.each([
    [{ memorySize: '256' }, 'memorySize ("256") must be a number'],
    [{ memorySize: NaN }, 'memorySize (NaN) must be a number'],
    [{ memorySize: 256.5 }, 'memorySize (256.5) must be an integer from 128 to 10240'],
    [{ timeout: 5 }, 'timeout (5) must be a Duration, for example Duration.seconds(30)'],
    [{ errorThreshold: '2' }, 'errorThreshold ("2") must be a number'],
    [{ p99DurationThreshold: 800 }, 'p99DurationThreshold (800) must be a Duration, for example Duration.seconds(30)'],
    [{ aliasName: 5 }, 'aliasName (5) must be a string'],
    [{ logRetention: 'ONE_WEEK' }, 'logRetention ("ONE_WEEK") must be a number'],
    [{ logRetention: 45 }, 'logRetention (45) must be a logs.RetentionDays value (days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, or INFINITE)'],
    [{ logRemovalPolicy: 'keep' }, 'logRemovalPolicy ("keep") must be one of "destroy", "retain", "snapshot", "retain-on-update-or-delete"'],
    [{ architecture: 'arm64' }, 'architecture ("arm64") must be a lambda.Architecture, for example lambda.Architecture.ARM_64'],
    [{ code: 'dist/handler' }, 'code ("dist/handler") must be a lambda.Code, for example lambda.Code.fromAsset(\'dist/handler\')'],
    [{ tracing: 'on' }, 'tracing ("on") must be one of "Active", "PassThrough", "Disabled"'],
    [{ authType: 'public' }, 'authType ("public") must be one of "AWS_IAM", "NONE"'],
    [{ invokeMode: 'stream' }, 'invokeMode ("stream") must be one of "BUFFERED", "RESPONSE_STREAM"'],
    [{ invokers: {} }, 'invokers ({}) must be a list of principals (iam.IGrantable), for example [role]'],
    [{ invokers: ['arn:aws:iam::123456789012:role/caller'] }, 'invokers[0] ("arn:aws:iam::123456789012:role/caller") must be an iam.IGrantable (a role, a user, a function...)'],
    [{ cors: 'https://example.com' }, 'cors ("https://example.com") must be an object (lambda.FunctionUrlCorsOptions)'],
    [{ cors: { allowedOrigins: 'https://example.com' } }, 'cors.allowedOrigins ("https://example.com") must be a list of strings'],
    [{ cors: { allowedHeaders: [42] } }, 'cors.allowedHeaders[0] (42) must be a string'],
    [{ cors: { allowedMethods: ['FETCH'] } }, 'cors.allowedMethods[0] ("FETCH") must be one of "GET", "PUT", "HEAD", "POST", "DELETE", "PATCH", "OPTIONS", "*"'],
    [{ cors: { allowCredentials: 'yes' } }, 'cors.allowCredentials ("yes") must be a boolean'],
    [{ cors: { maxAge: 600 } }, 'cors.maxAge (600) must be a Duration, for example Duration.seconds(30)'],
    [{ trafficShift: 'canary' }, 'trafficShift ("canary") must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
    [{ trafficShift: {} }, 'trafficShift ({}) must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
    [{ trafficShift: { type: 'canary', percentage: 20 } }, 'trafficShift ({"type":"canary","percentage":20}) must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
    [{ trafficShift: { percentage: 20 } }, 'trafficShift ({"percentage":20}) must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
    [{ trafficShift: null }, 'trafficShift (null) must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
  ])('%j', (props, message) => {
    expect(jsErrorFor(props).message).toBe(`Bad/Service: ${message}`);
  });
});

describe('FunctionService: Durations finer than the unit a prop counts in get our error, not aws-cdk-lib\'s unscoped one', () => {
  it('timeout of Duration.millis(7500)', () => {
    const e = errorFor({ timeout: Duration.millis(7500) });
    expect(e.message).toBe('Bad/Service: timeout (7 seconds 500 millis) must be a whole number of seconds (Lambda counts in seconds)');
    expect(e.path).toBe('Bad/Service');
  });

  it('cors.maxAge of Duration.millis(7500)', () => {
    expect(errorFor({ cors: { maxAge: Duration.millis(7500) } }).message).toBe('Bad/Service: cors.maxAge (7 seconds 500 millis) must be a whole number of seconds (the Function URL counts in seconds)');
  });

  it('cors.maxAge above a day', () => {
    expect(errorFor({ cors: { maxAge: Duration.days(2) } }).message).toBe('Bad/Service: cors.maxAge (2 days) must be from 0 seconds to 1 day');
  });
});

describe('FunctionService: the environment size counts every variable the function gets', () => {
  it('APP_VERSION and the secret references count toward Lambda\'s 4 KB', () => {
    const secrets = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`SECRET_${i}`, AppSecret.fromParameterName(`/app/secret-with-a-longish-name-${i}`)]));
    const e = errorFor({ app: { ...app, version: '1.0.0', environment: { BIG: 'x'.repeat(2500) }, secrets } });
    expect(e.prop).toBe('app.environment');
    expect(e.message).toMatch(/^Bad\/Service: app\.environment \("\d{4} bytes"\) must stay within Lambda's 4 KB limit \(4096 bytes, measured as the JSON object \{"KEY":"value",\.\.\.\}\) for all variables together/);
  });
});

describe('FunctionService: tracing PASS_THROUGH', () => {
  it('acknowledges the X-Ray "*" grant lambda.Function adds for every mode but DISABLED, so the gate passes', () => {
    const stack = testStack('Tracing');
    new FunctionService(stack, 'Service', { app, tracing: lambda.Tracing.PASS_THROUGH });
    const root = stack.node.root as App;
    Validations.of(root).addPlugins(new AwsSolutionsChecks(root));
    expect(() => root.synth()).not.toThrow();
  });
});

describe('FunctionService production props: domain, accessLogs, accessLogsBucket, webAclArn, alarmTopic, dashboard, logEncryptionKey', () => {
  const CERT = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/11111111-2222-3333-4444-555555555555`;
  /** A FunctionService in a stack of `region` (undefined: region-agnostic) with a domain (and a certificate ARN); returns its error. */
  function domainErrorFor(region: string | undefined, props: Partial<FunctionServiceProps> & { certificateArn?: string } = {}): OrchestrationError {
    const stack = new Stack(testApp(), 'Bad', region ? { env: { account: '123456789012', region } } : undefined);
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
    const { certificateArn, ...rest } = props;
    const certificate = certificateArn ? acm.Certificate.fromCertificateArn(stack, 'Cert', certificateArn) : undefined;
    return orchestrationErrorFrom(() => new FunctionService(stack, 'Service', { app, domain: { domainName: 'app.example.com', hostedZone, certificate }, ...rest } as FunctionServiceProps));
  }
  const bothWays = "pass domain.certificate (an ACM certificate in us-east-1 covering app.example.com), or deploy this stack with env: { region: 'us-east-1' } so that the certificate is created there";

  it('a domain without a certificate in a region-agnostic stack: names both ways out', () => {
    const e = domainErrorFor(undefined);
    expect(e.prop).toBe('domain.certificate');
    expect(e.message).toBe(`Bad/Service: domain.certificate (undefined) is required in a stack whose region is only known at deploy time: CloudFront takes its certificate from us-east-1 only; ${bothWays}`);
  });

  it('a domain without a certificate in a stack outside us-east-1', () => {
    expect(domainErrorFor('eu-west-1').message).toBe(`Bad/Service: domain.certificate (undefined) is required in a stack in eu-west-1: CloudFront takes its certificate from us-east-1 only; ${bothWays}`);
  });

  it('a certificate outside us-east-1', () => {
    expect(domainErrorFor('us-east-1', { certificateArn: CERT('eu-west-1') }).message).toBe(
      `Bad/Service: domain.certificate ("${CERT('eu-west-1')}") must be an ACM certificate in us-east-1, the only region CloudFront takes certificates from (this one is in eu-west-1)`,
    );
  });

  it('authType NONE with a domain (the URL would stay public beside CloudFront)', () => {
    expect(domainErrorFor('us-east-1', { authType: lambda.FunctionUrlAuthType.NONE }).message).toBe(
      'Bad/Service: authType ("NONE") must be AWS_IAM (the default) with domain: CloudFront signs its requests to the Function URL with origin access control, and a URL with authType NONE would stay public beside it',
    );
  });

  it('accessLogs: false with an accessLogsBucket', () => {
    const stack = testStack('Other');
    const bucket = s3.Bucket.fromBucketName(stack, 'Logs', 'my-logs');
    expect(domainErrorFor('us-east-1', { accessLogs: false, accessLogsBucket: bucket }).message).toBe('Bad/Service: accessLogsBucket ("(a bucket)") only applies with accessLogs true (the default with a domain)');
  });

  it('a web ACL that is not a CloudFront-scope WAFv2 web ACL', () => {
    const regional = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/app/0123abcd-4567-89ef-0123-456789abcdef';
    expect(domainErrorFor('us-east-1', { webAclArn: regional }).message).toBe(
      `Bad/Service: webAclArn ("${regional}") must be the ARN of a WAFv2 web ACL of scope CLOUDFRONT, which lives in us-east-1: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>`,
    );
  });

  it.each([
    ['accessLogs', { accessLogs: true }, 'true'],
    ['accessLogsBucket', { accessLogsBucket: s3.Bucket.fromBucketName(testStack('X'), 'Logs', 'my-logs') }, undefined],
    ['webAclArn', { webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/app/abc' }, '"arn:aws:wafv2:us-east-1:123456789012:global/webacl/app/abc"'],
  ] as const)('%s without a domain', (prop, props, shown) => {
    const e = errorFor(props as Partial<FunctionServiceProps>);
    expect(e.prop).toBe(prop);
    expect(e.message).toMatch(/only applies with domain \(it configures the CloudFront distribution a domain puts in front of the Function URL\)$/);
    if (shown) expect(e.message).toBe(`Bad/Service: ${prop} (${shown}) only applies with domain (it configures the CloudFront distribution a domain puts in front of the Function URL)`);
  });

  it.each([
    [{ domain: 'app.example.com' }, /^Bad\/Service: domain \("app.example.com"\) must be an object, for example /],
    [{ domain: { domainName: 'app.example.com' } }, /^Bad\/Service: domain.hostedZone \(undefined\) must be a Route 53 hosted zone/],
    [{ accessLogs: 'yes' }, /^Bad\/Service: accessLogs \("yes"\) must be a boolean$/],
    [{ accessLogsBucket: 'my-logs' }, /^Bad\/Service: accessLogsBucket \("my-logs"\) must be an s3.IBucket, for example s3.Bucket.fromBucketName\(this, 'Logs', name\)$/],
    [{ webAclArn: 42 }, /^Bad\/Service: webAclArn \(42\) must be a string$/],
    [{ alarmTopic: 'arn:aws:sns:eu-west-1:123456789012:ops' }, /^Bad\/Service: alarmTopic \("arn:aws:sns:eu-west-1:123456789012:ops"\) must be an sns.ITopic, for example an AlarmTopic's topic$/],
    [{ dashboard: 'yes' }, /^Bad\/Service: dashboard \("yes"\) must be a boolean$/],
    [{ logEncryptionKey: 'alias/logs' }, /^Bad\/Service: logEncryptionKey \("alias\/logs"\) must be a kms.IKey, for example a LogsKey's key$/],
  ])('%j (plain JavaScript)', (props, message) => {
    expect(errorFor(props as unknown as Partial<FunctionServiceProps>).message).toMatch(message);
  });
});
