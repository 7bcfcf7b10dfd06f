// `npm run e2e -- --style <server|vm|container|serverless|all> [--env dev|prod] [--dry-run] ...`: arguments,
// the run over the styles, the report. bin/e2e.ts calls `main`; the tests call it with fakes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { createClients, loadAwsSdk, sleep as realSleep, type RetryOptions } from '../cli/aws';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/errors';
import { kubectlOnPath } from '../cli/kubectl';
import { STYLES, type Style } from '../cli/stack-outputs';
import { createAwsCaller, type ModuleLoader } from './aws';
import { buildPlan, E2E_ENVS, formatPlan, SUFFIX_PATTERN, type E2eEnv, type E2eTuning, type Plan } from './plan';
import { formatReport, writeReport, type E2eReport } from './report';
import { runStyle, type CommandRunner, type RunDeps, type StyleResult } from './runner';

export const USAGE = `Usage: npm run e2e -- --style <server|vm|container|serverless|all> [options]

Deploys the sample of each style on real AWS under a unique stack name, rolls a new version under load,
drills a failed rollout, destroys the stack and checks that nothing billable is left (docs/e2e.md).

Options:
  --style S          server, vm, container, serverless or all (one after another)
  --env E            dev (default) or prod (prod needs -c domainName=... etc., see docs/e2e.md)
  --dry-run          print every command and AWS call, run nothing (no credentials needed)
  --suffix X         the stack-name suffix (default: e2e + 6 random hex digits)
  --context K=V      passed to every cdk command as -c K=V (repeatable)
  --report FILE      where the JSON report goes (default: <work dir>/report.json)
  --work-dir DIR     outputs files, kubeconfig, report (default: a new folder in the temp dir)
  -h, --help         this text

Exit codes: 0 passed (or dry run); 1 a check failed; 2 bad arguments or a missing tool.`;

export interface E2eArgs {
  readonly styles: Style[];
  readonly env: E2eEnv;
  readonly dryRun: boolean;
  readonly suffix: string;
  readonly context: Record<string, string>;
  readonly report?: string;
  readonly workDir?: string;
  readonly help: boolean;
}

/** Parses the arguments; a CliError (exit 2) naming the bad one. */
export function parseArgs(argv: readonly string[], random: () => string = () => randomBytes(3).toString('hex')): E2eArgs {
  let style: string | undefined;
  let env = 'dev';
  let dryRun = false;
  let suffix: string | undefined;
  let report: string | undefined;
  let workDir: string | undefined;
  let help = false;
  const context: Record<string, string> = {};
  const args = [...argv];
  const value = (flag: string): string => {
    const v = args.shift();
    if (v === undefined || v.startsWith('--')) throw new CliError(`${flag} needs a value.`, EXIT_USAGE, USAGE.split('\n')[0]);
    return v;
  };
  while (args.length) {
    const raw = args.shift()!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    if (eq > 0) args.unshift(raw.slice(eq + 1));
    switch (flag) {
      case '--style': style = value(flag); break;
      case '--env': env = value(flag); break;
      case '--dry-run': dryRun = true; break;
      case '--suffix': suffix = value(flag); break;
      case '--report': report = value(flag); break;
      case '--work-dir': workDir = value(flag); break;
      case '--context':
      case '-c': {
        const pair = value(flag);
        const i = pair.indexOf('=');
        if (i < 1) throw new CliError(`${flag} (${pair}) must be KEY=VALUE.`, EXIT_USAGE);
        context[pair.slice(0, i)] = pair.slice(i + 1);
        break;
      }
      case '-h':
      case '--help': help = true; break;
      default:
        throw new CliError(`unknown argument ${raw}.`, EXIT_USAGE, USAGE.split('\n')[0]);
    }
  }
  if (help) return { styles: [], env: 'dev', dryRun, suffix: '', context, help };
  if (!style) throw new CliError('--style is required: server, vm, container, serverless or all.', EXIT_USAGE, USAGE.split('\n')[0]);
  if (style !== 'all' && !(STYLES as readonly string[]).includes(style)) throw new CliError(`--style (${style}) must be one of ${STYLES.join(', ')} or all.`, EXIT_USAGE);
  if (!(E2E_ENVS as readonly string[]).includes(env)) throw new CliError(`--env (${env}) must be dev or prod (stage adds nothing dev does not test).`, EXIT_USAGE);
  const s = suffix ?? `e2e${random()}`;
  if (!SUFFIX_PATTERN.test(s)) throw new CliError(`--suffix (${s}) must be 3 to 12 lower-case letters and digits, starting with a letter.`, EXIT_USAGE);
  for (const reserved of ['env', 'stackSuffix', 'sampleAppVersion', 'sampleAppFailHealth', 'teardown']) {
    if (reserved in context) throw new CliError(`--context ${reserved} is set by the suite itself; remove it.`, EXIT_USAGE);
  }
  return { styles: style === 'all' ? [...STYLES] : [style as Style], env: env as E2eEnv, dryRun, suffix: s, context, report, workDir, help };
}

/** The plan of each style of a run. */
export function plansFor(args: E2eArgs, workDir: string, tuning?: E2eTuning, cdk?: readonly string[]): Plan[] {
  return args.styles.map((style) =>
    buildPlan({
      style,
      env: args.env,
      suffix: args.suffix,
      outputsFile: path.join(workDir, `outputs-${style}.json`),
      kubeconfig: path.join(workDir, 'kubeconfig'),
      context: args.context,
      tuning,
      cdk,
    }),
  );
}

export interface MainDeps extends RunDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly random?: () => string;
  readonly tuning?: E2eTuning;
  /** For the work dir (default os.tmpdir()). */
  readonly tmpdir?: string;
  readonly cdk?: readonly string[];
  readonly writeReport?: (file: string, report: E2eReport) => void;
}

/** Runs the suite; resolves to the exit code. */
export async function main(argv: readonly string[], partial: Partial<MainDeps> = {}): Promise<number> {
  const stdout = partial.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = partial.stderr ?? ((t: string) => void process.stderr.write(t));
  let args: E2eArgs;
  try {
    args = parseArgs(argv, partial.random);
  } catch (err) {
    return fail(err, stderr);
  }
  if (args.help) {
    stdout(`${USAGE}\n`);
    return 0;
  }
  const workDir = args.workDir ?? path.join(partial.tmpdir ?? os.tmpdir(), `cdk-orchestration-e2e-${args.suffix}`);
  const plans = plansFor(args, workDir, partial.tuning, partial.cdk);
  if (args.dryRun) {
    stdout(`${plans.map(formatPlan).join('\n\n')}\n\nDry run: nothing was deployed, called or requested. Reports would go to ${args.report ?? path.join(workDir, 'report.json')}.\n`);
    return 0;
  }
  const deps = { ...realDeps(stderr), ...partial } as MainDeps;
  fs.mkdirSync(workDir, { recursive: true });
  const started = deps.clock.now();
  const startedAt = new Date().toISOString();
  const results: StyleResult[] = [];
  stderr(`e2e: work dir ${workDir}\n`);
  for (const plan of plans) results.push(await runStyle(plan, deps));
  const report: E2eReport = {
    suite: 'cdk-orchestration e2e',
    ok: results.every((r) => r.ok),
    env: args.env,
    suffix: args.suffix,
    startedAt,
    durationMs: deps.clock.now() - started,
    styles: results,
  };
  const file = args.report ?? path.join(workDir, 'report.json');
  (deps.writeReport ?? writeReport)(file, report);
  stdout(`${formatReport(report)}\n\nReport: ${file}\n`);
  return report.ok ? 0 : EXIT_FAILURE;
}

function fail(err: unknown, stderr: (t: string) => void): number {
  if (err instanceof CliError) {
    stderr(`error: ${err.message}\n${err.hint ? `${err.hint}\n` : ''}`);
    return err.exitCode;
  }
  throw err;
}

/** The real surroundings: processes, fetch, the clock, AWS through the SDK. */
export function realDeps(stderr: (t: string) => void, load?: ModuleLoader, retry?: RetryOptions): MainDeps {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr,
    runCommand: spawnCommand,
    fetch: globalThis.fetch,
    clock: { now: Date.now, sleep: realSleep },
    log: (line) => stderr(`${line}\n`),
    aws: (region) => createAwsCaller(region, { load, retry }),
    adapterContext: async (region) => {
      const sdk = await loadAwsSdk();
      return { sdk, clients: createClients(region, sdk), region, retry };
    },
    kubectl: (kubeconfig) => kubectlOnPath({ ...process.env, KUBECONFIG: kubeconfig }),
    env: process.env,
  };
}

/** Runs a command with its output passed through to stderr; keeps the last 8 KB for messages. */
export const spawnCommand: CommandRunner = (argv, options = {}) =>
  new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      process.stderr.write(chunk);
      output = (output + chunk.toString('utf8')).slice(-8192);
    };
    const child = spawn(argv[0], argv.slice(1), { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => resolve({ code: 127, output: `${output}\n${argv[0]}: ${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
