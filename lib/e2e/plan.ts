// The end-to-end suite's step list: a pure function of (style, env, suffix, ...), walked by the real run
// (runner.ts) and printed by `--dry-run` (formatPlan). Nothing here touches AWS, the network or the disk.
import { shellCommand } from '../cli/kubectl';
import { STACK_OUTPUTS, STYLES, type Style } from '../cli/stack-outputs';

/** The environments the suite deploys (stage adds nothing dev does not test). */
export const E2E_ENVS = ['dev', 'prod'] as const;
export type E2eEnv = (typeof E2E_ENVS)[number];

/**
 * The context keys the suite passes to the sample app (bin/app.ts). `stackSuffix`, `sampleAppVersion` and
 * `sampleAppFailHealth` are read by apps/sample-app-stacks.ts (see docs/e2e.md, "What the sample app reads").
 */
export const E2E_CONTEXT = {
  env: 'env',
  /** Appended to every sample stack name: `SampleVm-dev-<suffix>`; the user's own `SampleVm-dev` is never touched. */
  stackSuffix: 'stackSuffix',
  /** The sample app's `app.version` (APP_VERSION, the `x-app-version` header): each deploy a new version. */
  appVersion: 'sampleAppVersion',
  /** `true`: the app's environment gets SAMPLE_APP_FAIL_HEALTH=1, and its health check answers 503. */
  failHealth: 'sampleAppFailHealth',
  /** prod only: deletion protection off, so the finally's `cdk destroy` can delete the stack. */
  teardown: 'teardown',
} as const;

/** The sample app's failure switch (apps/sample-app/respond.js). */
export const FAIL_HEALTH_ENV = 'SAMPLE_APP_FAIL_HEALTH';

/** Suffixes: lower-case letters and digits, 3 to 12, starting with a letter (stack names stay short and valid). */
export const SUFFIX_PATTERN = /^[a-z][a-z0-9]{2,11}$/;

/** The stack-name part of each style, as lib/environments.ts `sampleStackName` spells it. */
export const STACK_STYLE_NAME: Record<Style, 'Server' | 'Vm' | 'Container' | 'Serverless'> = {
  server: 'Server',
  vm: 'Vm',
  container: 'Container',
  serverless: 'Serverless',
};

/** The stack a run deploys: `Sample<Style>-<env>-<suffix>` (sampleStackName with the stackSuffix context). */
export function e2eStackName(style: Style, env: E2eEnv, suffix: string): string {
  return `Sample${STACK_STYLE_NAME[style]}-${env}-${suffix}`;
}

/** The three app versions of a run: deployed, rolled to, and the failing one the drill tries. */
export function e2eVersions(suffix: string): { readonly initial: string; readonly next: string; readonly failing: string } {
  return { initial: `${suffix}-v1`, next: `${suffix}-v2`, failing: `${suffix}-v3-failhealth` };
}

/** The output that holds the URL the suite sends requests to, per style (the container sample's own `Url`). */
export function urlOutput(style: Style): string {
  return style === 'container' ? 'Url' : STACK_OUTPUTS[style].url.output;
}

/** Replicas the sample runs per environment (lib/environments.ts ENVIRONMENT_SIZES.minReplicas). */
export const SAMPLE_REPLICAS: Record<E2eEnv, number> = { dev: 3, prod: 4 };

/** How the suite paces and bounds its checks. Every duration in milliseconds. */
export interface E2eTuning {
  /** Concurrent request loops during a rollout or the drill. @default 4 */
  readonly loadConcurrency: number;
  /** Pause of each loop between two requests. @default 100 */
  readonly loadPauseMs: number;
  /** Per-request timeout. @default 5000 */
  readonly requestTimeoutMs: number;
  /** Consecutive answers that must carry a version before it counts as answering from every replica. */
  readonly consecutiveAnswers: number;
  /** Wait between two probes that did not yet see the expected version. @default 5000 */
  readonly probeIntervalMs: number;
  /** How long the service may take to answer after the first deploy. @default 20 min */
  readonly answerTimeoutMs: number;
  /** How long the new version may take to answer everywhere after `cdk deploy` returned. @default 10 min */
  readonly versionTimeoutMs: number;
  /** Requests of the verify step. @default 100 */
  readonly verifyRequests: number;
}

export function defaultTuning(env: E2eEnv): E2eTuning {
  return {
    loadConcurrency: 4,
    loadPauseMs: 100,
    requestTimeoutMs: 5_000,
    // 10 answers per replica: the chance that round-robin over N replicas skips an old one 10 N times running is nil.
    consecutiveAnswers: 10 * SAMPLE_REPLICAS[env],
    probeIntervalMs: 5_000,
    answerTimeoutMs: 20 * 60_000,
    versionTimeoutMs: 10 * 60_000,
    verifyRequests: 100,
  };
}

/**
 * Failures a rollout may cause. Zero for every style, except that the server style's documented failure window
 * (constructs/server/README.md "Worst-case duration": nginx has passive checks only, and the pause past its
 * `fail_timeout` covers its failure window) lets failures come in bursts no longer than that window, at most one
 * burst per rollout step (one server per step).
 */
export interface FailureTolerance {
  /** Longest burst of failures allowed, in ms; 0 = no failure at all. */
  readonly burstMs: number;
  /** Bursts allowed. */
  readonly bursts: number;
  /** Where it is documented. */
  readonly documented: string;
}

export function failureTolerance(style: Style, env: E2eEnv): FailureTolerance {
  if (style === 'server') {
    return { burstMs: 2_000, bursts: SAMPLE_REPLICAS[env], documented: "constructs/server/README.md: nginx's fail_timeout (2 s) per server replaced" };
  }
  return { burstMs: 0, bursts: 0, documented: 'zero failed requests' };
}

/** One thing a step does, as printed by `--dry-run` and done by the real run. */
export type Action =
  /** A process: `cdk deploy`, `cdk destroy`, `aws eks update-kubeconfig`. */
  | { readonly kind: 'command'; readonly argv: readonly string[]; readonly expect: 'success' | 'failure'; readonly why: string }
  /** One AWS API call the suite makes itself. `<...>` in params: a value read at run time. */
  | { readonly kind: 'aws'; readonly service: string; readonly operation: string; readonly params: Readonly<Record<string, unknown>>; readonly why: string }
  /** The CLI's style adapter (lib/cli/styles): the AWS calls (and kubectl commands) it makes. */
  | { readonly kind: 'adapter'; readonly method: 'status' | 'poll'; readonly calls: readonly string[]; readonly why: string }
  /** HTTP requests to the service. */
  | { readonly kind: 'http'; readonly what: string; readonly url: string; readonly why: string };

export type StepId = 'deploy' | 'wait' | 'verify' | 'rollout' | 'drill' | 'snapshot' | 'destroy' | 'leftovers';

export interface Step {
  readonly id: StepId;
  readonly title: string;
  /** Runs in the `finally` (whatever failed before). */
  readonly always: boolean;
  readonly actions: readonly Action[];
}

export interface PlanOptions {
  readonly style: Style;
  readonly env: E2eEnv;
  readonly suffix: string;
  /** Where `cdk deploy --outputs-file` writes. */
  readonly outputsFile: string;
  /** The kubeconfig the container style writes and uses (not the user's ~/.kube/config). */
  readonly kubeconfig: string;
  /** Extra `-c key=value` for every cdk command (prod: domainName, hostedZoneId, ...; container: adminRoleArn). */
  readonly context?: Readonly<Record<string, string>>;
  /** How cdk is started. @default ['npx', 'cdk'] */
  readonly cdk?: readonly string[];
  readonly tuning?: E2eTuning;
}

export interface Plan {
  readonly style: Style;
  readonly env: E2eEnv;
  readonly suffix: string;
  readonly stack: string;
  readonly versions: ReturnType<typeof e2eVersions>;
  readonly outputsFile: string;
  readonly kubeconfig: string;
  readonly tuning: E2eTuning;
  readonly tolerance: FailureTolerance;
  /**
   * prod: the service's own name, `https://<style>.<domainName>/` (the serverless Function URL takes IAM-signed
   * requests only in prod); undefined: the stack's URL output.
   */
  readonly serviceUrl?: string;
  readonly steps: readonly Step[];
}

/** The URL prod serves at (README.md "Production profile"), when the domain is given. */
export function prodServiceUrl(style: Style, env: E2eEnv, context: Readonly<Record<string, string>> | undefined): string | undefined {
  const domain = context?.domainName;
  return env === 'prod' && domain ? `https://${style}.${domain}/` : undefined;
}

/** The `-c` arguments of every cdk command of a run (the stack name depends on env and stackSuffix). */
export function cdkContext(o: Pick<PlanOptions, 'env' | 'suffix' | 'context'>): string[] {
  const pairs: [string, string][] = [
    [E2E_CONTEXT.env, o.env],
    [E2E_CONTEXT.stackSuffix, o.suffix],
    ...(o.env === 'prod' ? [[E2E_CONTEXT.teardown, 'true'] as [string, string]] : []),
    ...Object.entries(o.context ?? {}),
  ];
  return pairs.flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

export function deployCommand(o: PlanOptions, stack: string, version: string, failHealth: boolean): string[] {
  return [
    ...(o.cdk ?? ['npx', 'cdk']),
    'deploy',
    stack,
    '--require-approval',
    'never',
    '--outputs-file',
    o.outputsFile,
    ...cdkContext(o),
    '-c',
    `${E2E_CONTEXT.appVersion}=${version}`,
    ...(failHealth ? ['-c', `${E2E_CONTEXT.failHealth}=true`] : []),
  ];
}

export function destroyCommand(o: PlanOptions, stack: string): string[] {
  return [...(o.cdk ?? ['npx', 'cdk']), 'destroy', stack, '--force', ...cdkContext(o)];
}

/** The AWS calls (and kubectl commands) the style's adapter makes for `status` and `poll` (lib/cli/styles/*). */
export const ADAPTER_CALLS: Record<Style, { readonly status: readonly string[]; readonly poll: readonly string[] }> = {
  server: {
    status: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ssm:DescribeAssociation', 'ssm:DescribeAssociationExecutions', 'ssm:DescribeAssociationExecutionTargets'],
    poll: ['ssm:DescribeAssociationExecutions'],
  },
  vm: {
    status: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeInstanceRefreshes'],
    poll: ['autoscaling:DescribeInstanceRefreshes'],
  },
  container: {
    status: ['eks:DescribeCluster', 'eks:DescribeNodegroup', 'kubectl get deployment -o json', 'kubectl rollout status --watch=false'],
    poll: ['kubectl get deployment -o jsonpath=...', 'kubectl rollout status --watch=false'],
  },
  serverless: {
    status: ['lambda:GetAlias', 'lambda:GetFunctionUrlConfig', 'codedeploy:ListDeployments', 'codedeploy:GetDeploymentGroup', 'codedeploy:GetDeployment'],
    poll: ['codedeploy:ListDeployments', 'codedeploy:GetDeploymentGroup', 'codedeploy:GetDeployment', 'lambda:GetAlias'],
  },
};

/** What the drill expects the adapter to show once CloudFormation has rolled the failing version back. */
export const ROLLBACK_EVIDENCE: Record<Style, string> = {
  server: 'the association runs the previous app version again (its version parameter) and its last run succeeded',
  vm: 'the instance refresh of the failing version ended without success (RollbackSuccessful, Failed or Cancelled), none in progress',
  container: "the Deployment is back on the previous ReplicaSet: kubectl rollout status says it is rolled out (skipped when kubectl is not on PATH)",
  serverless: 'the CodeDeploy deployment of the failing version ended Stopped or Failed, with a rollback',
};

/** The stack-name tag CloudFormation puts on every resource it creates that takes tags. */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** The leftover-check calls: a pure function of what the snapshot found, printed with placeholders by --dry-run. */
export function leftoverCalls(stack: string, vpcIds: readonly string[] | string, clusterName: string | undefined): Action[] {
  const why = 'nothing billable left';
  const byStack = [{ Name: `tag:${STACK_NAME_TAG}`, Values: [stack] }];
  const byVpc = [{ Name: 'vpc-id', Values: typeof vpcIds === 'string' ? [vpcIds] : [...vpcIds] }];
  const byCluster = clusterName ? [{ Name: 'tag-key', Values: [`kubernetes.io/cluster/${clusterName}`] }] : undefined;
  // DescribeVolumes has no vpc-id filter (volumes belong to an Availability Zone, not a VPC): tags only.
  const filters = (base: string, extra: { Name: string; Values: string[] }[] = [], inVpc = true) => {
    const sets = [byStack, ...(inVpc && vpcIds.length ? [byVpc] : []), ...(byCluster ? [byCluster] : [])];
    return sets.map((f) => ({ kind: 'aws' as const, service: 'ec2', operation: base, params: { Filters: [...f, ...extra] }, why }));
  };
  return [
    { kind: 'aws', service: 'cloudformation', operation: 'DescribeStacks', params: { StackName: stack }, why: 'the stack is gone (ValidationError "does not exist", or DELETE_COMPLETE)' },
    { kind: 'aws', service: 'elasticloadbalancingv2', operation: 'DescribeLoadBalancers', params: {}, why: 'load balancers (then DescribeTags on their ARNs, 20 at a time: tagged with the stack or the cluster?)' },
    { kind: 'aws', service: 'elasticloadbalancingv2', operation: 'DescribeTags', params: { ResourceArns: '<load balancer ARNs>' }, why },
    ...filters('DescribeNetworkInterfaces'),
    ...filters('DescribeSecurityGroups'),
    ...filters('DescribeVolumes', [], false),
    ...filters('DescribeInstances', [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }]),
  ];
}

/** The run's steps, in order. */
export function buildPlan(o: PlanOptions): Plan {
  if (!(STYLES as readonly string[]).includes(o.style)) throw new Error(`style (${String(o.style)}) is not one of ${STYLES.join(', ')}`);
  if (!(E2E_ENVS as readonly string[]).includes(o.env)) throw new Error(`env (${String(o.env)}) is not one of ${E2E_ENVS.join(', ')}`);
  if (!SUFFIX_PATTERN.test(o.suffix)) throw new Error(`suffix (${o.suffix}) must match ${SUFFIX_PATTERN}`);
  const stack = e2eStackName(o.style, o.env, o.suffix);
  const versions = e2eVersions(o.suffix);
  const tuning = o.tuning ?? defaultTuning(o.env);
  const serviceUrl = prodServiceUrl(o.style, o.env, o.context);
  const url = serviceUrl ?? `<${urlOutput(o.style)} from ${o.outputsFile}>`;
  const healthUrl = serviceUrl ? `${serviceUrl}healthz` : `${url} path /healthz`;
  const n = tuning.consecutiveAnswers;
  const load = (path: string, why: string): Action => ({
    kind: 'http',
    what: `GET ${tuning.loadConcurrency} loops (${tuning.loadPauseMs} ms pause, ${tuning.requestTimeoutMs} ms timeout), until the deploy returns`,
    url: path,
    why,
  });
  const adapter = (method: 'status' | 'poll', why: string): Action => ({ kind: 'adapter', method, calls: ADAPTER_CALLS[o.style][method], why });
  const kubeconfig: Action[] =
    o.style === 'container'
      ? [{ kind: 'command', argv: ['aws', 'eks', 'update-kubeconfig', '--name', '<ClusterName>', '--region', '<Region>', '--kubeconfig', o.kubeconfig], expect: 'success', why: 'kubectl for the adapter (only when kubectl is on PATH)' }]
      : [];
  const drillLoad =
    o.style === 'serverless'
      ? load(healthUrl, 'the canary sends 10 % of these to the failing version: its 503s trip the errors alarm, which stops and rolls back the shift (503s expected, counted, not failures)')
      : load(url, 'the failing replicas never get traffic: zero failed requests');
  const steps: Step[] = [
    {
      id: 'deploy',
      title: `Deploy the sample as ${stack} (app version ${versions.initial})`,
      always: false,
      actions: [{ kind: 'command', argv: deployCommand(o, stack, versions.initial, false), expect: 'success', why: 'a new stack, never the user\'s own' }, ...kubeconfig],
    },
    {
      id: 'wait',
      title: 'Wait until the service answers',
      always: false,
      actions: [{ kind: 'http', what: `GET until ${n} answers in a row carry x-app-version ${versions.initial} (every ${tuning.probeIntervalMs / 1000} s, up to ${tuning.answerTimeoutMs / 60_000} min)`, url, why: 'the load balancer, DNS and replicas are up' }],
    },
    {
      id: 'verify',
      title: 'cdk-orchestrate verify',
      always: false,
      actions: [{ kind: 'http', what: `verify: ${tuning.verifyRequests} requests, concurrency 5 (lib/cli/verify.ts)`, url, why: 'zero errors, one version' }],
    },
    {
      id: 'rollout',
      title: `Roll out app version ${versions.next} under load`,
      always: false,
      actions: [
        load(url, `failures: ${failureTolerance(o.style, o.env).documented}`),
        { kind: 'command', argv: deployCommand(o, stack, versions.next, false), expect: 'success', why: 'CloudFormation waits for the rollout' },
        { kind: 'http', what: `GET until ${n} answers in a row carry x-app-version ${versions.next} (up to ${tuning.versionTimeoutMs / 60_000} min)`, url, why: 'the new version answers from every replica' },
        adapter('poll', 'the rollout ended and succeeded (cdk-orchestrate watch)'),
      ],
    },
    {
      id: 'drill',
      title: `Drill a failed rollout: app version ${versions.failing} with ${FAIL_HEALTH_ENV}=1`,
      always: false,
      actions: [
        drillLoad,
        { kind: 'command', argv: deployCommand(o, stack, versions.failing, true), expect: 'failure', why: 'the health check fails: the rollout fails and CloudFormation rolls back' },
        { kind: 'aws', service: 'cloudformation', operation: 'DescribeStacks', params: { StackName: stack }, why: 'StackStatus UPDATE_ROLLBACK_COMPLETE' },
        adapter('poll', ROLLBACK_EVIDENCE[o.style]),
        adapter('status', 'recorded in the report'),
        { kind: 'http', what: `GET until ${n} answers in a row carry x-app-version ${versions.next} (the old version)`, url, why: 'the old version still answers' },
      ],
    },
    {
      id: 'snapshot',
      title: 'Before destroying: find the stack\'s VPCs (to look for leftovers in them afterwards)',
      always: true,
      actions: [{ kind: 'aws', service: 'ec2', operation: 'DescribeVpcs', params: { Filters: [{ Name: `tag:${STACK_NAME_TAG}`, Values: [stack] }] }, why: 'ENIs and security groups of load balancers, Lambda and EKS are not tagged with the stack' }],
    },
    {
      id: 'destroy',
      title: `Destroy ${stack}`,
      always: true,
      actions: [{ kind: 'command', argv: destroyCommand(o, stack), expect: 'success', why: 'always, whatever failed before' }],
    },
    {
      id: 'leftovers',
      title: 'Check that nothing billable is left',
      always: true,
      actions: leftoverCalls(stack, '<VPC ids from the snapshot>', o.style === 'container' ? '<ClusterName>' : undefined),
    },
  ];
  return { style: o.style, env: o.env, suffix: o.suffix, stack, versions, outputsFile: o.outputsFile, kubeconfig: o.kubeconfig, tuning, tolerance: failureTolerance(o.style, o.env), ...(serviceUrl ? { serviceUrl } : {}), steps };
}

/** The plan as `--dry-run` prints it: every command and AWS call, in order. */
export function formatPlan(plan: Plan): string {
  const lines = [`e2e plan: style ${plan.style}, env ${plan.env}, stack ${plan.stack} (suffix ${plan.suffix}; region: the stack's Region output, AWS_REGION before the deploy)`];
  plan.steps.forEach((step, i) => {
    lines.push(`${String(i + 1).padStart(2)}. [${step.id}]${step.always ? ' (finally)' : ''} ${step.title}`);
    for (const a of step.actions) lines.push(`      ${formatAction(a)}`);
  });
  return lines.join('\n');
}

export function formatAction(a: Action): string {
  switch (a.kind) {
    case 'command':
      return `$ ${shellCommand([...a.argv])}${a.expect === 'failure' ? '   # must FAIL' : ''}   # ${a.why}`;
    case 'aws':
      return `aws ${a.service}:${a.operation} ${JSON.stringify(a.params)}   # ${a.why}`;
    case 'adapter':
      return `adapter ${a.method}: ${a.calls.join(', ')}   # ${a.why}`;
    case 'http':
      return `http ${a.url}: ${a.what}   # ${a.why}`;
  }
}
