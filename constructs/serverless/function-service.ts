import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { secretRefEnvName } from '../../lib/secret-ref';
import { checkConcrete, checkDuration, checkInteger, checkKnownProps, checkMaxBytes, checkOneOf, checkType, checkWholeUnits, durationIn } from '../../lib/validate';
import { notifyOnAlarms } from '../shared/alarm-topic';
import { ServiceDashboard } from '../shared/dashboard';
import type { ServiceDomain } from '../shared/domain';
import { grantLogsUse } from '../shared/log-encryption';
import { acknowledgeControl } from '../shared/compliance';
import { acknowledgeNag } from '../shared/nag';
import type { IAppService } from '../shared/service';
import { bindSecrets } from '../shared/secrets';
import { appVersion, DEFAULT_CODE_EXCLUDE, sourceDirectory } from '../shared/source';
import { createFrontDoor, validateFrontDoorProps } from './private/front-door';
import { checkHasMember, checkStringArray } from './private/validate';
import { deploymentConfigFor, type ResolvedTrafficShift, resolveTrafficShift, type TrafficShift } from './traffic-shift';

/** Props of {@link FunctionService}. */
export interface FunctionServiceProps {
  /**
   * The app: its code (`source.directory`, ready-to-run JavaScript), handler, configuration,
   * secrets, replicas (min: provisioned concurrency, max: reserved concurrency) and rollout.
   * Reserved concurrency (`replicas.max`) caps the function and guarantees it that much of the
   * account's concurrency, but Lambda always keeps 100 (or, below that, the whole account limit)
   * unreserved: in a new account whose limit is 10, any `replicas.max` fails the deploy until the
   * quota is raised.
   * Deploy-time values (tokens) pass through for `name`, `version`, `handler`, environment values,
   * `secretName`, `secretArn`, `jsonField` and `replicas`; `source.directory`, `source.exclude`,
   * environment and secret names must be concrete (see the README).
   */
  readonly app: AppDescription;

  /**
   * Lambda code to run instead of `app.source.directory`, for handlers you bundle some other
   * way (for example `lambda.Code.fromAsset('dist/handler')` after your own esbuild step).
   * @default - `app.source.directory` as an asset, shipped as it is (no bundling at synth)
   */
  readonly code?: lambda.Code;

  /**
   * Memory in MB, from 128 to 10240. A deploy-time value (token) is rendered as it is.
   * @default 128, the book's size
   */
  readonly memorySize?: number;

  /**
   * How long one invocation may run, from 1 second to 15 minutes, in whole seconds.
   * A deploy-time value must be written `Duration.seconds(token)` (Lambda counts seconds).
   * @default Duration.seconds(5), the book's timeout
   */
  readonly timeout?: Duration;

  /**
   * The processor architecture.
   * @default lambda.Architecture.ARM_64 (cheaper per GB-second than x86_64)
   */
  readonly architecture?: lambda.Architecture;

  /**
   * How long the function's logs are kept. A deploy-time value (token) is rendered as it is.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack (`cdk destroy` included).
   * A concrete value: it becomes the DeletionPolicy, which CloudFormation takes from no parameter.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Who may call the Function URL: `AWS_IAM` (signed requests from `invokers` or any principal
   * you grant with `grantInvokeUrl`) or `NONE` (public: anyone on the internet).
   * A concrete value: it decides whether the permissions a public URL needs are created.
   * @default lambda.FunctionUrlAuthType.AWS_IAM
   */
  readonly authType?: lambda.FunctionUrlAuthType;

  /**
   * Principals allowed to call the Function URL with signed requests. Requires `AWS_IAM`.
   * @default - none; grant later with `grantInvokeUrl`
   */
  readonly invokers?: iam.IGrantable[];

  /**
   * CORS for browsers calling the Function URL.
   * @default - no CORS headers
   */
  readonly cors?: lambda.FunctionUrlCorsOptions;

  /**
   * Buffered or streamed responses. `RESPONSE_STREAM` needs a handler written for streaming.
   * @default lambda.InvokeMode.BUFFERED
   */
  readonly invokeMode?: lambda.InvokeMode;

  /**
   * How CodeDeploy moves traffic from the old version to the new one: `TrafficShift.canary()`,
   * `TrafficShift.linear()` or `TrafficShift.allAtOnce()`.
   * @default TrafficShift.canary(): 10 % for 5 minutes, then 100 %
   */
  readonly trafficShift?: TrafficShift;

  /**
   * The errors alarm fires when function errors plus 5xx answers of the URL reach this count
   * within one minute, which stops the shift and (with `app.rollout.autoRollback`) rolls back.
   * A deploy-time value (token) is rendered as it is.
   * @default 1
   */
  readonly errorThreshold?: number;

  /**
   * Also stop the shift when the alias's p99 duration stays above this for 2 minutes. Must be
   * shorter than `timeout` (compared when both are known); a deploy-time value must be written
   * `Duration.millis(token)` (the alarm counts milliseconds).
   * @default - no latency alarm
   */
  readonly p99DurationThreshold?: Duration;

  /**
   * X-Ray active tracing.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * The alias that carries traffic and the Function URL.
   * @default 'live'
   */
  readonly aliasName?: string;

  /**
   * Serve the app at a custom domain name over HTTPS. A Function URL cannot carry a custom domain,
   * so a CloudFront distribution is put in front of it: origin access control signs every request
   * to the URL (whose `authType` must then be `AWS_IAM`, the default), CloudFront is granted
   * `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` on the alias for this distribution only,
   * HTTP is redirected to HTTPS (TLSv1.2_2025 at least), nothing is cached, and an alias record
   * (A and AAAA) points the name at the distribution. `url` becomes `https://<domainName>`.
   *
   * CloudFront takes its certificate from us-east-1 only: pass `domain.certificate` (an ACM
   * certificate in us-east-1), or deploy the stack with `env: { region: 'us-east-1' }` and a
   * certificate validated through DNS in `domain.hostedZone` is created. Clients must send the
   * SHA-256 of the body in `x-amz-content-sha256` on POST and PUT (Lambda takes no unsigned payloads).
   * @default - no custom domain: `url` is the Function URL itself
   */
  readonly domain?: ServiceDomain;

  /**
   * CloudFront standard access logs into an S3 bucket. Only with `domain`.
   * @default true with a domain
   */
  readonly accessLogs?: boolean;

  /**
   * The bucket CloudFront writes its access logs to (prefix `cloudfront/`). CloudFront's standard
   * logs need the bucket's ACLs enabled (object ownership `BUCKET_OWNER_PREFERRED` or `OBJECT_WRITER`).
   * Only with `domain`.
   * @default - a new bucket: SSE-S3, TLS only, no public access, objects expire after 90 days, retained on removal
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * The ARN of an AWS WAF web ACL (scope `CLOUDFRONT`, created in us-east-1) to attach to the
   * distribution. Only with `domain`.
   * @default - no web ACL
   */
  readonly webAclArn?: string;

  /**
   * The SNS topic every alarm of this service notifies (alarm and OK), for example an `AlarmTopic`'s
   * `topic`. A topic encrypted with `alias/aws/sns` cannot receive alarms: use a customer-managed key.
   * @default - alarms notify nobody
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * A CloudWatch dashboard for this service: requests, errors, p50/p99 latency, concurrent executions
   * of the alias (the serverless "healthy replicas"), throttles and the rollout's alarms.
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * A KMS key that encrypts the function's log group. Its key policy must let CloudWatch Logs use it
   * (a `LogsKey` does; a key of this stack is given the statement).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Every prop of {@link FunctionServiceProps}, so that a plain-JavaScript (or other-language) caller's
 * typo (`memsize`) is an error, not a silently ignored prop. Typed so that a prop added to the
 * interface and not listed here fails to compile.
 */
const FUNCTION_SERVICE_PROPS: Record<keyof FunctionServiceProps, true> = {
  app: true,
  code: true,
  memorySize: true,
  timeout: true,
  architecture: true,
  logRetention: true,
  logRemovalPolicy: true,
  authType: true,
  invokers: true,
  cors: true,
  invokeMode: true,
  trafficShift: true,
  errorThreshold: true,
  p99DurationThreshold: true,
  tracing: true,
  aliasName: true,
  domain: true,
  accessLogs: true,
  accessLogsBucket: true,
  webAclArn: true,
  alarmTopic: true,
  dashboard: true,
  logEncryptionKey: true,
};

/** Lambda's reserved environment variable names (they cannot be set). */
const LAMBDA_RESERVED_ENV = /^(AWS_.*|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR|_HANDLER|_X_AMZN_TRACE_ID|TZ)$/;

/**
 * Lambda's limit for all environment variables of a function together: 4 KB (Lambda quotas), measured
 * on the variables as a JSON object (Lambda's error quotes the "String measured: {\"KEY\":\"value\"}").
 */
const LAMBDA_ENV_BYTES = 4096;

const DEFAULT_MEMORY_MB = 128;
const DEFAULT_TIMEOUT = Duration.seconds(5);

/** The retention periods CloudWatch Logs accepts (the values of `logs.RetentionDays`). */
const RETENTION_DAYS = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');

/**
 * The serverless style: the app as a Lambda function behind a Function URL, on an alias
 * that CodeDeploy moves to each new version with a canary (or linear) traffic shift, stopped
 * and rolled back by CloudWatch alarms.
 *
 * @example
 * new FunctionService(this, 'Service', {
 *   app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) },
 *   authType: lambda.FunctionUrlAuthType.NONE,
 * });
 */
export class FunctionService extends Construct implements IAppService {
  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** The version published for the current code and configuration. */
  public readonly version: lambda.IVersion;
  /** The alias (`live`) that takes traffic; CodeDeploy moves it. */
  public readonly alias: lambda.Alias;
  /** The Function URL, on the alias. */
  public readonly functionUrl: lambda.FunctionUrl;
  /** The CodeDeploy deployment group that shifts the alias. */
  public readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;
  /** The alarms that stop a shift and roll it back (and notify `alarmTopic`). */
  public readonly alarms: cloudwatch.IAlarm[];
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's execution role. */
  public readonly role: iam.Role;
  /** The app description with its defaults filled in. */
  public readonly app: ResolvedApp;
  /** The version string the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The address users call: `https://<domainName>` with a `domain`, the Function URL otherwise. */
  public readonly url: string;
  public readonly grantPrincipal: iam.IPrincipal;
  /** The CloudFront distribution in front of the Function URL (with `domain` only). */
  public readonly distribution?: cloudfront.Distribution;
  /** The distribution's certificate, given or created in us-east-1 (with `domain` only). */
  public readonly certificate?: acm.ICertificate;
  /** The alias record of the domain name (with `domain` only; an AAAA record sits beside it). */
  public readonly aliasRecord?: route53.ARecord;
  /** The bucket of CloudFront's access logs (with `domain`, unless `accessLogs: false`). */
  public readonly accessLogsBucket?: s3.IBucket;
  /** The service's CloudWatch dashboard (with `dashboard: true` only). */
  public readonly dashboard?: ServiceDashboard;

  /** The alarms that stop a traffic shift and roll it back (the same as `alarms`). */
  public get rolloutAlarms(): cloudwatch.IAlarm[] {
    return this.alarms;
  }

  /** Requests to the Function URL on the alias (`UrlRequestCount`, published by Lambda), Sum per minute. */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.urlMetric('UrlRequestCount', 'Sum', props);
  }

  /**
   * 5xx answers of the Function URL on the alias (`Url5xxCount`, published by Lambda: function errors
   * and timeouts included), Sum per minute.
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.urlMetric('Url5xxCount', 'Sum', props);
  }

  /** Time from the URL receiving a request to its answer, in milliseconds (`UrlRequestLatency`, published by Lambda), p99 per minute. */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.urlMetric('UrlRequestLatency', 'p99', props);
  }

  /** A Function URL metric of the alias (dimensions FunctionName and Resource `function:alias`, as Lambda publishes them). */
  private urlMetric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: this.function.functionName, Resource: `${this.function.functionName}:${this.alias.aliasName}` },
      statistic,
      period: Duration.minutes(1),
      ...props,
    });
  }

  constructor(scope: Construct, id: string, props: FunctionServiceProps) {
    super(scope, id);
    checkKnownProps(this, props, FUNCTION_SERVICE_PROPS);
    this.app = resolveApp(this, props?.app);
    validateProps(this, props, this.app);
    const shift = resolveTrafficShift(this, props.trafficShift);
    const dir = props.code ? undefined : this.sourceDirectory();
    this.appVersion = appVersion(this.app, dir);

    this.logGroup = this.createLogGroup(props);
    this.role = this.createRole();
    this.grantPrincipal = this.role;
    this.function = this.createFunction(props, props.code ?? lambda.Code.fromAsset(dir!, { exclude: this.app.source.exclude ?? DEFAULT_CODE_EXCLUDE }));
    this.version = this.function.currentVersion;
    this.alias = this.createAlias(props);
    this.functionUrl = this.createFunctionUrl(props);
    const alarms = this.createAlarms(props);
    this.alarms = alarms;
    this.deploymentGroup = this.createDeploymentGroup(shift);
    notifyOnAlarms(props.alarmTopic, alarms);
    if (props.domain) {
      const front = createFrontDoor(this, { functionUrl: this.functionUrl, domain: props.domain, accessLogs: props.accessLogs ?? true, accessLogsBucket: props.accessLogsBucket, webAclArn: props.webAclArn });
      this.distribution = front.distribution;
      this.certificate = front.certificate;
      this.aliasRecord = front.aliasRecord;
      this.accessLogsBucket = front.accessLogsBucket;
      this.url = `https://${props.domain.domainName}`;
    } else {
      this.url = this.functionUrl.url;
    }
    if (props.dashboard) this.dashboard = this.createDashboard();
  }

  /** Lets a principal call the Function URL with signed requests (for `AWS_IAM`). */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.functionUrl.grantInvokeUrl(grantee);
  }

  /** The code directory, packaged as an asset at synth: its path and exclusions must be concrete. */
  private sourceDirectory(): string {
    const why = 'the code is packaged and hashed at synth';
    checkConcrete(this, 'app.source.directory', this.app.source.directory, why);
    (this.app.source.exclude ?? []).forEach((glob, i) => checkConcrete(this, `app.source.exclude[${i}]`, glob, why));
    return sourceDirectory(this, this.app);
  }

  private createLogGroup(props: FunctionServiceProps): logs.LogGroup {
    if (props.logEncryptionKey) grantLogsUse(props.logEncryptionKey);
    return new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
  }

  /**
   * Requests, errors and latency from the contract's metrics; "healthy replicas" are the alias's
   * concurrent executions (Lambda publishes ConcurrentExecutions for functions, versions and aliases:
   * the execution environments busy with a request), scaling activity its throttles (requests refused
   * because reserved or account concurrency ran out) and, with provisioned concurrency, the executions
   * served by it.
   */
  private createDashboard(): ServiceDashboard {
    const metric = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: this.function.functionName, Resource: `${this.function.functionName}:${this.alias.aliasName}` },
      statistic,
      period: Duration.minutes(1),
      label,
    });
    const min = this.app.replicas.min;
    const provisioned = min !== undefined && (Token.isUnresolved(min) || min > 0);
    return new ServiceDashboard(this, 'Dashboard', {
      service: this,
      healthyReplicas: metric('ConcurrentExecutions', 'Maximum', 'Concurrent executions (live alias)'),
      scalingActivity: [
        metric('Throttles', 'Sum', 'Throttled requests (live alias)'),
        ...(provisioned ? [metric('ProvisionedConcurrentExecutions', 'Maximum', 'Executions on provisioned concurrency (live alias)')] : []),
      ],
    });
  }

  /**
   * An explicit role that may write to this log group only (the default role would attach
   * AWSLambdaBasicExecutionRole, which allows writing to every log group of the account).
   */
  private createRole(): iam.Role {
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${this.app.name} function`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    return role;
  }

  private createFunction(props: FunctionServiceProps, code: lambda.Code): lambda.Function {
    const secrets = bindSecrets(this, this.app.secrets);
    const environment: Record<string, string> = { ...this.app.environment, APP_VERSION: this.appVersion };
    for (const s of secrets) environment[secretRefEnvName(s.envName)] = s.reference;
    checkEnvironmentSize(this, environment);

    const fn = new lambda.Function(this, 'Resource', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      handler: this.app.handler,
      code,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      environment,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ?? lambda.Tracing.DISABLED,
      reservedConcurrentExecutions: this.app.replicas.max,
      description: `${this.app.name} ${this.appVersion}`,
    });
    for (const s of secrets) s.grantRead(this.role);
    acknowledgeControl(fn, 'CT.LAMBDA.PR.3', 'A web function that reaches no private resource: it answers requests from its Function URL and calls only public AWS APIs (Secrets Manager, SSM), so a VPC would add ENIs, NAT and endpoint costs to the cold start path without isolating anything.');
    // lambda.Function grants X-Ray's write actions on "*" for every mode but DISABLED (PASS_THROUGH and a
    // deploy-time mode included), so the finding is acknowledged whenever that statement exists.
    if (props.tracing !== undefined && props.tracing !== lambda.Tracing.DISABLED) {
      acknowledgeNag(this.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords accept no resource narrower than "*"; added only because tracing is not DISABLED.');
    }
    return fn;
  }

  private createAlias(props: FunctionServiceProps): lambda.Alias {
    // replicas.min 0 means "no provisioned concurrency" (0 is not a valid ProvisionedConcurrentExecutions).
    // A deploy-time value is rendered as it is, so it must be at least 1 when the stack deploys.
    const min = this.app.replicas.min;
    return new lambda.Alias(this, 'Alias', {
      aliasName: props.aliasName ?? 'live',
      version: this.version,
      provisionedConcurrentExecutions: min !== undefined && (Token.isUnresolved(min) || min > 0) ? min : undefined,
    });
  }

  private createFunctionUrl(props: FunctionServiceProps): lambda.FunctionUrl {
    const authType = props.authType ?? lambda.FunctionUrlAuthType.AWS_IAM;
    const functionUrl = this.alias.addFunctionUrl({ authType, cors: props.cors, invokeMode: props.invokeMode ?? lambda.InvokeMode.BUFFERED });
    for (const invoker of props.invokers ?? []) functionUrl.grantInvokeUrl(invoker);
    return functionUrl;
  }

  private createAlarms(props: FunctionServiceProps): cloudwatch.Alarm[] {
    const dims = { FunctionName: this.function.functionName, Resource: `${this.function.functionName}:${this.alias.aliasName}` };
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: dims, statistic, period: Duration.minutes(1) });
    const errors = new cloudwatch.MathExpression({
      expression: 'FILL(errors, 0) + FILL(url5xx, 0)',
      usingMetrics: { errors: metric('Errors', 'Sum'), url5xx: metric('Url5xxCount', 'Sum') },
      period: Duration.minutes(1),
      label: 'Errors and URL 5xx answers of the live alias',
    });
    const alarms: cloudwatch.Alarm[] = [
      new cloudwatch.Alarm(this, 'ErrorsAlarm', {
        metric: errors,
        threshold: props.errorThreshold ?? 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Stops and rolls back a traffic shift of ${this.node.path} when the live alias errors or answers 5xx.`,
      }),
    ];
    if (props.p99DurationThreshold) {
      alarms.push(
        new cloudwatch.Alarm(this, 'LatencyAlarm', {
          metric: metric('Duration', 'p99'),
          threshold: props.p99DurationThreshold.toMilliseconds({ integral: false }),
          evaluationPeriods: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `Stops and rolls back a traffic shift of ${this.node.path} when the live alias's p99 duration is too high.`,
        }),
      );
    }
    return alarms;
  }

  private createDeploymentGroup(shift: ResolvedTrafficShift): codedeploy.LambdaDeploymentGroup {
    const autoRollback = this.app.rollout.autoRollback ?? true;
    const group = new codedeploy.LambdaDeploymentGroup(this, 'DeploymentGroup', {
      alias: this.alias,
      deploymentConfig: deploymentConfigFor(this, shift),
      alarms: this.alarms,
      autoRollback: { failedDeployment: autoRollback, stoppedDeployment: autoRollback, deploymentInAlarm: autoRollback },
    });
    acknowledgeNag(
      group,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      'CodeDeploy\'s own service role for Lambda deployments: the AWS-managed "Limited" policy allows only reading and updating aliases, reading alarms, and invoking CodeDeployHook_* functions, and AWS keeps it in step with the CodeDeploy API.',
    );
    return group;
  }
}

/** Checks every prop before anything is created: our error, tied to the construct, naming the prop as the caller wrote it. */
function validateProps(where: Construct, props: FunctionServiceProps, app: ResolvedApp): void {
  validateFunctionProps(where, props);
  validateAlarmProps(where, props);
  validateUrlProps(where, props);
  validateLogProps(where, props);
  validateAppMapping(where, app);
  validateOperationsProps(where, props);
  validateFrontDoorProps(where, props);
}

/** alarmTopic, dashboard, logEncryptionKey: what operating the service adds. */
function validateOperationsProps(where: Construct, props: FunctionServiceProps): void {
  checkHasMember(where, 'alarmTopic', props.alarmTopic, 'topicArn', 'string', 'must be an sns.ITopic, for example an AlarmTopic\'s topic');
  checkType(where, 'dashboard', props.dashboard, 'boolean');
  checkHasMember(where, 'logEncryptionKey', props.logEncryptionKey, 'keyArn', 'string', 'must be a kms.IKey, for example a LogsKey\'s key');
}

/** memorySize, timeout, architecture, tracing, code: what the function itself is given. */
function validateFunctionProps(where: Construct, props: FunctionServiceProps): void {
  checkType(where, 'memorySize', props.memorySize, 'number');
  checkInteger(where, 'memorySize', props.memorySize, { min: 128, max: 10240 });
  checkDuration(where, 'timeout', props.timeout, { min: Duration.seconds(1), max: Duration.minutes(15) });
  checkWholeUnits(where, 'timeout', props.timeout, 'seconds', 'must be a whole number of seconds (Lambda counts in seconds)');
  durationIn(where, 'timeout', props.timeout, 'seconds', "Lambda's Timeout counts seconds");
  checkHasMember(where, 'architecture', props.architecture, 'name', 'string', 'must be a lambda.Architecture, for example lambda.Architecture.ARM_64');
  checkOneOf(where, 'tracing', props.tracing, Object.values(lambda.Tracing));
  checkHasMember(where, 'code', props.code, 'bind', 'function', 'must be a lambda.Code, for example lambda.Code.fromAsset(\'dist/handler\')');
}

/** errorThreshold and p99DurationThreshold: the alarms that stop a shift. */
function validateAlarmProps(where: Construct, props: FunctionServiceProps): void {
  checkType(where, 'errorThreshold', props.errorThreshold, 'number');
  checkInteger(where, 'errorThreshold', props.errorThreshold, { min: 1, max: 1_000_000 });
  const p99 = props.p99DurationThreshold;
  checkDuration(where, 'p99DurationThreshold', p99, { min: Duration.millis(1), max: Duration.minutes(15) });
  durationIn(where, 'p99DurationThreshold', p99, 'millis', 'the alarm threshold counts milliseconds');
  // Compared only when both are known: a deploy-time value is checked by nobody but CloudFormation.
  const timeout = props.timeout ?? DEFAULT_TIMEOUT;
  if (p99 && !p99.isUnresolved() && !timeout.isUnresolved() && p99.toMilliseconds({ integral: false }) >= timeout.toMilliseconds({ integral: false })) {
    const given = `${timeout.toHumanString()}${props.timeout ? '' : ', the default'}`;
    throw new OrchestrationError(where, 'p99DurationThreshold', p99, `must be shorter than timeout (${given}): no invocation runs longer, so the alarm could never fire`);
  }
}

/** aliasName, authType, invokers, cors, invokeMode: the alias and its Function URL. */
function validateUrlProps(where: Construct, props: FunctionServiceProps): void {
  checkType(where, 'aliasName', props.aliasName, 'string');
  if (props.aliasName !== undefined && !Token.isUnresolved(props.aliasName) && !/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/.test(props.aliasName)) {
    throw new OrchestrationError(where, 'aliasName', props.aliasName, 'must be 1-128 letters, digits, "-" or "_", and not only digits');
  }
  checkConcrete(where, 'authType', props.authType, 'it decides whether the public permissions a URL with authType NONE needs are created');
  checkOneOf(where, 'authType', props.authType, Object.values(lambda.FunctionUrlAuthType));
  if (props.invokers !== undefined) {
    if (!Array.isArray(props.invokers)) throw new OrchestrationError(where, 'invokers', props.invokers, 'must be a list of principals (iam.IGrantable), for example [role]');
    props.invokers.forEach((g, i) => checkHasMember(where, `invokers[${i}]`, g, 'grantPrincipal', 'object', 'must be an iam.IGrantable (a role, a user, a function...)'));
  }
  if (props.authType === lambda.FunctionUrlAuthType.NONE && props.invokers && props.invokers.length > 0) {
    throw new OrchestrationError(where, 'invokers', `${props.invokers.length} principal(s)`, 'only apply with authType AWS_IAM; a URL with authType NONE is public and ignores IAM grants');
  }
  validateCors(where, props.cors);
  checkOneOf(where, 'invokeMode', props.invokeMode, Object.values(lambda.InvokeMode));
}

function validateCors(where: Construct, cors: lambda.FunctionUrlCorsOptions | undefined): void {
  if (cors === undefined) return;
  if (cors === null || typeof cors !== 'object' || Array.isArray(cors)) throw new OrchestrationError(where, 'cors', cors, 'must be an object (lambda.FunctionUrlCorsOptions)');
  checkType(where, 'cors.allowCredentials', cors.allowCredentials, 'boolean');
  for (const key of ['allowedOrigins', 'allowedHeaders', 'exposedHeaders'] as const) checkStringArray(where, `cors.${key}`, cors[key]);
  checkStringArray(where, 'cors.allowedMethods', cors.allowedMethods);
  (cors.allowedMethods ?? []).forEach((m, i) => checkOneOf(where, `cors.allowedMethods[${i}]`, m, Object.values(lambda.HttpMethod)));
  checkDuration(where, 'cors.maxAge', cors.maxAge, { min: Duration.seconds(0), max: Duration.days(1) });
  checkWholeUnits(where, 'cors.maxAge', cors.maxAge, 'seconds', 'must be a whole number of seconds (the Function URL counts in seconds)');
  durationIn(where, 'cors.maxAge', cors.maxAge, 'seconds', "the Function URL's MaxAge counts seconds");
  if (cors.allowCredentials && (cors.allowedOrigins ?? ['*']).includes('*')) {
    throw new OrchestrationError(where, 'cors.allowedOrigins', cors.allowedOrigins ?? ['*'], 'must list explicit origins when cors.allowCredentials is true (browsers reject "*" with credentials)');
  }
}

/** logRetention and logRemovalPolicy: the log group. */
function validateLogProps(where: Construct, props: FunctionServiceProps): void {
  checkType(where, 'logRetention', props.logRetention, 'number');
  if (props.logRetention !== undefined && !Token.isUnresolved(props.logRetention) && !RETENTION_DAYS.includes(props.logRetention)) {
    throw new OrchestrationError(where, 'logRetention', props.logRetention, `must be a logs.RetentionDays value (days: ${RETENTION_DAYS.filter((d) => d !== logs.RetentionDays.INFINITE).join(', ')}, or INFINITE)`);
  }
  checkConcrete(where, 'logRemovalPolicy', props.logRemovalPolicy, 'it becomes the log group\'s DeletionPolicy, which CloudFormation does not take from a parameter');
  checkOneOf(where, 'logRemovalPolicy', props.logRemovalPolicy, Object.values(RemovalPolicy));
}

/** The shared app description's fields as this style reads them (resolveApp checked the rest). */
function validateAppMapping(where: Construct, app: ResolvedApp): void {
  if (app.source.image !== undefined) {
    throw new OrchestrationError(where, 'app.source.image', app.source.image, 'is for the container style; the serverless style runs code from app.source.directory or the code prop');
  }
  const keyWhy = 'it becomes an environment variable name, and CloudFormation takes no deploy-time values as map keys';
  for (const key of Object.keys(app.environment)) checkConcrete(where, 'app.environment key', key, keyWhy);
  for (const key of Object.keys(app.secrets)) checkConcrete(where, 'app.secrets key', key, keyWhy);
  for (const key of [...Object.keys(app.environment), ...Object.keys(app.secrets).map(secretRefEnvName)]) {
    if (LAMBDA_RESERVED_ENV.test(key)) throw new OrchestrationError(where, `app.environment.${key}`, key, 'is reserved by Lambda (AWS_*, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, _HANDLER, _X_AMZN_TRACE_ID, TZ)');
  }
}

/**
 * Lambda's 4 KB limit over every variable the function gets (the app's, APP_VERSION and the secret
 * references), measured as Lambda does: the variables as one JSON object, `{"KEY":"value",...}`.
 * Deploy-time parts count as 0 bytes: the check only rejects what can never fit.
 */
function checkEnvironmentSize(where: Construct, environment: Record<string, string>): void {
  checkMaxBytes(where, 'app.environment', JSON.stringify(environment), LAMBDA_ENV_BYTES, `must stay within Lambda's 4 KB limit (${LAMBDA_ENV_BYTES} bytes, measured as the JSON object {"KEY":"value",...}) for all variables together (APP_VERSION and the secrets' *_SECRET_REF included)`);
}
