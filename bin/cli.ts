// The `cdk-orchestrate` command: argument parsing and printing only. The logic is in lib/cli/.
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createClients, loadAwsSdk, type AwsSdk, type Clients, type RetryOptions } from '../lib/cli/aws';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../lib/cli/errors';
import { colors, renderProgress, renderRollback, renderStatus, renderVerify, type Colors } from '../lib/cli/format';
import { kubectlOnPath, type Kubectl } from '../lib/cli/kubectl';
import { DEFAULT_OUTPUTS_FILE, loadStack, resolveRegion, verifyTarget } from '../lib/cli/outputs';
import { rollback } from '../lib/cli/rollback';
import { stackStatus } from '../lib/cli/status';
import { VERIFY_LIMITS, verify } from '../lib/cli/verify';
import { packageVersion } from '../lib/cli/version';
import { follow, pollerFor, type FollowOptions, type Progress } from '../lib/cli/watch';

/** A stream the CLI writes to (process.stdout / stderr, or a test's collector). */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Needed by the progress bar on a TTY. */
  readonly columns?: number;
}

/** What the CLI needs from its surroundings; tests replace any of it. */
export interface CliDeps {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Loads the AWS SDK clients (optional dependencies, imported by nothing else at start-up): only the commands that
   * call AWS do, first thing, so --help, --version and verify work without them.
   */
  readonly loadAwsSdk: () => Promise<AwsSdk>;
  /** @default - the clients of the SDK `loadAwsSdk` loaded */
  readonly createClients?: (region: string) => Clients;
  /** `undefined`: look for kubectl on PATH; `null`: act as if there were none. */
  readonly kubectl?: Kubectl | null;
  readonly retry?: RetryOptions;
  /** Overrides for `watch` (tests shorten the interval). */
  readonly follow?: Pick<FollowOptions, 'sleep' | 'now'>;
}

interface GlobalOptions {
  color: boolean;
}
interface StackOptions extends GlobalOptions {
  outputs: string;
  region?: string;
  json?: boolean;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

function useColor(stream: Output, env: NodeJS.ProcessEnv, wanted: boolean): boolean {
  if (!wanted || 'NO_COLOR' in env || env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** Runs the CLI with arguments (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[], partial: Partial<CliDeps> = {}): Promise<number> {
  const deps: CliDeps = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    loadAwsSdk,
    ...partial,
  };
  const { stdout, stderr, env } = deps;
  let exitCode = 0;
  const out = (text: string) => stdout.write(`${text}\n`);
  const c = (opts: GlobalOptions, stream: Output = stdout): Colors => colors(useColor(stream, env, opts.color));
  /** Starts a progress bar that gives the cursor back on Ctrl-C. */
  const progressBar = (format: string, clearOnComplete: boolean) => {
    const bar = new SingleBar({ stream: stderr as NodeJS.WritableStream, format, hideCursor: true, clearOnComplete }, Presets.shades_classic);
    const interrupted = () => {
      bar.stop();
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    return { bar, release: () => (bar.stop(), process.removeListener('SIGINT', interrupted)) };
  };
  const kubectl = () => (deps.kubectl === null ? undefined : (deps.kubectl ?? kubectlOnPath(env)));
  /**
   * What a command that calls AWS starts with: the SDK clients (a missing one is the first thing to fix, exit 2 naming
   * the packages to install), the stack from the outputs file, and clients for its region.
   */
  const stackContext = async (stack: string, opts: StackOptions) => {
    const sdk = await deps.loadAwsSdk();
    const info = loadStack(opts.outputs, stack);
    const region = resolveRegion(info, opts.region, env);
    const clients = deps.createClients ? deps.createClients(region) : createClients(region, sdk);
    return { info, ctx: { sdk, clients, region, retry: deps.retry } };
  };

  const program = new Command('cdk-orchestrate')
    .description('See, verify and roll back an environment deployed with cdk-orchestration (server, vm, container, serverless).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--no-color', 'no colours (they are on only on a terminal, and off with NO_COLOR)')
    .showHelpAfterError('(run cdk-orchestrate --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
    })
    .addHelpText(
      'after',
      `
Stacks are found in the file \`cdk deploy --outputs-file ${DEFAULT_OUTPUTS_FILE}\` writes.
Exit codes: 0 ok; 1 failed (AWS error, rollout failed or rolled back, verify saw errors); 2 bad input.`,
    );

  const stackOptions = (cmd: Command) =>
    cmd
      .addOption(new Option('-o, --outputs <file>', 'outputs file written by `cdk deploy --outputs-file`').default(DEFAULT_OUTPUTS_FILE))
      .option('-r, --region <region>', "AWS region (default: the stack's Region output)")
      .option('--json', 'print JSON for scripts instead of tables');

  stackOptions(
    program
      .command('status')
      .description('show instances, health, versions and the rollout in progress for a deployed stack')
      .argument('<stack>', 'stack name, as in the outputs file'),
  ).action(async (stack: string, _opts: StackOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals<StackOptions>();
    const { info, ctx } = await stackContext(stack, opts);
    const report = await stackStatus(ctx, info, { kubectl: kubectl() });
    out(opts.json ? JSON.stringify(report, null, 2) : renderStatus(report, c(opts)));
  });

  stackOptions(
    program
      .command('watch')
      .description('follow an instance refresh (vm), association run (server), traffic shift (serverless) or rollout (container) until it ends; exit 1 if it failed or rolled back')
      .argument('<stack>', 'stack name, as in the outputs file')
      .addOption(new Option('--interval <seconds>', 'seconds between polls').default(10).argParser(integer('--interval', 1, 3600)))
      .addOption(new Option('--timeout <minutes>', 'give up after this many minutes').default(60).argParser(integer('--timeout', 1, 24 * 60))),
  ).action(async (stack: string, _opts: unknown, cmd: Command) => {
    const opts = cmd.optsWithGlobals<StackOptions & { interval: number; timeout: number }>();
    const { info, ctx } = await stackContext(stack, opts);
    const col = c(opts, stderr);
    const tty = stderr.isTTY === true && !opts.json;
    let bar: ReturnType<typeof progressBar> | undefined;
    let last = '';
    const history: Progress[] = [];
    const onProgress = (p: Progress) => {
      history.push(p);
      if (tty && !p.done) {
        bar ??= progressBar('{bar} {percentage}% | {subject}: {message}', false);
        if (!bar.bar.isActive) bar.bar.start(100, p.percent ?? 0, { subject: p.subject, message: p.message });
        else bar.bar.update(p.percent ?? 0, { subject: p.subject, message: p.message });
        return;
      }
      const line = renderProgress(p, col);
      if (line !== last && !p.done) stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      last = line;
    };
    let final: Progress;
    try {
      final = await follow(pollerFor(ctx, info, kubectl()), {
        intervalMs: opts.interval * 1000,
        timeoutMs: opts.timeout * 60_000,
        onProgress,
        ...deps.follow,
      });
    } finally {
      bar?.release();
    }
    if (opts.json) {
      out(JSON.stringify({ stack: info.stack, style: info.style, ...final, history }, null, 2));
    } else {
      const sc = c(opts);
      const verdict = final.idle ? 'nothing in progress' : final.ok ? sc.green('succeeded') : sc.red('failed');
      out(`${final.subject}: ${verdict}: ${final.message}`);
    }
    if (!final.ok) exitCode = EXIT_FAILURE;
  });

  program
    .command('verify')
    .description('send a bounded number of requests and count answers per replica (x-replica) and version (x-app-version), with p50/p95/p99 latency; exit 1 on any error')
    .argument('<url>', 'http(s) URL, or a stack name to use its URL output (NginxUrl, AlbUrl, Url)')
    .addOption(new Option('-o, --outputs <file>', 'outputs file, when <url> is a stack name').default(DEFAULT_OUTPUTS_FILE))
    .addOption(
      new Option('-n, --requests <n>', 'requests to send').default(VERIFY_LIMITS.requests.default).argParser(integer('--requests', VERIFY_LIMITS.requests.min, VERIFY_LIMITS.requests.max)),
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'requests in flight at once')
        .default(VERIFY_LIMITS.concurrency.default)
        .argParser(integer('--concurrency', VERIFY_LIMITS.concurrency.min, VERIFY_LIMITS.concurrency.max)),
    )
    .addOption(
      new Option('-t, --timeout <ms>', 'per-request timeout in milliseconds')
        .default(VERIFY_LIMITS.timeoutMs.default)
        .argParser(integer('--timeout', VERIFY_LIMITS.timeoutMs.min, VERIFY_LIMITS.timeoutMs.max)),
    )
    .option('--json', 'print JSON for scripts instead of tables')
    .action(async (url: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { requests: number; concurrency: number; timeout: number; json?: boolean; outputs: string }>();
      const target = verifyTarget(url, opts.outputs);
      const tty = stderr.isTTY === true && !opts.json;
      const bar = tty ? progressBar('{bar} {value}/{total} requests', true) : undefined;
      bar?.bar.start(opts.requests, 0);
      let result;
      try {
        result = await verify(target, {
          requests: opts.requests,
          concurrency: opts.concurrency,
          timeoutMs: opts.timeout,
          onResult: (done) => bar?.bar.update(done),
        });
      } finally {
        bar?.release();
      }
      out(opts.json ? JSON.stringify(result, null, 2) : renderVerify(result, c(opts)));
      if (result.errors > 0) exitCode = EXIT_FAILURE;
    });

  stackOptions(
    program
      .command('rollback')
      .description('vm: roll back (else cancel) the instance refresh in progress; serverless: stop the CodeDeploy deployment, else point the alias at the previous version; server: re-apply the previous association version; container: kubectl rollout undo')
      .argument('<stack>', 'stack name, as in the outputs file'),
  ).action(async (stack: string, _opts: unknown, cmd: Command) => {
    const opts = cmd.optsWithGlobals<StackOptions>();
    const { info, ctx } = await stackContext(stack, opts);
    const result = await rollback(ctx, info, { kubectl: kubectl() });
    out(opts.json ? JSON.stringify(result, null, 2) : renderRollback(result, c(opts)));
    if (!result.changed) exitCode = EXIT_FAILURE;
  });

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end here too; commander already printed the message.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const col = colors(useColor(stderr, env, !argv.includes('--no-color')));
    if (err instanceof CliError) {
      stderr.write(`${col.red('error:')} ${err.message}\n`);
      if (err.hint) stderr.write(`${err.hint}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    stderr.write(`${col.red('error:')} unexpected: ${e?.message ?? String(err)}\n`);
    if (env.CDK_ORCHESTRATE_DEBUG) stderr.write(`${e?.stack ?? ''}\n`);
    else stderr.write('Set CDK_ORCHESTRATE_DEBUG=1 for details, and please report it.\n');
    return EXIT_FAILURE;
  }
}

/** Entry point of the installed command. */
export function main(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${String(err)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}

if (require.main === module) main();

