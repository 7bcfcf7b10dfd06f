// A legacy CommonJS project that uses neither the container style nor the CLI's AWS commands:
// `module: commonjs` with `moduleResolution: node` (node10, which ignores package.json "exports" and
// which TypeScript 7 rejects, so the project pins TypeScript 5), compiled with tsc and synthesized by
// plain node on the emitted JavaScript. Installed with `--omit=optional` and without cdk8s or the kubectl
// layer: no AWS SDK client, no container peer. The same project checks the tarball's contents, the
// README's JavaScript example, the library's error class and the CLI without the SDK.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ancestors, newProjectDir, noCredentials, npmInstall, NPM, NPX, PACKAGE_VERSION, packedTarball, readmeExample, repoVersion, resourcesOf, ROOT } from './support';

/** A tsconfig.json like the `cdk init` template's before TypeScript 7, emitting JavaScript into dist/. */
const LEGACY_TSCONFIG = {
  compilerOptions: {
    target: 'ES2020',
    module: 'commonjs',
    moduleResolution: 'node',
    lib: ['es2020'],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    outDir: 'dist',
    rootDir: 'src',
    types: ['node'],
  },
  include: ['src'],
};

const LEGACY_APP = `import { App, Stack } from 'aws-cdk-lib';
import * as path from 'path';
import { AppSecret, AppSource, estimateRollout } from 'cdk-orchestration';
import { ServerService } from 'cdk-orchestration/server';
import { FunctionService } from 'cdk-orchestration/serverless';
import { VmService } from 'cdk-orchestration/vm';

const app = new App();
const web = AppSource.fromDirectory(path.join(__dirname, '..', 'web'));
const api = new FunctionService(new Stack(app, 'MyFunction'), 'Api', {
  app: { source: AppSource.fromDirectory(path.join(__dirname, '..', 'handler')) },
  memorySize: 512,
});
const vm = new VmService(new Stack(app, 'MyVm'), 'Web', {
  app: { source: web, secrets: { TOKEN: AppSecret.fromParameterName('/web/token') } },
  minCapacity: 2,
  maxCapacity: 4,
});
const servers = new ServerService(new Stack(app, 'MyServers'), 'Web', { app: { source: web, port: 3000, replicas: { min: 2 } } });
app.synth();
console.log(JSON.stringify({
  alias: api.alias.aliasName,
  vmEstimate: vm.rolloutEstimate?.summary,
  servers: servers.fleet.instances.length,
  serverBatches: servers.fleet.rolloutEstimate.batches,
  estimateRollout: typeof estimateRollout,
}));
`;

describe('consumer: a legacy CommonJS project (TypeScript 5, moduleResolution node) without the container peers or the AWS SDK', () => {
  const { base, dir } = newProjectDir('legacy-app');
  let tarball: string;

  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'legacy-app', version: '1.0.0', private: true }, null, 2));
    const peers = [`aws-cdk-lib@${repoVersion('aws-cdk-lib')}`, `constructs@${repoVersion('constructs')}`, `@types/node@${repoVersion('@types/node')}`, 'typescript@5'];
    tarball = await packedTarball();
    await npmInstall(dir, [tarball, ...peers], { omitOptional: true });
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(LEGACY_TSCONFIG, null, 2));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'app.ts'), LEGACY_APP);
    fs.mkdirSync(path.join(dir, 'handler'));
    fs.writeFileSync(path.join(dir, 'handler', 'lambda.js'), "exports.handler = async () => ({ statusCode: 200, body: 'hi' });\n");
    fs.mkdirSync(path.join(dir, 'web'));
    fs.writeFileSync(path.join(dir, 'web', 'server.js'), "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);\n");
  }, 240_000);
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('ships compiled code, declarations, the assembly and the per-style READMEs; no tests and no TypeScript sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/constructs/serverless/index.js',
      'dist/constructs/server/index.js',
      'dist/constructs/server/assets/rollout.sh',
      'dist/constructs/vm/index.js',
      'dist/constructs/shared/assets/app-secrets.sh',
      'dist/constructs/shared/assets/install-runtime.sh',
      'dist/constructs/vm/assets/install-app.sh',
      'dist/constructs/container/index.js',
      'bin/cdk-orchestrate.js',
      '.jsii',
      'LICENSE',
      'README.md',
      'constructs/server/README.md',
      'constructs/vm/README.md',
      'constructs/container/README.md',
      'constructs/serverless/README.md',
      'docs/orchestration-matrix.md',
      ...(fs.existsSync(path.join(ROOT, 'API.md')) ? ['API.md'] : []),
    ]) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /test|\.test\.|vitest/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs without cdk8s, the kubectl layer or any @aws-sdk package, and resolves one aws-cdk-lib from the project', () => {
    for (const pkg of ['cdk8s', '@aws-cdk/lambda-layer-kubectl-v36', '@aws-sdk']) expect(fs.existsSync(path.join(dir, 'node_modules', pkg)), pkg).toBe(false);
    // Node resolves modules from every ancestor folder: a temp folder inside a checkout would find them there.
    const ancestorWith = ancestors(dir).find((d) => ['cdk8s', '@aws-sdk'].some((p) => fs.existsSync(path.join(d, 'node_modules', p))));
    expect(ancestorWith, `the consumer project ${dir} has an ancestor with node_modules/cdk8s or @aws-sdk (TMPDIR inside a checkout?)`).toBeUndefined();
    const resolved = execFileSync(process.execPath, ['-p', "require.resolve('cdk-orchestration')"], { cwd: dir, encoding: 'utf8' }).trim();
    expect(fs.realpathSync(resolved).startsWith(fs.realpathSync(dir))).toBe(true);
    const copies = execFileSync(NPM, ['ls', 'aws-cdk-lib', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(copies).toHaveLength(1);
  });

  it('compiles with TypeScript 5 (module commonjs, moduleResolution node, per-style entry points) and synthesizes the serverless, vm and server styles with node', () => {
    const tsVersion = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
    expect(tsVersion).toMatch(/^5\./);
    const tsc = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    const run = spawnSync(process.execPath, ['dist/app.js'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'cdk.out') }) });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({
      alias: 'live',
      vmEstimate: '1 batch × 2 min 50 s = 2 min 50 s',
      servers: 2,
      serverBatches: 2,
      estimateRollout: 'function',
    });

    const fn = resourcesOf(path.join(dir, 'cdk.out', 'MyFunction.template.json'));
    expect(fn('AWS::Lambda::Function')[0].Properties).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 512 });
    expect(fn('AWS::CodeDeploy::DeploymentGroup')).toHaveLength(1);

    const vm = resourcesOf(path.join(dir, 'cdk.out', 'MyVm.template.json'));
    expect(vm('AWS::AutoScaling::AutoScalingGroup')[0].Properties).toMatchObject({ MinSize: '2', MaxSize: '4' });
    expect(vm('AWS::EC2::LaunchTemplate')).toHaveLength(1);
    expect(JSON.stringify(vm('AWS::ImageBuilder::Component')[0].Properties.Data)).toContain('useradd --system');
    expect(JSON.stringify(vm('AWS::EC2::LaunchTemplate')[0].Properties.LaunchTemplateData.UserData)).toContain('fetch-secrets');

    const servers = resourcesOf(path.join(dir, 'cdk.out', 'MyServers.template.json'));
    expect(servers('AWS::SSM::Association').some((a) => a.Properties.MaxConcurrency === '1' && a.Properties.MaxErrors === '30%')).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'cdk.out', 'MyServers.template.json'), 'utf8')).toContain('upstream'); // nginx's configuration
  });

  it('synthesizes the README\'s plain JavaScript example', () => {
    fs.writeFileSync(path.join(dir, 'readme-example.js'), readmeExample('js'));
    const run = spawnSync(process.execPath, ['readme-example.js'], { cwd: dir, encoding: 'utf8', env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-js') }) });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const of = resourcesOf(path.join(dir, 'out-js', 'MyJsService.template.json'));
    expect(of('AWS::Lambda::Function')[0].Properties.ReservedConcurrentExecutions).toBe(50);
    expect(of('AWS::CodeDeploy::DeploymentConfig')[0].Properties.TrafficRoutingConfig.TimeBasedCanary).toEqual({ CanaryInterval: 10, CanaryPercentage: 5 });
  });

  it('raises the library\'s errors, catchable by class from the root entry: a bad prop, and the container style naming the peer to install', () => {
    fs.writeFileSync(
      path.join(dir, 'errors.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { AppSource, OrchestrationError } = require('cdk-orchestration');
const { FunctionService } = require('cdk-orchestration/serverless');
const { ContainerService } = require('cdk-orchestration/container');
const caught = (fn) => {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return { isLibraryError: e instanceof OrchestrationError, name: e.name, message: e.message };
  }
};
const app = new App();
console.log(JSON.stringify({
  badProp: caught(() => new FunctionService(new Stack(app, 'Bad'), 'Api', { app: { source: AppSource.fromDirectory(__dirname + '/handler') }, memorySize: 64 })),
  container: caught(() => new ContainerService(new Stack(app, 'MyContainer'), 'Web', { app: { source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 80 } })),
}));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ['errors.js'], { cwd: dir, encoding: 'utf8', env: noCredentials() }));
    expect(out.badProp).toEqual({ isLibraryError: true, name: 'OrchestrationError', message: 'Bad/Api: memorySize (64) must be an integer from 128 to 10240' });
    expect(out.container).toMatchObject({ isLibraryError: true, name: 'OrchestrationError' });
    expect(out.container.message).toMatch(/^MyContainer\/Web/);
    expect(out.container.message).toMatch(/npm install (cdk8s|@aws-cdk\/lambda-layer-kubectl-v\d+)/);
  });

  it('runs `npx cdk-orchestrate --version` and `--help` without the AWS SDK clients; an AWS command says which to install', () => {
    expect(fs.existsSync(path.join(dir, 'node_modules', '@aws-sdk'))).toBe(false);
    const env = noCredentials({ NO_COLOR: '1' });
    // As the README says it, `npx cdk-orchestrate --version` (not `npx --no ...`: npx then reads --version as its
    // own flag and prints npm's version). npx runs the project's bin; checked first, so that npx never downloads.
    expect(fs.existsSync(path.join(dir, 'node_modules', '.bin', 'cdk-orchestrate'))).toBe(true);
    const version = spawnSync(NPX, ['cdk-orchestrate', '--version'], { cwd: dir, encoding: 'utf8', env });
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${PACKAGE_VERSION}\n`);

    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(dir, 'node_modules', '.bin', 'cdk-orchestrate'), ...args], { cwd: dir, encoding: 'utf8', env });
    const help = cli('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    for (const command of ['status', 'watch', 'verify', 'rollback']) expect(help.stdout).toMatch(new RegExp(`^  ${command} \\[options\\]`, 'm'));

    const status = cli('status', 'MyFunction');
    expect(status.status).toBe(2);
    expect(status.stdout).toBe('');
    expect(status.stderr).toMatch(/^error: the AWS SDK clients this command calls are not installed/);
    expect(status.stderr).toMatch(/\nInstall them with: npm install --save-dev @aws-sdk\/client-auto-scaling .*@aws-sdk\/client-ssm\n$/);
    expect(status.stderr).not.toMatch(/at .*\(/); // no stack trace
  });
});
