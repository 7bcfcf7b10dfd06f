import type { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from './errors';
import { checkInteger, checkIsDuration, checkKnownProps, checkNumber, checkOrdered, checkPattern, checkType } from './validate';

/**
 * The shared vocabulary of cdk-orchestration: one description of "an app" that every style's
 * construct takes as its `app` prop. Learn it once; the server, vm, container and serverless
 * constructs read the same fields and document how each maps onto their platform.
 */
export interface AppDescription {
  /**
   * Short name of the app, used in descriptions, tags, log group paths and Kubernetes labels
   * (never in physical resource names). Lowercase letters, digits and hyphens.
   * @default 'app'
   */
  readonly name?: string;

  /**
   * Where the app's code comes from: `AppSource.fromDirectory(dir)`, a directory of ready-to-run
   * JavaScript (server, vm, serverless) or with a Dockerfile (container), given as an absolute
   * path (for example `path.join(__dirname, 'app')`); or `AppSource.fromImage(ref)` (container).
   */
  readonly source: AppSource;

  /**
   * The version the app reports (`APP_VERSION` in its environment, `x-app-version` header).
   * @default - derived from the source's asset hash, so a code change is a new version
   */
  readonly version?: string;

  /**
   * The command that starts the app (server, vm and container styles), run in the source directory.
   * @default ['node', 'server.js']
   */
  readonly command?: string[];

  /**
   * The Lambda handler (serverless style), `file.export` inside the source directory.
   * @default 'lambda.handler'
   */
  readonly handler?: string;

  /**
   * The TCP port the app listens on (`PORT` in its environment).
   * @default 8080
   */
  readonly port?: number;

  /**
   * The path load balancers, probes and rollouts use to decide that a replica is healthy.
   * It must answer 200 quickly and without side effects.
   * @default '/healthz'
   */
  readonly healthCheckPath?: string;

  /**
   * Plain configuration values for the app's environment. Never put secrets here: they would
   * appear in templates, launch templates and manifests. Use `secrets`.
   * @default - none besides PORT and APP_VERSION, which every style sets
   */
  readonly environment?: Record<string, string>;

  /**
   * Secrets the app needs (`AppSecret.fromSecretName('prod/db')`...), keyed by the environment
   * variable that receives them. Only a reference ever reaches a template; the value is read at start by the replica's own role
   * (see each style's README for the exact mechanism).
   * @default - no secrets
   */
  readonly secrets?: Record<string, AppSecret>;

  /**
   * How many replicas run, and the bounds for auto scaling.
   * @default - each style documents its defaults (the book's: 3, scaling to 10)
   */
  readonly replicas?: AppReplicas;

  /**
   * The safety limits of a rollout of a new version.
   * @default - each style documents its defaults (the book's)
   */
  readonly rollout?: RolloutLimits;
}

/** Options of {@link AppSource.fromDirectory}. */
export interface DirectorySourceOptions {
  /**
   * Glob patterns excluded from the directory's asset (and so from its hash).
   * @default ['node_modules', '.git', '*.md', 'Dockerfile', '.dockerignore', '*.test.*'] for code assets
   */
  readonly exclude?: string[];
}

/**
 * Where an app's code comes from: a local directory ({@link AppSource.fromDirectory}) or a
 * container image ({@link AppSource.fromImage}, container style only).
 */
export class AppSource {
  /**
   * A local directory, shipped as a CDK asset: ready-to-run JavaScript for the server, vm
   * and serverless styles (bundle TypeScript and dependencies yourself first, see the README),
   * or a Docker build context for the container style. Pass an absolute path
   * (`path.join(__dirname, 'app')`); a relative one is resolved against the working directory.
   */
  public static fromDirectory(directory: string, options: DirectorySourceOptions = {}): AppSource {
    const fn = 'AppSource.fromDirectory';
    if (typeof directory !== 'string' || directory === '') throw new OrchestrationError('', `${fn}(directory)`, directory, 'must be a non-empty string: the path of a directory');
    checkOptions(fn, options, DIRECTORY_OPTIONS);
    const exclude = options.exclude;
    if (exclude !== undefined && (!Array.isArray(exclude) || exclude.some((e) => typeof e !== 'string'))) {
      throw new OrchestrationError('', `${fn}(options.exclude)`, exclude, 'must be a list of glob patterns (strings)');
    }
    return new AppSource({ directory, exclude });
  }

  /** A container image reference (`registry/repo:tag` or `@sha256:` digest), for the container style. */
  public static fromImage(image: string): AppSource {
    if (typeof image !== 'string' || image === '') throw new OrchestrationError('', 'AppSource.fromImage(image)', image, 'must be a non-empty string: a container image reference (registry/repo:tag or @sha256: digest)');
    return new AppSource({ image });
  }

  /**
   * The directory, when the source is one.
   * @default - not a directory source
   */
  public readonly directory?: string;
  /**
   * The directory's excluded glob patterns, when given.
   * @default - the style's defaults
   */
  public readonly exclude?: string[];
  /**
   * The image reference, when the source is an image.
   * @default - not an image source
   */
  public readonly image?: string;

  private constructor(fields: SourceFields) {
    this.directory = fields.directory;
    if (fields.exclude !== undefined) this.exclude = fields.exclude;
    this.image = fields.image;
  }
}

interface SourceFields {
  readonly directory?: string;
  readonly exclude?: string[];
  readonly image?: string;
}

/** Options of every kind of {@link AppSecret}. */
export interface AppParameterOptions {
  /**
   * The customer-managed KMS key the secret or parameter is encrypted with: the app's identity
   * gets `kms:Decrypt` on it, only through Secrets Manager or Parameter Store (`kms:ViaService`).
   * The key's own policy is outside the template: it must let the account's IAM policies grant
   * its use (the default key policy does).
   * @default - an AWS-managed key (`aws/secretsmanager`, `aws/ssm`), or the key an `ISecret` carries
   */
  readonly encryptionKey?: IKey;
}

/** Options of the Secrets Manager kinds of {@link AppSecret}. */
export interface AppSecretOptions extends AppParameterOptions {
  /**
   * A key inside a JSON Secrets Manager secret.
   * @default - the whole secret string
   */
  readonly jsonField?: string;
}

/**
 * A reference to a secret, for `AppDescription.secrets`: the environment variable named by its
 * key receives the value when the app starts. Only the reference ever reaches a template.
 */
export class AppSecret {
  /** A Secrets Manager secret object (created in the app or imported). */
  public static fromSecret(secret: ISecret, options: AppSecretOptions = {}): AppSecret {
    const fn = 'AppSecret.fromSecret';
    if (!secret || typeof secret !== 'object' || typeof (secret as { secretArn?: unknown }).secretArn !== 'string') {
      throw new OrchestrationError('', `${fn}(secret)`, describeObject(secret), 'must be a Secrets Manager secret (secretsmanager.ISecret), for example secretsmanager.Secret.fromSecretNameV2(...)');
    }
    return new AppSecret({ secret, jsonField: jsonFieldOf(fn, options), encryptionKey: encryptionKeyOf(fn, options) });
  }

  /** The name of an existing Secrets Manager secret (letters, digits and `/_+=.@-`). */
  public static fromSecretName(secretName: string, options: AppSecretOptions = {}): AppSecret {
    const fn = 'AppSecret.fromSecretName';
    checkString(fn, 'secretName', secretName);
    checkPattern('', `${fn}(secretName)`, secretName, SECRET_NAME, SECRET_NAME_ALLOWED);
    return new AppSecret({ secretName, jsonField: jsonFieldOf(fn, options), encryptionKey: encryptionKeyOf(fn, options) });
  }

  /** The complete ARN of an existing Secrets Manager secret (with its 6-character suffix). */
  public static fromSecretArn(secretArn: string, options: AppSecretOptions = {}): AppSecret {
    const fn = 'AppSecret.fromSecretArn';
    checkString(fn, 'secretArn', secretArn);
    checkPattern('', `${fn}(secretArn)`, secretArn, SECRET_ARN, SECRET_ARN_ALLOWED);
    return new AppSecret({ secretArn, jsonField: jsonFieldOf(fn, options), encryptionKey: encryptionKeyOf(fn, options) });
  }

  /** The name of an SSM Parameter Store SecureString parameter, starting with `/`. */
  public static fromParameterName(parameterName: string, options: AppParameterOptions = {}): AppSecret {
    const fn = 'AppSecret.fromParameterName';
    checkString(fn, 'parameterName', parameterName);
    checkPattern('', `${fn}(parameterName)`, parameterName, PARAMETER_NAME, PARAMETER_NAME_ALLOWED);
    return new AppSecret({ parameterName, encryptionKey: encryptionKeyOf(fn, options) });
  }

  /**
   * The secret object, for {@link AppSecret.fromSecret}.
   * @default - another kind
   */
  public readonly secret?: ISecret;
  /**
   * The secret's name, for {@link AppSecret.fromSecretName}.
   * @default - another kind
   */
  public readonly secretName?: string;
  /**
   * The secret's ARN, for {@link AppSecret.fromSecretArn}.
   * @default - another kind
   */
  public readonly secretArn?: string;
  /**
   * The parameter's name, for {@link AppSecret.fromParameterName}.
   * @default - another kind
   */
  public readonly parameterName?: string;
  /**
   * The key inside a JSON Secrets Manager secret.
   * @default - the whole secret string
   */
  public readonly jsonField?: string;
  /**
   * The customer-managed KMS key the secret is encrypted with (granted `kms:Decrypt`).
   * @default - none besides the key an `ISecret` carries
   */
  public readonly encryptionKey?: IKey;

  private constructor(fields: SecretFields) {
    this.secret = fields.secret;
    this.secretName = fields.secretName;
    this.secretArn = fields.secretArn;
    this.parameterName = fields.parameterName;
    this.jsonField = fields.jsonField;
    this.encryptionKey = fields.encryptionKey;
  }
}

interface SecretFields {
  readonly encryptionKey?: IKey;
  readonly secret?: ISecret;
  readonly secretName?: string;
  readonly secretArn?: string;
  readonly parameterName?: string;
  readonly jsonField?: string;
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_NAME_ALLOWED = 'a Secrets Manager secret name (letters, digits and /_+=.@-)';
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const SECRET_ARN_ALLOWED = 'a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx)';
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;
const PARAMETER_NAME_ALLOWED = 'an SSM parameter name starting with "/"';
const DIRECTORY_OPTIONS: Record<keyof DirectorySourceOptions, true> = { exclude: true };
const SECRET_OPTIONS: Record<keyof AppSecretOptions, true> = { jsonField: true, encryptionKey: true };
const PARAMETER_OPTIONS: Record<keyof AppParameterOptions, true> = { encryptionKey: true };
const SOURCE_FACTORIES = 'must be made with AppSource.fromDirectory() or AppSource.fromImage()';
const SECRET_FACTORIES = 'must be made with AppSecret.fromSecret(), AppSecret.fromSecretName(), AppSecret.fromSecretArn() or AppSecret.fromParameterName()';

/** A factory's string argument (a token string is a string: it passes). */
function checkString(fn: string, param: string, value: unknown): void {
  if (typeof value !== 'string') throw new OrchestrationError('', `${fn}(${param})`, value, 'must be a string');
}

/** A factory's options object: an object of known keys (plain-JavaScript callers). */
function checkOptions(fn: string, options: unknown, known: Readonly<Record<string, true>>): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new OrchestrationError('', `${fn}(options)`, options, 'must be an object');
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(known, key)) {
      throw new OrchestrationError('', `${fn}(options.${key})`, (options as Record<string, unknown>)[key], `is not a known option: known options are ${Object.keys(known).join(', ')}`);
    }
  }
}

function jsonFieldOf(fn: string, options: AppSecretOptions): string | undefined {
  checkOptions(fn, options, SECRET_OPTIONS);
  const jsonField = options?.jsonField;
  if (jsonField !== undefined && (typeof jsonField !== 'string' || jsonField === '')) throw new OrchestrationError('', `${fn}(options.jsonField)`, jsonField, 'must be a non-empty string: a key of the JSON secret');
  return jsonField;
}

/** The `encryptionKey` option: a KMS key object (`kms.IKey`), checked by shape. */
function encryptionKeyOf(fn: string, options: AppParameterOptions): IKey | undefined {
  if (fn === 'AppSecret.fromParameterName') checkOptions(fn, options, PARAMETER_OPTIONS);
  const key = options?.encryptionKey;
  if (key !== undefined && (key === null || typeof key !== 'object' || typeof (key as { keyArn?: unknown }).keyArn !== 'string')) {
    throw new OrchestrationError('', `${fn}(options.encryptionKey)`, describeObject(key), 'must be a KMS key (kms.IKey), for example kms.Key.fromKeyArn(...)');
  }
  return key;
}

/** A construct (a secret object) as an error shows it: its path, not its JSON. */
function describeObject(value: unknown): unknown {
  const path = (value as { node?: { path?: unknown } } | null)?.node?.path;
  return typeof path === 'string' ? `(construct ${path})` : value;
}

/** How many replicas of the app run. What a replica is depends on the style. */
export interface AppReplicas {
  /**
   * Replicas that always run: server fleet size, vm group minimum, container Deployment
   * replicas and HPA minimum, serverless provisioned concurrency on the alias (0 = none).
   * @default - the style's default
   */
  readonly min?: number;
  /**
   * The auto-scaling ceiling: vm group maximum, container HPA maximum, serverless reserved
   * concurrency. The server style does not auto scale and requires max = min when set.
   * @default - the style's default
   */
  readonly max?: number;
  /**
   * The average CPU utilisation auto scaling aims for.
   * @default 50
   */
  readonly targetCpuPercent?: number;
}

/**
 * The safety limits of a rollout, in percentages of the replicas so that they keep their
 * meaning when the fleet grows. Each style maps them onto its own mechanism.
 */
export interface RolloutLimits {
  /**
   * At most this share of replicas may be out of service at once during a rollout
   * (vm: 100 - MinHealthyPercentage; container: maxUnavailable; server: serial, at least one).
   * @default 0 where the style can surge, else one replica at a time
   */
  readonly maxUnavailablePercent?: number;
  /**
   * At most this share of extra replicas may be started during a rollout
   * (vm: MaxHealthyPercentage - 100; container: maxSurge).
   * @default 100, the book's MaxHealthyPercentage 200 and maxSurge 3 of 3
   */
  readonly maxSurgePercent?: number;
  /**
   * The rollout stops (and rolls back) once more than this share of replicas failed to update
   * (server: the association's MaxErrors, Ansible's max_fail_percentage).
   * @default 30 for the server style; the other styles stop at the first failure
   */
  readonly maxFailurePercent?: number;
  /**
   * How long a new replica must stay healthy before the rollout counts it and moves on
   * (vm: instance warmup; server: pause after each server; container: minReadySeconds).
   * @default - the style's default
   */
  readonly bakeTime?: Duration;
  /**
   * Roll back automatically when the rollout fails or its alarms fire.
   * @default true
   */
  readonly autoRollback?: boolean;
}

/** An app description with every default filled in. */
export interface ResolvedApp {
  readonly name: string;
  readonly source: AppSource;
  readonly version?: string;
  readonly command: string[];
  readonly handler: string;
  readonly port: number;
  readonly healthCheckPath: string;
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, AppSecret>;
  readonly replicas: AppReplicas;
  readonly rollout: RolloutLimits;
}

export const APP_DEFAULTS = {
  name: 'app',
  command: ['node', 'server.js'],
  handler: 'lambda.handler',
  port: 8080,
  healthCheckPath: '/healthz',
  targetCpuPercent: 50,
} as const;

/** Environment variable names the library sets itself. */
export const RESERVED_ENVIRONMENT = ['PORT', 'APP_VERSION'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks an app description and fills in the defaults. Every style's construct calls this
 * first, so the same mistake gets the same error in every style.
 * @param where the construct that received the description (its path goes into errors)
 * @param prop the prop that holds the description, usually 'app'
 */
export function resolveApp(where: IConstruct | string, app: AppDescription | undefined, prop = 'app'): ResolvedApp {
  if (!app || typeof app !== 'object') throw new OrchestrationError(where, prop, app, 'must be an app description with at least `source`');
  const p = (k: string) => `${prop}.${k}`;
  checkAppShape(where, app, prop);
  const name = app.name ?? APP_DEFAULTS.name;
  checkPattern(where, p('name'), name, /^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and hyphens, starting with a letter, at most 40 characters');

  if (!(app.source instanceof AppSource)) throw new OrchestrationError(where, p('source'), app.source, SOURCE_FACTORIES);

  if (app.command !== undefined) {
    if (!Array.isArray(app.command) || app.command.length === 0) throw new OrchestrationError(where, p('command'), app.command, 'must be a non-empty list of non-empty strings');
    // Each element on its own, so that the message points at the bad one.
    app.command.forEach((c, i) => {
      if (typeof c !== 'string' || c === '') throw new OrchestrationError(where, p(`command[${i}]`), c, 'must be a non-empty string (one argument of the command)');
    });
  }
  checkPattern(where, p('handler'), app.handler, /^[A-Za-z0-9_./-]+\.[A-Za-z_$][A-Za-z0-9_$]*$/, 'of the form `file.export`, for example "lambda.handler"');
  checkInteger(where, p('port'), app.port, { min: 1, max: 65535 });
  checkPattern(where, p('healthCheckPath'), app.healthCheckPath, /^\/[^\s?#]*$/, 'a path starting with "/" without spaces, query or fragment');
  checkPattern(where, p('version'), app.version, /^[A-Za-z0-9._+-]{1,64}$/, 'letters, digits, ".", "_", "+" or "-", at most 64 characters');

  const environment = app.environment ?? {};
  for (const [key, value] of Object.entries(environment)) {
    checkPattern(where, p(`environment key`), key, ENV_NAME, 'a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
    if ((RESERVED_ENVIRONMENT as readonly string[]).includes(key)) {
      throw new OrchestrationError(where, p(`environment.${key}`), value, `is set by the library (from ${key === 'PORT' ? 'app.port' : 'app.version'}); remove it`);
    }
    if (typeof value !== 'string') throw new OrchestrationError(where, p(`environment.${key}`), value, 'must be a string');
  }

  const secrets = app.secrets ?? {};
  for (const [key, ref] of Object.entries(secrets)) {
    checkPattern(where, p('secrets key'), key, ENV_NAME, 'a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
    if (key in environment) throw new OrchestrationError(where, p(`secrets.${key}`), key, 'is also set in app.environment: a name is either plain configuration or a secret');
    validateSecret(where, p(`secrets.${key}`), ref);
  }

  const replicas = app.replicas ?? {};
  checkInteger(where, p('replicas.min'), replicas.min, { min: 0, max: 1000 });
  checkInteger(where, p('replicas.max'), replicas.max, { min: 1, max: 1000 });
  checkOrdered(where, p('replicas.min'), replicas.min, p('replicas.max'), replicas.max);
  checkInteger(where, p('replicas.targetCpuPercent'), replicas.targetCpuPercent, { min: 1, max: 100 });

  const rollout = app.rollout ?? {};
  checkNumber(where, p('rollout.maxUnavailablePercent'), rollout.maxUnavailablePercent, { min: 0, max: 100 });
  checkNumber(where, p('rollout.maxSurgePercent'), rollout.maxSurgePercent, { min: 0, max: 100 });
  checkNumber(where, p('rollout.maxFailurePercent'), rollout.maxFailurePercent, { min: 0, max: 100 });
  if (rollout.maxUnavailablePercent === 0 && rollout.maxSurgePercent === 0) {
    throw new OrchestrationError(where, `${p('rollout.maxUnavailablePercent')} and ${p('rollout.maxSurgePercent')}`, { maxUnavailablePercent: 0, maxSurgePercent: 0 }, 'cannot both be 0: a rollout could never replace a replica');
  }

  return {
    name,
    source: app.source,
    version: app.version,
    command: app.command ?? [...APP_DEFAULTS.command],
    handler: app.handler ?? APP_DEFAULTS.handler,
    port: app.port ?? APP_DEFAULTS.port,
    healthCheckPath: app.healthCheckPath ?? APP_DEFAULTS.healthCheckPath,
    environment,
    secrets,
    replicas,
    rollout,
  };
}

// Every field of each part of the description, so that a caller without a type checker (plain
// JavaScript, another language) who misspells one (`replica`, `healthcheckPath`) gets an error instead
// of a silent default. Typed as Record<keyof X, true>: a field added to an interface and not here fails tsc.
const APP_FIELDS: Record<keyof AppDescription, true> = { name: true, source: true, version: true, command: true, handler: true, port: true, healthCheckPath: true, environment: true, secrets: true, replicas: true, rollout: true };
const REPLICAS_FIELDS: Record<keyof AppReplicas, true> = { min: true, max: true, targetCpuPercent: true };
const ROLLOUT_FIELDS: Record<keyof RolloutLimits, true> = { maxUnavailablePercent: true, maxSurgePercent: true, maxFailurePercent: true, bakeTime: true, autoRollback: true };

/** Known fields and primitive types of an app description, for callers without a type checker. */
function checkAppShape(where: IConstruct | string, app: AppDescription, prop: string): void {
  const p = (k: string) => `${prop}.${k}`;
  checkKnownProps(where, app, APP_FIELDS, `${prop}.`);
  checkKnownProps(where, app.replicas, REPLICAS_FIELDS, p('replicas.'));
  checkKnownProps(where, app.rollout, ROLLOUT_FIELDS, p('rollout.'));
  for (const k of ['name', 'version', 'handler', 'healthCheckPath'] as const) checkType(where, p(k), app[k], 'string');
  checkType(where, p('port'), app.port, 'number');
  for (const k of ['min', 'max', 'targetCpuPercent'] as const) checkType(where, p(`replicas.${k}`), app.replicas?.[k], 'number');
  for (const k of ['maxUnavailablePercent', 'maxSurgePercent', 'maxFailurePercent'] as const) checkType(where, p(`rollout.${k}`), app.rollout?.[k], 'number');
  checkType(where, p('rollout.autoRollback'), app.rollout?.autoRollback, 'boolean');
  checkIsDuration(where, p('rollout.bakeTime'), app.rollout?.bakeTime);
}

/**
 * A secret reference made with one of {@link AppSecret}'s factories (an object literal from plain
 * JavaScript gets our error naming them), each kind re-checked under the prop that holds it.
 */
export function validateSecret(where: IConstruct | string, prop: string, ref: AppSecret | undefined): void {
  if (!(ref instanceof AppSecret)) throw new OrchestrationError(where, prop, describeObject(ref), SECRET_FACTORIES);
  checkPattern(where, `${prop}.secretName`, ref.secretName, SECRET_NAME, SECRET_NAME_ALLOWED);
  checkPattern(where, `${prop}.secretArn`, ref.secretArn, SECRET_ARN, SECRET_ARN_ALLOWED);
  checkPattern(where, `${prop}.parameterName`, ref.parameterName, PARAMETER_NAME, PARAMETER_NAME_ALLOWED);
}
