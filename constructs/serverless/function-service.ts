import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type AppDescription, type ResolvedApp, resolveApp } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { secretRefEnvName } from '../../lib/secret-ref';
import { checkDuration, checkInteger, checkOneOf } from '../../lib/validate';
import { acknowledgeNag } from '../shared/nag';
import { bindSecrets } from '../shared/secrets';
import { appVersion, DEFAULT_CODE_EXCLUDE, sourceDirectory } from '../shared/source';
import { deploymentConfigFor, resolveTrafficShift, type TrafficShift } from './traffic-shift';

/** Props of {@link FunctionService}. */
export interface FunctionServiceProps {
  /**
   * The app: its code (`source.directory`, ready-to-run JavaScript), handler, configuration,
   * secrets, replicas (min: provisioned concurrency, max: reserved concurrency) and rollout.
   */
  readonly app: AppDescription;

  /**
   * Lambda code to run instead of `app.source.directory`, for handlers you bundle some other
   * way (for example `lambda.Code.fromAsset('dist/handler')` after your own esbuild step).
   * @default - `app.source.directory` as an asset, shipped as it is (no bundling at synth)
   */
  readonly code?: lambda.Code;

  /**
   * Memory in MB, from 128 to 10240.
   * @default 128, the book's size
   */
  readonly memorySize?: number;

  /**
   * How long one invocation may run, from 1 second to 15 minutes.
   * @default Duration.seconds(5), the book's timeout
   */
  readonly timeout?: Duration;

  /**
   * The processor architecture.
   * @default lambda.Architecture.ARM_64 (cheaper per GB-second than x86_64)
   */
  readonly architecture?: lambda.Architecture;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack (`cdk destroy` included).
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Who may call the Function URL: `AWS_IAM` (signed requests from `invokers` or any principal
   * you grant with `grantInvokeUrl`) or `NONE` (public: anyone on the internet).
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
   * How CodeDeploy moves traffic from the old version to the new one.
   * @default - canary: 10 % for 5 minutes, then 100 %
   */
  readonly trafficShift?: TrafficShift;

  /**
   * The errors alarm fires when function errors plus 5xx answers of the URL reach this count
   * within one minute, which stops the shift and (with `app.rollout.autoRollback`) rolls back.
   * @default 1
   */
  readonly errorThreshold?: number;

  /**
   * Also stop the shift when the alias's p99 duration stays above this for 2 minutes.
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
}

/** Lambda's reserved environment variable names (they cannot be set). */
const LAMBDA_RESERVED_ENV = /^(AWS_.*|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR|_HANDLER|_X_AMZN_TRACE_ID|TZ)$/;

/**
 * The serverless style: the app as a Lambda function behind a Function URL, on an alias
 * that CodeDeploy moves to each new version with a canary (or linear) traffic shift, stopped
 * and rolled back by CloudWatch alarms.
 *
 * @example
 * new FunctionService(this, 'Service', {
 *   app: { source: { directory: path.join(__dirname, 'app') } },
 *   authType: lambda.FunctionUrlAuthType.NONE,
 * });
 */
export class FunctionService extends Construct implements iam.IGrantable {
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
  /** The alarms that stop a shift and roll it back. */
  public readonly alarms: cloudwatch.IAlarm[];
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's execution role. */
  public readonly role: iam.Role;
  /** The app description with its defaults filled in. */
  public readonly app: ResolvedApp;
  /** The version string the app reports (`APP_VERSION`). */
  public readonly appVersion: string;
  /** The Function URL's address. */
  public readonly url: string;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: FunctionServiceProps) {
    super(scope, id);
    const app = resolveApp(this, props?.app);
    this.app = app;
    validateProps(this, props, app);
    const shift = resolveTrafficShift(this, props.trafficShift);

    const dir = props.code ? undefined : sourceDirectory(this, app);
    const code = props.code ?? lambda.Code.fromAsset(dir!, { exclude: app.source.exclude ?? DEFAULT_CODE_EXCLUDE });
    this.appVersion = appVersion(app, dir);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An explicit role that may write to this log group only (the default role would attach
    // AWSLambdaBasicExecutionRole, which allows writing to every log group of the account).
    this.role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${app.name} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    this.grantPrincipal = this.role;

    const secrets = bindSecrets(this, app.secrets);
    const environment: Record<string, string> = { ...app.environment, APP_VERSION: this.appVersion };
    for (const s of secrets) environment[secretRefEnvName(s.envName)] = s.reference;

    this.function = new lambda.Function(this, 'Resource', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      handler: app.handler,
      code,
      memorySize: props.memorySize ?? 128,
      timeout: props.timeout ?? Duration.seconds(5),
      environment,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ?? lambda.Tracing.DISABLED,
      reservedConcurrentExecutions: app.replicas.max,
      description: `${app.name} ${this.appVersion}`,
    });
    for (const s of secrets) s.grantRead(this.role);
    if (props.tracing === lambda.Tracing.ACTIVE) {
      acknowledgeNag(this.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords accept no resource narrower than "*"; added only because tracing is ACTIVE.');
    }

    this.version = this.function.currentVersion;
    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName: props.aliasName ?? 'live',
      version: this.version,
      provisionedConcurrentExecutions: app.replicas.min ? app.replicas.min : undefined,
    });

    const authType = props.authType ?? lambda.FunctionUrlAuthType.AWS_IAM;
    this.functionUrl = this.alias.addFunctionUrl({ authType, cors: props.cors, invokeMode: props.invokeMode ?? lambda.InvokeMode.BUFFERED });
    this.url = this.functionUrl.url;
    for (const invoker of props.invokers ?? []) this.functionUrl.grantInvokeUrl(invoker);

    this.alarms = this.createAlarms(props);

    const autoRollback = app.rollout.autoRollback ?? true;
    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'DeploymentGroup', {
      alias: this.alias,
      deploymentConfig: deploymentConfigFor(this, shift),
      alarms: this.alarms,
      autoRollback: { failedDeployment: autoRollback, stoppedDeployment: autoRollback, deploymentInAlarm: autoRollback },
    });
    acknowledgeNag(
      this.deploymentGroup,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      'CodeDeploy\'s own service role for Lambda deployments: the AWS-managed "Limited" policy allows only reading and updating aliases, reading alarms, and invoking CodeDeployHook_* functions, and AWS keeps it in step with the CodeDeploy API.',
    );
  }

  /** Lets a principal call the Function URL with signed requests (for `AWS_IAM`). */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.functionUrl.grantInvokeUrl(grantee);
  }

  private createAlarms(props: FunctionServiceProps): cloudwatch.IAlarm[] {
    const dims = { FunctionName: this.function.functionName, Resource: `${this.function.functionName}:${this.alias.aliasName}` };
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: dims, statistic, period: Duration.minutes(1) });
    const errors = new cloudwatch.MathExpression({
      expression: 'FILL(errors, 0) + FILL(url5xx, 0)',
      usingMetrics: { errors: metric('Errors', 'Sum'), url5xx: metric('Url5xxCount', 'Sum') },
      period: Duration.minutes(1),
      label: 'Errors and URL 5xx answers of the live alias',
    });
    const alarms: cloudwatch.IAlarm[] = [
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
          threshold: props.p99DurationThreshold.toMilliseconds(),
          evaluationPeriods: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `Stops and rolls back a traffic shift of ${this.node.path} when the live alias's p99 duration is too high.`,
        }),
      );
    }
    return alarms;
  }
}

function validateProps(where: Construct, props: FunctionServiceProps, app: ResolvedApp): void {
  checkInteger(where, 'memorySize', props.memorySize, { min: 128, max: 10240 });
  checkDuration(where, 'timeout', props.timeout, { min: Duration.seconds(1), max: Duration.minutes(15) });
  checkInteger(where, 'errorThreshold', props.errorThreshold, { min: 1, max: 1_000_000 });
  if (props.p99DurationThreshold && props.timeout && !props.timeout.isUnresolved() && props.p99DurationThreshold.toMilliseconds() >= props.timeout.toMilliseconds()) {
    throw new OrchestrationError(where, 'p99DurationThreshold', props.p99DurationThreshold, `must be shorter than timeout (${props.timeout.toHumanString()})`);
  }
  checkDuration(where, 'p99DurationThreshold', props.p99DurationThreshold, { min: Duration.millis(1), max: Duration.minutes(15) });
  if (props.aliasName !== undefined && !Token.isUnresolved(props.aliasName) && !/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/.test(props.aliasName)) {
    throw new OrchestrationError(where, 'aliasName', props.aliasName, 'must be 1-128 letters, digits, "-" or "_", and not only digits');
  }
  checkOneOf(where, 'authType', props.authType, [lambda.FunctionUrlAuthType.AWS_IAM, lambda.FunctionUrlAuthType.NONE]);
  if (props.authType === lambda.FunctionUrlAuthType.NONE && props.invokers && props.invokers.length > 0) {
    throw new OrchestrationError(where, 'invokers', `${props.invokers.length} principal(s)`, 'only apply with authType AWS_IAM; a URL with authType NONE is public and ignores IAM grants');
  }
  const cors = props.cors;
  if (cors?.allowCredentials && (cors.allowedOrigins ?? ['*']).includes('*')) {
    throw new OrchestrationError(where, 'cors.allowedOrigins', cors.allowedOrigins ?? ['*'], 'must list explicit origins when cors.allowCredentials is true (browsers reject "*" with credentials)');
  }
  if (app.source.image !== undefined) {
    throw new OrchestrationError(where, 'app.source.image', app.source.image, 'is for the container style; the serverless style runs code from app.source.directory or the code prop');
  }
  for (const key of [...Object.keys(app.environment), ...Object.keys(app.secrets).map(secretRefEnvName)]) {
    if (LAMBDA_RESERVED_ENV.test(key)) throw new OrchestrationError(where, `app.environment.${key}`, key, 'is reserved by Lambda (AWS_*, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, _HANDLER, _X_AMZN_TRACE_ID, TZ)');
  }
  const envBytes = Object.entries(app.environment).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (envBytes > 4000) throw new OrchestrationError(where, 'app.environment', `${envBytes} bytes`, 'must stay under Lambda\'s 4 KB limit for all variables together');
  if (app.replicas.min && app.replicas.max !== undefined && app.replicas.min > app.replicas.max) {
    throw new OrchestrationError(where, 'app.replicas.min', app.replicas.min, 'provisioned concurrency must not exceed app.replicas.max (reserved concurrency)');
  }
}
