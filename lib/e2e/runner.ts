// The real run: walks the plan's steps (plan.ts) for one style, the `always` ones in a finally, and records what
// each took and found. Every outside effect comes through RunDeps, so the tests drive it with fakes.
import type { Progress } from '../cli/adapter';
import type { AwsContext } from '../cli/aws';
import type { Kubectl } from '../cli/kubectl';
import { readOutputsFile, resolveRegion, stackInfo, type OutputsFile, type StackInfo } from '../cli/outputs';
import type { Style } from '../cli/stack-outputs';
import type { StatusReport } from '../cli/status';
import { adapterFor } from '../cli/styles';
import { verify } from '../cli/verify';
import { follow } from '../cli/watch';
import type { AwsCaller } from './aws';
import { isStackMissing } from './aws';
import { worstCase, type WorstCase } from './estimate';
import { awaitVersion, checkFailures, startLoad, type Clock, type Load, type LoadResult } from './http';
import { checkLeftovers, takeSnapshot, type Snapshot } from './leftovers';
import { formatAction, urlOutput, type Action, type Plan, type Step, type StepId } from './plan';

/** Runs a command; resolves with its exit code and the tail of its output (never rejects on a non-zero exit). */
export type CommandRunner = (argv: readonly string[], options?: { env?: NodeJS.ProcessEnv }) => Promise<{ code: number; output: string }>;

export interface RunDeps {
  readonly runCommand: CommandRunner;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** The suite's own AWS calls in a region. */
  readonly aws: (region: string) => AwsCaller;
  /** The style adapters' context in a region (lib/cli/aws.ts: loadAwsSdk + createClients). */
  readonly adapterContext: (region: string) => Promise<AwsContext>;
  /** kubectl with the run's kubeconfig, or undefined when kubectl is not on PATH. */
  readonly kubectl: (kubeconfig: string) => Kubectl | undefined;
  /** For the region before any stack output is known (AWS_REGION, AWS_DEFAULT_REGION). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Aborted on Ctrl-C: the steps still to come are skipped and the waits in progress end, but the `finally` steps
   * (destroy, the leftover check) still run. @default - never aborted
   */
  readonly signal?: AbortSignal;
}

export interface PhaseResult {
  readonly id: StepId;
  readonly title: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly durationMs: number;
  readonly error?: string;
  readonly notes?: string[];
}

export interface RequestCounts {
  readonly total: number;
  readonly errors: number;
}

export interface StyleResult {
  readonly style: Style;
  readonly stack: string;
  readonly ok: boolean;
  /** What failed, one line each: `rollout: 3 of 812 requests failed ...`. */
  readonly failures: string[];
  readonly phases: PhaseResult[];
  /** Requests per phase that sent any. */
  readonly requests: Partial<Record<StepId, RequestCounts & { errorKinds?: Record<string, number> }>>;
  readonly rollout?: { readonly deployMs: number; readonly newVersionEverywhereMs?: number; readonly worstCase: WorstCase; readonly withinWorstCase?: boolean };
  readonly rollback?: { readonly deployMs: number; readonly stackStatus?: string; readonly adapter?: string; readonly worstCase: WorstCase };
  readonly leftovers: string[];
  readonly unchecked: string[];
  readonly commands: string[];
}

class StepFailure extends Error {}

/** The last lines of a command's output, for a failure message. */
function tail(output: string, lines = 3): string {
  const t = output.trim().split('\n').slice(-lines).join(' | ');
  return t ? `: ${t}` : '';
}

export async function runStyle(plan: Plan, deps: RunDeps): Promise<StyleResult> {
  const { log } = deps;
  // The waits of the checks end on Ctrl-C (the request loops use deps.clock: they stop when their step ends).
  const clock: Clock = {
    now: deps.clock.now,
    sleep: async (ms) => {
      if (deps.signal?.aborted) throw new StepFailure('interrupted (Ctrl-C)');
      await deps.clock.sleep(ms);
    },
  };
  const t = plan.tuning;
  const failures: string[] = [];
  const phases: PhaseResult[] = [];
  const requests: StyleResult['requests'] = {};
  const commands: string[] = [];
  let rollout: StyleResult['rollout'];
  let rollback: StyleResult['rollback'];
  let leftovers: string[] = [];
  const unchecked: string[] = [];
  let outputs: OutputsFile | undefined;
  let info: StackInfo | undefined;
  let url: string | undefined;
  let region: string | undefined;
  let kubectl: Kubectl | undefined;
  let snapshot: Snapshot | undefined;

  const run = async (action: Extract<Action, { kind: 'command' }>, substitute: Record<string, string> = {}): Promise<{ code: number; output: string }> => {
    const argv = action.argv.map((w) => substitute[w] ?? w);
    commands.push(argv.join(' '));
    log(`  $ ${argv.join(' ')}`);
    return deps.runCommand(argv);
  };
  const commandsOf = (step: Step) => step.actions.filter((a): a is Extract<Action, { kind: 'command' }> => a.kind === 'command');
  const needUrl = (): string => {
    if (!url) throw new StepFailure(`no URL: the stack has no ${urlOutput(plan.style)} output in ${plan.outputsFile}`);
    return url;
  };
  const readStack = () => {
    outputs = readOutputsFile(plan.outputsFile);
    info = stackInfo(outputs, plan.stack, plan.outputsFile);
    url = plan.serviceUrl ?? (outputs[plan.stack]?.[urlOutput(plan.style)] || undefined);
    region = resolveRegion(info, undefined, deps.env);
  };
  const version = (v: string, what: string) =>
    awaitVersion(needUrl(), v, { count: t.consecutiveAnswers, intervalMs: t.probeIntervalMs, timeoutMs: t.answerTimeoutMs, requestTimeoutMs: t.requestTimeoutMs, fetch: deps.fetch, clock, what });
  const load = (target: string): Load => startLoad(target, { concurrency: t.loadConcurrency, pauseMs: t.loadPauseMs, timeoutMs: t.requestTimeoutMs, fetch: deps.fetch, clock: deps.clock });
  const count = (id: StepId, r: LoadResult | { total: number; errors: number }, extra = 0) => {
    const prev = requests[id] ?? { total: 0, errors: 0 };
    requests[id] = {
      total: prev.total + r.total + extra,
      errors: prev.errors + r.errors,
      ...('errorKinds' in r && r.errors ? { errorKinds: r.errorKinds } : prev.errorKinds ? { errorKinds: prev.errorKinds } : {}),
    };
  };
  const adapterPoll = async (): Promise<Progress> => {
    const ctx = await deps.adapterContext(region!);
    const adapter = adapterFor<Style>(plan.style);
    return follow(() => adapter.poll(ctx, info!, { kubectl }), { intervalMs: 10_000, timeoutMs: 30 * 60_000, sleep: clock.sleep, now: clock.now });
  };

  const handlers: Record<StepId, (step: Step) => Promise<string[] | void>> = {
    deploy: async (step) => {
      const [deploy, configure] = commandsOf(step);
      const res = await run(deploy);
      if (res.code !== 0) throw new StepFailure(`cdk deploy of ${plan.stack} (version ${plan.versions.initial}) failed with exit code ${res.code}${tail(res.output)}`);
      readStack();
      if (configure && info?.style === 'container') {
        kubectl = deps.kubectl(plan.kubeconfig);
        if (!kubectl) return ['kubectl is not on PATH: the container adapter cannot read the Deployment (rollout and rollback checked through CloudFormation and HTTP only)'];
        const cfg = await run(configure, { '<ClusterName>': info.clusterName, '<Region>': region! });
        if (cfg.code !== 0) throw new StepFailure(`aws eks update-kubeconfig failed with exit code ${cfg.code}${tail(cfg.output)}`);
      }
      return undefined;
    },
    wait: async () => {
      const r = await version(plan.versions.initial, 'the service did not answer');
      count('wait', { total: r.requests, errors: 0 });
      return [`answered after ${Math.round(r.durationMs / 1000)} s; replicas seen: ${r.replicas.join(', ') || '(no x-replica header)'}`];
    },
    verify: async () => {
      const r = await verify(needUrl(), { requests: t.verifyRequests, concurrency: 5, timeoutMs: t.requestTimeoutMs, fetch: deps.fetch });
      count('verify', r);
      if (r.errors > 0) throw new StepFailure(`verify: ${r.errors} of ${r.total} requests failed (${Object.entries(r.errorKinds).map(([k, n]) => `${n} × ${k}`).join(', ')})`);
      const versions = Object.keys(r.versions);
      if (versions.length !== 1 || versions[0] !== plan.versions.initial) throw new StepFailure(`verify: expected only x-app-version ${plan.versions.initial}, got ${JSON.stringify(r.versions)}`);
      return [`${r.total} requests, 0 errors, ${Object.keys(r.replicas).length} replica(s), p99 ${r.latencyMs?.p99 ?? '-'} ms`];
    },
    rollout: async (step) => {
      const [deploy] = commandsOf(step);
      const estimate = worstCase(plan.style, plan.env, outputs?.[plan.stack]);
      const traffic = load(needUrl());
      const t0 = clock.now();
      let loadResult: LoadResult | undefined;
      try {
        const res = await run(deploy);
        const deployMs = clock.now() - t0;
        rollout = { deployMs, worstCase: estimate, withinWorstCase: estimate.seconds === undefined ? undefined : deployMs <= estimate.seconds * 1000 };
        if (res.code !== 0) throw new StepFailure(`cdk deploy of version ${plan.versions.next} failed with exit code ${res.code}${tail(res.output)}`);
        readStack();
        const everywhere = await version(plan.versions.next, `the new version ${plan.versions.next} did not answer from every replica`);
        rollout = { ...rollout, newVersionEverywhereMs: clock.now() - t0 };
        count('rollout', { total: everywhere.requests, errors: 0 });
      } finally {
        loadResult = await traffic.stop();
        count('rollout', loadResult);
      }
      const problem = checkFailures(loadResult, plan.tolerance);
      if (problem) throw new StepFailure(`requests failed during the rollout: ${problem}`);
      if (plan.style === 'container' && !kubectl) {
        return [`${loadResult.total} requests under load, ${loadResult.errors} failed; adapter not asked: kubectl is not on PATH`];
      }
      const p = await adapterPoll();
      if (!p.ok) throw new StepFailure(`the rollout did not succeed according to the ${plan.style} adapter: ${p.subject} ${p.status}: ${p.message}`);
      return [`${loadResult.total} requests under load, ${loadResult.errors} failed; adapter: ${p.subject} ${p.status}`];
    },
    drill: async (step) => {
      const [deploy] = commandsOf(step);
      const target = plan.style === 'serverless' ? new URL('healthz', needUrl()).toString() : needUrl();
      const traffic = load(target);
      const t0 = clock.now();
      let loadResult: LoadResult | undefined;
      const notes: string[] = [];
      try {
        const res = await run(deploy);
        rollback = { deployMs: clock.now() - t0, worstCase: worstCase(plan.style, plan.env, outputs?.[plan.stack]) };
        if (res.code === 0) {
          throw new StepFailure(`no automatic rollback: cdk deploy of the failing version ${plan.versions.failing} (health check answering 503) succeeded`);
        }
        const aws = deps.aws(region!);
        const described = await aws.call<{ Stacks?: { StackStatus?: string; StackStatusReason?: string }[] }>('cloudformation', 'DescribeStacks', { StackName: plan.stack }, isStackMissing);
        const status = described?.Stacks?.[0]?.StackStatus ?? 'does not exist';
        rollback = { ...rollback, stackStatus: status };
        if (status !== 'UPDATE_ROLLBACK_COMPLETE') {
          throw new StepFailure(`no automatic rollback: after the failed deploy the stack is ${status}, not UPDATE_ROLLBACK_COMPLETE${tail(res.output, 2)}`);
        }
        if (plan.style === 'container' && !kubectl) {
          notes.push('adapter not asked: kubectl is not on PATH');
        } else {
          const p = await adapterPoll();
          rollback = { ...rollback, adapter: `${p.subject} ${p.status}: ${p.message}` };
          const problem = rollbackProblem(plan.style, p);
          if (problem) throw new StepFailure(`no automatic rollback according to the ${plan.style} adapter: ${problem}`);
          const ctx = await deps.adapterContext(region!);
          const report = await adapterFor<Style>(plan.style).status(ctx, info!, { kubectl });
          const statusProblem = rollbackStatusProblem(report, plan.versions.next);
          if (statusProblem) throw new StepFailure(`no automatic rollback according to the ${plan.style} adapter: ${statusProblem}`);
        }
        const back = await version(plan.versions.next, `the old version ${plan.versions.next} does not answer after the rollback`);
        count('drill', { total: back.requests, errors: 0 });
      } finally {
        loadResult = await traffic.stop();
        count('drill', loadResult);
      }
      if (plan.style === 'serverless') {
        notes.push(`${loadResult.errors} of ${loadResult.total} health checks answered with an error during the canary (expected: they trip the alarm)`);
      } else {
        const problem = checkFailures(loadResult, plan.tolerance);
        if (problem) throw new StepFailure(`requests failed during the drill: ${problem}`);
      }
      if (loadResult.versions[plan.versions.failing]) notes.push(`${loadResult.versions[plan.versions.failing]} answer(s) came from the failing version before the rollback`);
      return notes;
    },
    snapshot: async () => {
      region ??= deps.env.AWS_REGION || deps.env.AWS_DEFAULT_REGION;
      if (!region) throw new StepFailure('no region: the stack wrote no Region output and AWS_REGION is not set, so nothing can be checked');
      const clusterName = info?.style === 'container' ? info.clusterName : undefined;
      snapshot = await takeSnapshot(deps.aws(region), plan.stack, clusterName);
      return [`VPCs: ${snapshot.vpcIds.join(', ') || 'none'}${clusterName ? `; cluster ${clusterName}` : ''}`];
    },
    destroy: async (step) => {
      const [destroy] = commandsOf(step);
      const res = await run(destroy);
      if (res.code !== 0) throw new StepFailure(`cdk destroy of ${plan.stack} failed with exit code ${res.code}${tail(res.output)}`);
    },
    leftovers: async () => {
      if (!region) throw new StepFailure('no region: leftovers not checked');
      const r = await checkLeftovers(deps.aws(region), plan.stack, snapshot ?? { vpcIds: [] });
      leftovers = r.leftovers;
      unchecked.push(...r.unchecked);
      if (r.leftovers.length) throw new StepFailure(`left after destroy: ${r.leftovers.join('; ')}`);
      return undefined; // what could not be checked is in the report's `unchecked`
    },
  };

  const runStep = async (step: Step) => {
    log(`[${plan.style}] ${step.title}`);
    for (const a of step.actions) if (a.kind !== 'command') log(`  ${formatAction(a)}`);
    const t0 = clock.now();
    try {
      const notes = (await handlers[step.id](step)) ?? undefined;
      phases.push({ id: step.id, title: step.title, status: 'ok', durationMs: clock.now() - t0, ...(notes?.length ? { notes } : {}) });
      for (const n of notes ?? []) log(`  ${n}`);
      return true;
    } catch (err) {
      const message = (err as Error).message;
      failures.push(`${step.id}: ${message}`);
      phases.push({ id: step.id, title: step.title, status: 'failed', durationMs: clock.now() - t0, error: message });
      log(`  FAILED: ${message}`);
      return false;
    }
  };

  let failed = false;
  try {
    for (const step of plan.steps.filter((s) => !s.always)) {
      if (!failed && deps.signal?.aborted) {
        failures.push(`${step.id}: interrupted (Ctrl-C) before this step`);
        failed = true;
      }
      if (failed) {
        phases.push({ id: step.id, title: step.title, status: 'skipped', durationMs: 0 });
        continue;
      }
      failed = !(await runStep(step));
    }
  } finally {
    for (const step of plan.steps.filter((s) => s.always)) await runStep(step);
  }
  return { style: plan.style, stack: plan.stack, ok: failures.length === 0, failures, phases, requests, rollout, rollback, leftovers, unchecked, commands };
}

/** The adapter's last observation after the drill, against what the style's automatic rollback leaves. */
export function rollbackProblem(style: Style, p: Progress): string | undefined {
  if (!p.done) return `${p.subject} is still ${p.status}`;
  switch (style) {
    case 'vm':
      // The failing refresh ends RollbackSuccessful/Failed/Cancelled; CloudFormation's own rollback may run one more
      // refresh back to the previous launch template, which ends Successful.
      return p.status === 'RollbackFailed' ? `${p.subject} ${p.status}: ${p.message}` : undefined;
    case 'serverless':
      return undefined; // the deployment of the failing version ended (Stopped/Failed); the status check looks at the alias
    case 'server':
      return p.ok ? undefined : `the association's last run is ${p.status} (${p.message}), not Success: the previous version was not re-applied everywhere`;
    case 'container':
      return p.ok ? undefined : `${p.subject} ${p.status}: ${p.message}`;
  }
}

/** The adapter's status after the drill: the previous version back in place. */
export function rollbackStatusProblem(report: StatusReport, previous: string): string | undefined {
  if (report.style === 'server') {
    const version = report.association.version;
    if (version !== undefined && version !== previous) return `the association's app version is ${version}, not the previous ${previous}`;
  }
  if (report.style === 'serverless') {
    const traffic = report.traffic;
    if (traffic.length > 1) return `the alias still splits traffic: ${traffic.map((x) => `version ${x.version} ${x.percent}%`).join(', ')}`;
  }
  return undefined;
}
