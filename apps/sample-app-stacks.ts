import { App, Validations } from 'aws-cdk-lib';
import { type EnvironmentName, ENVIRONMENT_SIZES, environmentName, type ProductionSettings, type SampleAppVariant, sampleStackName } from '../lib/environments';
import { OrchestrationError } from '../lib/errors';
import { ControlTowerChecks } from '../constructs/shared/compliance';
import { ContainerSampleStack } from './container-stack';
import { ServerSampleStack } from './server-stack';
import { ServerlessSampleStack } from './serverless-stack';
import { VmSampleStack } from './vm-stack';

/**
 * The context keys the sample app reads in `-c env=prod` (ignored in dev and stage):
 * `npx cdk synth -c env=prod -c domainName=example.com -c hostedZoneId=Z0EXAMPLE [-c alarmEmail=ops@example.com]`.
 */
export const PRODUCTION_CONTEXT = {
  domainName: 'domainName',
  hostedZoneId: 'hostedZoneId',
  alarmEmail: 'alarmEmail',
  cloudFrontCertificateArn: 'cloudFrontCertificateArn',
  eksApiCidrs: 'eksApiCidrs',
  teardown: 'teardown',
  monthlyBudgetUsd: 'monthlyBudgetUsd',
} as const;

/**
 * The monthly budget of each prod sample stack when `-c monthlyBudgetUsd` is not given, in USD: above
 * the costliest prod stack's idle estimate (about $300, README's cost table) by enough that the 80 %
 * alert means traffic or a mistake, not an idle month.
 */
export const DEFAULT_MONTHLY_BUDGET_USD = 400;

/** The subdomain each style's prod sample answers on: `<style>.<domainName>`. */
export const SAMPLE_SUBDOMAINS = ['server', 'vm', 'container', 'serverless'] as const;

/**
 * The longest `-c domainName` the prod samples accept: ACM limits a certificate's first domain name
 * (its Common Name, RFC 5280) to 64 characters, and the longest name the samples request is
 * `serverless.<domainName>`.
 */
export const MAX_DOMAIN_NAME_LENGTH = 64 - 'serverless.'.length;

/** What `-c env=prod` needs and how to type it (in the message of ProductionContextError). */
export const PRODUCTION_USAGE = 'npx cdk synth -c env=prod -c domainName=example.com -c hostedZoneId=Z0EXAMPLE [-c alarmEmail=ops@example.com]';

/**
 * `-c env=prod` without the domain it serves on: a mistake on the command line, not in the code, so
 * the sample app (bin/app.ts) prints its message alone, with no stack trace, and exits 1.
 */
export class ProductionContextError extends Error {
  constructor(public readonly missing: string[]) {
    super(
      `-c env=prod needs the domain its services answer on (<style>.<domainName>: TLS certificates and alias records in ` +
        `that hosted zone, no lookup, no AWS account needed to synth): missing ${missing.map((k) => `-c ${k}`).join(' and ')}. ` +
        `Pass them: ${PRODUCTION_USAGE} (the other prod options: README.md, "Production profile")`,
    );
    this.name = 'ProductionContextError';
  }
}

/** A context value as typed: `-c k=v` gives a string, cdk.json any JSON value. Empty strings count as absent. */
function contextValue(app: App, key: string): unknown {
  const v = app.node.tryGetContext(key);
  return v === '' || v === null ? undefined : v;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/; // Route 53 hosted zone ids: at most 32 characters
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACM_US_EAST_1_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function bad(key: string, value: unknown, allowed: string): never {
  throw new OrchestrationError(undefined, `-c ${key}`, value, allowed);
}

function checkDomainName(value: unknown): string {
  const key = PRODUCTION_CONTEXT.domainName;
  if (typeof value !== 'string') bad(key, value, 'must be a domain name, e.g. example.com');
  const labels = value.split('.');
  if (labels.length < 2 || !labels.every((l) => DNS_LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1])) {
    bad(key, value, 'must be the hosted zone\'s domain name in lower case, e.g. example.com (labels of a-z, 0-9 and inner hyphens, no trailing dot)');
  }
  if (value.length > MAX_DOMAIN_NAME_LENGTH) {
    bad(key, value, `must be at most ${MAX_DOMAIN_NAME_LENGTH} characters: ACM certificates name serverless.<domainName>, and a certificate's first name is limited to 64 characters`);
  }
  return value;
}

function checkHostedZoneId(value: unknown): string {
  const key = PRODUCTION_CONTEXT.hostedZoneId;
  if (typeof value === 'string' && value.startsWith('/hostedzone/')) bad(key, value, `must be the id alone, without /hostedzone/: -c ${key}=${value.slice('/hostedzone/'.length)}`);
  if (typeof value !== 'string' || !HOSTED_ZONE_ID.test(value)) {
    bad(key, value, 'must be a Route 53 hosted zone id: Z followed by upper-case letters and digits, at most 32 characters (e.g. Z0EXAMPLE; `aws route53 list-hosted-zones-by-name` prints it)');
  }
  return value;
}

function checkEmail(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !EMAIL.test(value)) bad(PRODUCTION_CONTEXT.alarmEmail, value, 'must be one e-mail address, e.g. ops@example.com');
  return value;
}

function checkCloudFrontCertificateArn(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ACM_US_EAST_1_ARN.test(value)) {
    bad(PRODUCTION_CONTEXT.cloudFrontCertificateArn, value, 'must be the ARN of an ACM certificate in us-east-1 (CloudFront uses certificates from that region only): arn:aws:acm:us-east-1:ACCOUNT:certificate/ID');
  }
  return value;
}

function checkCidrs(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const key = PRODUCTION_CONTEXT.eksApiCidrs;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : bad(key, value, 'must be comma-separated IPv4 CIDRs, e.g. 203.0.113.0/24,198.51.100.7/32');
  const cidrs = list.map((c) => String(c).trim()).filter((c) => c !== '');
  if (cidrs.length === 0) return undefined;
  for (const cidr of cidrs) {
    const m = IPV4_CIDR.exec(cidr);
    const ok = m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
    if (!ok) bad(key, cidr, 'must be comma-separated IPv4 CIDRs (the EKS API of an IPv4 cluster takes no IPv6 ones), e.g. 203.0.113.0/24,198.51.100.7/32');
    if (Number(m![5]) === 0) bad(key, cidr, 'would open the EKS API to the whole internet: name the networks that may reach it (e.g. your office\'s 203.0.113.0/24), or leave -c eksApiCidrs out for a private endpoint only');
  }
  return cidrs;
}

function checkTeardown(value: unknown): boolean {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  return bad(PRODUCTION_CONTEXT.teardown, value, 'must be true or false (true turns deletion protection off so that `cdk destroy -c env=prod ...` can delete the stacks)');
}

function checkBudget(value: unknown): number {
  if (value === undefined) return DEFAULT_MONTHLY_BUDGET_USD;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 1) bad(PRODUCTION_CONTEXT.monthlyBudgetUsd, value, 'must be a number of US dollars of at least 1, e.g. 400');
  return n;
}

/**
 * What the prod samples do differently, read from the app's context (`-c domainName=...` etc.) and
 * checked. Without `-c domainName` and `-c hostedZoneId`: ProductionContextError; a bad value: an
 * OrchestrationError naming the option as typed (`-c hostedZoneId`).
 */
export function productionSettings(app: App): ProductionSettings & { readonly teardown: boolean } {
  const domainName = contextValue(app, PRODUCTION_CONTEXT.domainName);
  const hostedZoneId = contextValue(app, PRODUCTION_CONTEXT.hostedZoneId);
  const missing = [
    ...(domainName === undefined ? [PRODUCTION_CONTEXT.domainName] : []),
    ...(hostedZoneId === undefined ? [PRODUCTION_CONTEXT.hostedZoneId] : []),
  ];
  if (missing.length > 0) throw new ProductionContextError(missing);
  const checked = { domainName: checkDomainName(domainName), hostedZoneId: checkHostedZoneId(hostedZoneId) };
  const alarmEmail = checkEmail(contextValue(app, PRODUCTION_CONTEXT.alarmEmail));
  const cloudFrontCertificateArn = checkCloudFrontCertificateArn(contextValue(app, PRODUCTION_CONTEXT.cloudFrontCertificateArn));
  const eksApiCidrs = checkCidrs(contextValue(app, PRODUCTION_CONTEXT.eksApiCidrs));
  return {
    ...checked,
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    ...(cloudFrontCertificateArn !== undefined ? { cloudFrontCertificateArn } : {}),
    ...(eksApiCidrs !== undefined ? { eksApiCidrs } : {}),
    monthlyBudgetUsd: checkBudget(contextValue(app, PRODUCTION_CONTEXT.monthlyBudgetUsd)),
    teardown: checkTeardown(contextValue(app, PRODUCTION_CONTEXT.teardown)),
  };
}

/** The context keys of the e2e suite (docs/e2e.md); without them the sample stacks are exactly as before. */
export const E2E_CONTEXT = { stackSuffix: 'stackSuffix', appVersion: 'sampleAppVersion', failHealth: 'sampleAppFailHealth' } as const;

/** What the e2e suite asks of the sample app (`-c stackSuffix`, `-c sampleAppVersion`, `-c sampleAppFailHealth`), checked. */
export function e2eSettings(app: App): { readonly stackSuffix?: string; readonly appVariant?: SampleAppVariant } {
  const suffix = contextValue(app, E2E_CONTEXT.stackSuffix);
  if (suffix !== undefined && (typeof suffix !== 'string' || !/^[a-z][a-z0-9]{2,11}$/.test(suffix))) {
    bad(E2E_CONTEXT.stackSuffix, suffix, 'must be 3 to 12 lower-case letters and digits, starting with a letter (appended to every sample stack name)');
  }
  const version = contextValue(app, E2E_CONTEXT.appVersion);
  if (version !== undefined && (typeof version !== 'string' || !/^[A-Za-z0-9._+-]{1,64}$/.test(version))) {
    bad(E2E_CONTEXT.appVersion, version, 'must be letters, digits, ".", "_", "+" or "-", at most 64 characters (the app\'s x-app-version)');
  }
  const fail = contextValue(app, E2E_CONTEXT.failHealth);
  if (fail !== undefined && fail !== true && fail !== false && fail !== 'true' && fail !== 'false') {
    bad(E2E_CONTEXT.failHealth, fail, 'must be true or false (true: the app\'s health check answers 503, for the e2e suite\'s rollback drill)');
  }
  const failHealth = fail === true || fail === 'true';
  const appVariant: SampleAppVariant | undefined =
    version !== undefined || failHealth ? { ...(version !== undefined ? { version: version as string } : {}), ...(failHealth ? { failHealth } : {}) } : undefined;
  return { ...(suffix !== undefined ? { stackSuffix: suffix as string } : {}), ...(appVariant ? { appVariant } : {}) };
}

/**
 * Adds one sample stack per style for an environment. In prod, pass `production` (what the stacks do
 * differently: names and TLS, notifications, dashboards, a budget, deletion protection unless
 * `teardown`); createSampleApp reads it from the context. Ignored in dev and stage.
 */
export function addSampleStacks(app: App, env: EnvironmentName, production?: ProductionSettings, e2e: ReturnType<typeof e2eSettings> = {}) {
  const sizes = ENVIRONMENT_SIZES[env];
  const description = (style: string) => `cdk-orchestration sample: the ${style} style (${env})`;
  const prod = env === 'prod' && production ? production : undefined;
  // Prod stacks are protected from deletion (stack termination protection here, the resources'
  // deletion protection in each stack) unless `-c teardown=true`: deploying with it turns the
  // protection off (the CDK CLI updates termination protection on deploy), then `cdk destroy` works.
  const common = { sizes, ...(prod ? { production: prod, terminationProtection: !prod.teardown } : {}), ...(e2e.appVariant ? { appVariant: e2e.appVariant } : {}) };
  const name = (style: Parameters<typeof sampleStackName>[0]) => sampleStackName(style, env, e2e.stackSuffix);
  return {
    server: new ServerSampleStack(app, name('Server'), { ...common, description: description('server') }),
    vm: new VmSampleStack(app, name('Vm'), { ...common, description: description('vm') }),
    container: new ContainerSampleStack(app, name('Container'), { ...common, description: description('container') }),
    serverless: new ServerlessSampleStack(app, name('Serverless'), { ...common, description: description('serverless') }),
  };
}

export interface SampleAppOptions {
  /** Context for the App (feature flags, `env`, prod's `domainName` ...). @default - none besides what the CDK CLI passes */
  readonly context?: Record<string, unknown>;
  /** Where the cloud assembly goes. @default - the CDK default (cdk.out, or CDK_OUTDIR) */
  readonly outdir?: string;
  /**
   * Register the gates over the whole app: cdk-nag's AwsSolutions pack (the security gate) in every
   * environment, and in prod AWS Control Tower's proactive controls (ControlTowerChecks). @default true
   */
  readonly gate?: boolean;
  /**
   * Run the Control Tower gate (`@cdklabs/cdk-validator-cfnguard`'s rules: its cfn-guard run takes
   * about 20 s over the four prod stacks on 2 cores, most of it the server stack's template)
   * whatever the environment: `false` leaves it out of prod, `true` adds it to dev and stage (to see
   * what prod fixes). @default - in prod, when `gate` is on
   */
  readonly controlTower?: boolean;
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation in this app's synth. It costs ~4 s per
   * process (mostly starting its engine), so the sample app leaves it to test/gate.test.ts,
   * which runs it once over every sample stack (see BENCHMARKS.md).
   * @default - only when CDK_VALIDATION=true (`CDK_VALIDATION=true npx cdk synth`)
   */
  readonly validation?: boolean;
}

/** The sample app exactly as `cdk synth` builds it: every style's stack, and the gates. */
export function createSampleApp(options: SampleAppOptions = {}): { app: App; stacks: ReturnType<typeof addSampleStacks> } {
  const app = new App({
    context: options.context,
    outdir: options.outdir,
    builtinCloudFormationValidation: options.validation ?? process.env.CDK_VALIDATION === 'true',
  });
  const env = environmentName(app.node.tryGetContext('env'));
  const production = env === 'prod' ? productionSettings(app) : undefined;
  const stacks = addSampleStacks(app, env, production, e2eSettings(app));
  const gate = options.gate ?? true;
  if (gate) {
    // Loaded only when the gate runs: importing cdk-nag costs about 0.2 s (BENCHMARKS.md).
    const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  if (options.controlTower ?? (gate && env === 'prod')) {
    // The plugin loads @cdklabs/cdk-validator-cfnguard (an optional peer dependency) when created, not before.
    Validations.of(app).addPlugins(new ControlTowerChecks(app));
  }
  return { app, stacks };
}
