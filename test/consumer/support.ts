// What the consumer tests share: one `npm pack` per test run, npm installs from npm's cache, and the
// environment of a newcomer without an AWS account. Each test file under test/consumer/ is one kind of
// user project (see README.md, "Install"); vitest runs them in parallel, so the files share a single
// tarball: the first file to ask packs (`npm pack` runs the `prepare` script, the jsii build, skipped
// when dist/ is current, as it is after `npm ci`), the others wait for it. Each project then installs
// everything in one `npm install`: a second install of the tarball after the peers would walk the whole
// tree again (about 10 s more CPU for the cdk init project, which is what a 2-core run pays for).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { RUN_TMP_ENV, SHARED_PREFIX } from '../global-setup';

/** The repository (not test/support.ts's ROOT: that module loads aws-cdk-lib). */
export const ROOT = path.resolve(__dirname, '..', '..');
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
export const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const MAX_BUFFER = 64 * 1024 * 1024;
export const execFileAsync = promisify(execFile);

/** The version of `pkg` this repository builds and tests with (its node_modules). */
export function repoVersion(pkg: string): string {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;
}

/** This package's version. */
export const PACKAGE_VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

/**
 * A new, empty project folder named `name` (the name `cdk init` derives its file and class names from)
 * in the worker's temp folder (emptied after each test file by test/setup.ts; callers also remove it).
 */
export function newProjectDir(name: string): { base: string; dir: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  const dir = path.join(base, name);
  fs.mkdirSync(dir);
  return { base, dir };
}

/**
 * `npm install` as a user runs it, from npm's cache where it can (`--prefer-offline`; what is missing
 * comes from the registry). `omitOptional` is `--omit=optional`: no AWS SDK clients for the CLI, but
 * also no native binaries that TypeScript 7 and esbuild (tsx) ship as optional packages.
 */
export function npmInstall(cwd: string, what: string[], { omitOptional = false } = {}): Promise<unknown> {
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', ...(omitOptional ? ['--omit=optional'] : []), ...what];
  return execFileAsync(NPM, args, { cwd, maxBuffer: MAX_BUFFER, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

let packed: Promise<string> | undefined;

/**
 * The path of this package's tarball, packed once per test run whichever test files ask (each vitest
 * worker is a process: they agree through a lock folder in the run's temp folder, test/global-setup.ts,
 * which removes it at the end of the run).
 */
export function packedTarball(): Promise<string> {
  packed ??= packOnce();
  return packed;
}

async function packOnce(): Promise<string> {
  const run = process.env[RUN_TMP_ENV];
  if (!run) throw new Error(`${RUN_TMP_ENV} is not set: run the consumer tests with vitest (test/global-setup.ts)`);
  const shared = path.join(run, `${SHARED_PREFIX}consumer-pack`);
  const result = path.join(shared, 'result.json');
  fs.mkdirSync(shared, { recursive: true });
  let mine = true;
  try {
    fs.mkdirSync(path.join(shared, 'lock'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    mine = false;
  }
  if (mine) {
    // Not `npm pack --json`: the jsii build prints to stdout before npm's JSON. The folder is new, so
    // the one .tgz in it is the package.
    const out = path.join(shared, 'out');
    fs.mkdirSync(out);
    let outcome: { tarball?: string; error?: string };
    try {
      await execFileAsync(NPM, ['pack', '--pack-destination', out], { cwd: ROOT, maxBuffer: MAX_BUFFER });
      const tgz = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
      outcome = tgz.length === 1 ? { tarball: path.join(out, tgz[0]!) } : { error: `npm pack wrote ${JSON.stringify(tgz)}` };
    } catch (e) {
      const err = e as Error & { stderr?: string };
      outcome = { error: `${err.message}\n${err.stderr ?? ''}` };
    }
    fs.writeFileSync(`${result}.tmp`, JSON.stringify(outcome));
    fs.renameSync(`${result}.tmp`, result); // the others see the whole file or none
  }
  while (!fs.existsSync(result)) await new Promise((r) => setTimeout(r, 200)); // bounded by the hook's timeout
  const outcome = JSON.parse(fs.readFileSync(result, 'utf8')) as { tarball?: string; error?: string };
  if (!outcome.tarball) throw new Error(`npm pack failed${mine ? '' : ' (in another consumer test file)'}: ${outcome.error}`);
  return outcome.tarball;
}

/** The code block that follows `<!-- consumer-example:NAME -->` in the README. */
export function readmeExample(name: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- consumer-example:${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no consumer-example:${name} block`);
  return m[1]!;
}

/** The folders above `dir`, nearest first. */
export function ancestors(dir: string): string[] {
  const up: string[] = [];
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) up.push(d);
  return up;
}

/**
 * The environment a newcomer without an AWS account has. aws-cdk-lib's built-in template validation
 * stays off (CDK_VALIDATION=false, as in every suite but test/gate.test.ts): these tests prove the
 * package installs, resolves and synthesizes, not the templates' rules. The CDK CLI neither sends
 * telemetry nor checks for a newer version of itself.
 */
export function noCredentials(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_VALIDATION: 'false',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    ...extra,
  };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
  return env;
}

/** The resources of type `type` in a synthesized template file. */
export function resourcesOf(templateFile: string): (type: string) => any[] {
  const t = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  return (type: string) => Object.values<any>(t.Resources).filter((r) => r.Type === type);
}
