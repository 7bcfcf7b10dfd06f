// The AWS calls the suite makes itself (the style adapters make theirs through lib/cli/aws.ts): CloudFormation,
// EC2 and Elastic Load Balancing v2, by service and operation name, so that the plan's actions and the real calls
// are the same data. The SDK modules are loaded by name when first used: @aws-sdk/client-ec2 is one of the CLI's
// optional dependencies; @aws-sdk/client-cloudformation and @aws-sdk/client-elastic-load-balancing-v2 are not
// dependencies of the package (the suite is a maintainer's tool run from a clone, see docs/e2e.md).
import { backoffDelay, isMissingPackage, sleep as realSleep, type RetryOptions } from '../cli/aws';
import { CliError, describeAwsError, EXIT_USAGE, isRetryable } from '../cli/errors';

export type E2eService = 'cloudformation' | 'ec2' | 'elasticloadbalancingv2';

export const E2E_SERVICES: Record<E2eService, { readonly pkg: string; readonly client: string; readonly required: boolean }> = {
  cloudformation: { pkg: '@aws-sdk/client-cloudformation', client: 'CloudFormationClient', required: true },
  ec2: { pkg: '@aws-sdk/client-ec2', client: 'EC2Client', required: true },
  // Optional: without it the load balancers are looked for through their network interfaces (leftovers.ts).
  elasticloadbalancingv2: { pkg: '@aws-sdk/client-elastic-load-balancing-v2', client: 'ElasticLoadBalancingV2Client', required: false },
};

/** The IAM action prefix of a service, for messages (`elasticloadbalancing:DescribeTags`). */
const ACTION_PREFIX: Record<E2eService, string> = { cloudformation: 'cloudformation', ec2: 'ec2', elasticloadbalancingv2: 'elasticloadbalancing' };

/** Loads an SDK module by package name. */
export type ModuleLoader = (pkg: string) => Promise<Record<string, unknown>>;

/** The real loader: `import()` of a name held in a variable, so the compiler does not need the package. */
export const importModule: ModuleLoader = async (pkg) => (await import(pkg)) as Record<string, unknown>;

type SdkClient = { send(command: unknown): Promise<unknown> };
type Ctor<T> = new (arg: unknown) => T;

export interface AwsCaller {
  /** Calls `operation` of `service` with `params`; `absent(err)` true turns that error into `undefined`. */
  call<T = Record<string, unknown>>(service: E2eService, operation: string, params: Record<string, unknown>, absent?: (err: unknown) => boolean): Promise<T | undefined>;
  /** True when the service's SDK module is installed. */
  available(service: E2eService): Promise<boolean>;
  readonly region: string;
}

export interface AwsCallerOptions {
  readonly load?: ModuleLoader;
  readonly retry?: RetryOptions;
}

/** A caller for a region: clients made once per service, retries like the CLI's `awsCall`. */
export function createAwsCaller(region: string, options: AwsCallerOptions = {}): AwsCaller {
  const load = options.load ?? importModule;
  const modules = new Map<E2eService, Promise<Record<string, unknown> | undefined>>();
  const clients = new Map<E2eService, SdkClient>();
  const moduleOf = (service: E2eService) => {
    let m = modules.get(service);
    if (!m) {
      const { pkg } = E2E_SERVICES[service];
      m = load(pkg).catch((err) => {
        if (isMissingPackage(err, pkg)) return undefined;
        throw err;
      });
      modules.set(service, m);
    }
    return m;
  };
  const retry = options.retry ?? {};
  return {
    region,
    async available(service) {
      return (await moduleOf(service)) !== undefined;
    },
    async call<T>(service: E2eService, operation: string, params: Record<string, unknown>, absent?: (err: unknown) => boolean): Promise<T | undefined> {
      const spec = E2E_SERVICES[service];
      const loaded = await moduleOf(service);
      // A CommonJS module imported from ESM may hold its exports under `default` only.
      const mod = loaded && !loaded[spec.client] && loaded.default ? (loaded.default as Record<string, unknown>) : loaded;
      if (!mod) {
        throw new CliError(`the e2e suite needs ${spec.pkg}, which is not installed.`, EXIT_USAGE, `Install it in the clone: npm install --no-save ${spec.pkg}`);
      }
      let client = clients.get(service);
      if (!client) {
        client = new (mod[spec.client] as Ctor<SdkClient>)({ region, maxAttempts: 1 });
        clients.set(service, client);
      }
      const Command = mod[`${operation}Command`] as Ctor<unknown> | undefined;
      if (!Command) throw new Error(`${spec.pkg} has no ${operation}Command`);
      const action = `${ACTION_PREFIX[service]}:${operation}`;
      const attempts = Math.max(1, retry.attempts ?? 6);
      for (let attempt = 1; ; attempt++) {
        try {
          return (await client.send(new Command(params))) as T;
        } catch (err) {
          if (absent?.(err)) return undefined;
          if (attempt < attempts && isRetryable(err)) {
            await (retry.sleep ?? realSleep)(backoffDelay(attempt, retry));
            continue;
          }
          throw describeAwsError(err, action, region, attempt);
        }
      }
    },
  };
}

/** Pages through an EC2-style `NextToken` listing and concatenates `key` of every page. */
export async function allPages<T>(aws: AwsCaller, service: E2eService, operation: string, params: Record<string, unknown>, key: string, tokenKey = 'NextToken', maxPages = 50): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await aws.call<Record<string, unknown>>(service, operation, token ? { ...params, [tokenKey]: token } : params);
    items.push(...(((res?.[key] as T[] | undefined) ?? [])));
    token = (res?.[tokenKey === 'Marker' ? 'NextMarker' : tokenKey] as string | undefined) || undefined;
    if (!token) break;
  }
  return items;
}

/** CloudFormation's "Stack with id X does not exist" (a ValidationError). */
export function isStackMissing(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return (e?.name === 'ValidationError' || e?.name === 'ValidationException') && /does not exist/.test(String(e?.message));
}
