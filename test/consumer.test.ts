// The package as a new user meets it, offline: `npm pack`, a fresh project outside the repo
// installs aws-cdk-lib, constructs and the tarball from npm's cache, then compiles and runs the
// README's "use it in your own stack" examples with no AWS credentials.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const execFileAsync = promisify(execFile);
const version = (pkg: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;

/** The code block that follows `<!-- consumer-example:NAME -->` in the README. */
function readmeExample(name: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- consumer-example:${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no consumer-example:${name} block`);
  return m[1]!;
}

/**
 * The environment a newcomer without an AWS account has. aws-cdk-lib's built-in template
 * validation stays off here (CDK_VALIDATION=false, as in every suite but test/gate.test.ts):
 * this test proves the package installs, resolves and synthesizes, not the templates' rules.
 */
/** The folders above `dir`, nearest first. */
function ancestors(dir: string): string[] {
  const up: string[] = [];
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) up.push(d);
  return up;
}

function noCredentials(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_VALIDATION: 'false', ...extra };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
  return env;
}

describe('consumer: the packed tarball in a fresh project', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestration-consumer-'));
  let tarball: string;

  beforeAll(async () => {
    // The two slow steps overlap: `npm pack` (whose prepack is the jsii build) and installing the
    // package's peers into the fresh project; then the tarball goes in beside them. Not `npm pack
    // --json`: the jsii build prints to stdout before npm's JSON. The pack folder is new, so the one
    // .tgz in it is the package.
    const packDir = path.join(dir, 'pack');
    fs.mkdirSync(packDir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
    const install = (...what: string[]) =>
      execFileAsync(NPM, ['install', '--prefer-offline', '--omit=optional', '--no-audit', '--no-fund', ...what], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    await Promise.all([
      execFileAsync(NPM, ['pack', '--pack-destination', packDir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }),
      install(`aws-cdk-lib@${version('aws-cdk-lib')}`, `constructs@${version('constructs')}`, `cdk8s@${version('cdk8s')}`, `@types/node@${version('@types/node')}`),
    ]);
    const packed = fs.readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = path.join(packDir, packed[0]!);
    await install(tarball);
    fs.mkdirSync(path.join(dir, 'handler'));
    fs.writeFileSync(path.join(dir, 'handler', 'lambda.js'), "exports.handler = async () => ({ statusCode: 200, body: 'hi' });\n");
  }, 180_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ships compiled code and declarations, no tests and no TypeScript sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/constructs/serverless/index.js');
    expect(files).toContain('package/dist/constructs/server/index.js');
    expect(files).toContain('package/dist/constructs/server/assets/rollout.sh');
    expect(files).toContain('package/dist/constructs/vm/index.js');
    expect(files).toContain('package/dist/constructs/shared/assets/app-secrets.sh');
    expect(files).toContain('package/dist/constructs/shared/assets/install-runtime.sh');
    expect(files).toContain('package/dist/constructs/vm/assets/install-app.sh');
    expect(files).toContain('package/dist/constructs/container/index.js');
    expect(files).toContain('package/LICENSE');
    expect(files.filter((f) => /test|\.test\.|vitest/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('resolves the package from the fresh project, with a single aws-cdk-lib', () => {
    const resolved = execFileSync(process.execPath, ['-p', "require.resolve('cdk-orchestration')"], { cwd: dir, encoding: 'utf8' }).trim();
    expect(fs.realpathSync(resolved).startsWith(fs.realpathSync(dir))).toBe(true);
    const copies = execFileSync(NPM, ['ls', 'aws-cdk-lib', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(copies).toHaveLength(1);
  });

  it('type-checks the README\'s TypeScript example against the published declarations', () => {
    fs.writeFileSync(path.join(dir, 'app.ts'), readmeExample('ts'));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['app.ts'] }),
    );
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('synthesizes the README\'s TypeScript example with non-default props and no credentials', () => {
    const tsx = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const run = spawnSync(process.execPath, ['--import', tsx, 'app.ts'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-ts') }) });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const t = JSON.parse(fs.readFileSync(path.join(dir, 'out-ts', 'MyService.template.json'), 'utf8'));
    const of = (type: string) => Object.values<any>(t.Resources).filter((r) => r.Type === type);
    expect(of('AWS::Lambda::Function')[0].Properties).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 256, Timeout: 10 });
    expect(of('AWS::Lambda::Function')[0].Properties.Environment.Variables).toMatchObject({ GREETING: 'hello', API_KEY_SECRET_REF: 'ssm:/my-api/key' });
    expect(of('AWS::Lambda::Url')[0].Properties).toMatchObject({ AuthType: 'AWS_IAM', Qualifier: 'live' });
    expect(of('AWS::CodeDeploy::DeploymentConfig')[0].Properties.TrafficRoutingConfig).toEqual({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 2, LinearPercentage: 20 } });
    expect(of('AWS::CodeDeploy::DeploymentGroup')).toHaveLength(1);
  });

  it('synthesizes the README\'s plain JavaScript example', () => {
    fs.writeFileSync(path.join(dir, 'app.js'), readmeExample('js'));
    const run = spawnSync(process.execPath, ['app.js'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-js') }) });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const t = JSON.parse(fs.readFileSync(path.join(dir, 'out-js', 'MyJsService.template.json'), 'utf8'));
    const fn = Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(50);
    const config = Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::CodeDeploy::DeploymentConfig');
    expect(config.Properties.TrafficRoutingConfig.TimeBasedCanary).toEqual({ CanaryInterval: 10, CanaryPercentage: 5 });
  });

  it('synthesizes the vm style from its own entry point, with the assets it reads at synth', () => {
    fs.mkdirSync(path.join(dir, 'web'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'web', 'server.js'), "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);\n");
    fs.writeFileSync(
      path.join(dir, 'vm.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { VmService } = require('cdk-orchestration/vm');
const { AppSecret, AppSource, estimateRollout } = require('cdk-orchestration');
const app = new App();
const stack = new Stack(app, 'MyVm');
const svc = new VmService(stack, 'Web', { app: { source: AppSource.fromDirectory(__dirname + '/web'), secrets: { TOKEN: AppSecret.fromParameterName('/web/token') } }, minCapacity: 2, maxCapacity: 4 });
app.synth();
console.log(JSON.stringify({ estimate: svc.rolloutEstimate.summary, fn: typeof estimateRollout }));
`,
    );
    const run = spawnSync(process.execPath, ['vm.js'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-vm') }) });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ estimate: '1 batch × 2 min 50 s = 2 min 50 s', fn: 'function' });
    const t = JSON.parse(fs.readFileSync(path.join(dir, 'out-vm', 'MyVm.template.json'), 'utf8'));
    const of = (type: string) => Object.values<any>(t.Resources).filter((r) => r.Type === type);
    expect(of('AWS::AutoScaling::AutoScalingGroup')[0].Properties).toMatchObject({ MinSize: '2', MaxSize: '4' });
    expect(of('AWS::EC2::LaunchTemplate')).toHaveLength(1);
    expect(JSON.stringify(of('AWS::ImageBuilder::Component')[0].Properties.Data)).toContain('useradd --system');
    expect(JSON.stringify(of('AWS::EC2::LaunchTemplate')[0].Properties.LaunchTemplateData.UserData)).toContain('fetch-secrets');
  });

  it('synthesizes the server style from its own entry point, with the scripts it reads at synth', () => {
    fs.mkdirSync(path.join(dir, 'web'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'web', 'server.js'), "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);\n");
    fs.writeFileSync(
      path.join(dir, 'server.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { ServerService } = require('cdk-orchestration/server');
const { AppSource } = require('cdk-orchestration');
const app = new App();
const stack = new Stack(app, 'MyServers');
const svc = new ServerService(stack, 'Web', { app: { source: AppSource.fromDirectory(__dirname + '/web'), port: 3000, replicas: { min: 2 } } });
app.synth();
console.log(JSON.stringify({ servers: svc.fleet.instances.length, estimate: svc.fleet.rolloutEstimate.batches }));
`,
    );
    const run = spawnSync(process.execPath, ['server.js'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-server') }) });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ servers: 2, estimate: 2 });
    const t = JSON.parse(fs.readFileSync(path.join(dir, 'out-server', 'MyServers.template.json'), 'utf8'));
    const assoc = Object.values<any>(t.Resources).filter((r) => r.Type === 'AWS::SSM::Association');
    expect(assoc.some((a) => a.Properties.MaxConcurrency === '1' && a.Properties.MaxErrors === '30%')).toBe(true);
    expect(JSON.stringify(t)).toContain('upstream');
  });

  it('imports the container style: an EKS service from an image, and its error', () => {
    fs.writeFileSync(
      path.join(dir, 'container.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { AppSource, OrchestrationError } = require('cdk-orchestration');
const { ContainerService, NodeCapacity } = require('cdk-orchestration/container');
const app = new App();
const stack = new Stack(app, 'MyContainer');
const service = new ContainerService(stack, 'Web', { app: { name: 'web', source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 80 } });
let error;
try {
  new ContainerService(new Stack(app, 'Bad'), 'Web', { app: { source: AppSource.fromImage('x:1') }, clusterProps: { capacity: { minNodes: 4, maxNodes: 3 } } });
} catch (e) {
  error = { isLibraryError: e instanceof OrchestrationError, message: e.message };
}
app.synth();
console.log(JSON.stringify({ deployment: service.deploymentName, namespace: service.kubernetesNamespace, auto: NodeCapacity.autoMode().isAutoMode, error }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ['container.js'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-container') }) }));
    expect(out).toEqual({
      deployment: 'web',
      namespace: 'web',
      auto: true,
      error: { isLibraryError: true, message: 'Bad/Web: clusterProps.capacity ({"minNodes":4,"maxNodes":3}) must be made with NodeCapacity.nodegroup() or NodeCapacity.autoMode()' },
    });
    const t = JSON.parse(fs.readFileSync(path.join(dir, 'out-container', 'MyContainer.template.json'), 'utf8'));
    const ng = Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::EKS::Nodegroup');
    expect(ng.Properties.AmiType).toBe('AL2023_ARM_64_STANDARD');
    expect(JSON.stringify(t)).toContain('public.ecr.aws/nginx/nginx:1.27');
  });

  it('keeps the CLI\'s AWS SDK clients optional (`--omit=optional`): --version and --help work without them, and an AWS command says what to install', () => {
    expect(fs.existsSync(path.join(dir, 'node_modules', '@aws-sdk'))).toBe(false);
    // Node resolves modules from every ancestor folder: a temp folder inside a checkout would find its clients.
    const ancestorWithSdk = ancestors(dir).find((d) => fs.existsSync(path.join(d, 'node_modules', '@aws-sdk')));
    expect(ancestorWithSdk, `the consumer project ${dir} has an ancestor with node_modules/@aws-sdk (TMPDIR inside a checkout?)`).toBeUndefined();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(dir, 'node_modules', 'cdk-orchestration', 'bin', 'cdk-orchestrate.js'), ...args], { cwd: dir, encoding: 'utf8', env: noCredentials({ NO_COLOR: '1' }) });

    const version = cli('--version');
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`);

    const help = cli('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    for (const command of ['status', 'watch', 'verify', 'rollback']) expect(help.stdout).toMatch(new RegExp(`^  ${command} \\[options\\]`, 'm'));

    const status = cli('status', 'MyService');
    expect(status.status).toBe(2);
    expect(status.stdout).toBe('');
    expect(status.stderr).toMatch(/^error: the AWS SDK clients this command calls are not installed/);
    expect(status.stderr).toMatch(/\nInstall them with: npm install --save-dev @aws-sdk\/client-auto-scaling .*@aws-sdk\/client-ssm\n$/);
    expect(status.stderr).not.toMatch(/at .*\(/); // no stack trace
  });

  it('raises the library\'s error for a bad prop, catchable by class from the public entry point', () => {
    fs.writeFileSync(
      path.join(dir, 'bad.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { AppSource, OrchestrationError } = require('cdk-orchestration');
const { FunctionService } = require('cdk-orchestration/serverless');
const stack = new Stack(new App(), 'Bad');
try {
  new FunctionService(stack, 'Api', { app: { source: AppSource.fromDirectory(__dirname + '/handler') }, memorySize: 64 });
  console.log('no error');
} catch (e) {
  console.log(JSON.stringify({ isLibraryError: e instanceof OrchestrationError, name: e.name, message: e.message }));
}
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ['bad.js'], { cwd: dir, encoding: 'utf8', env: noCredentials() }));
    expect(out).toEqual({ isLibraryError: true, name: 'OrchestrationError', message: 'Bad/Api: memorySize (64) must be an integer from 128 to 10240' });
  });
});
