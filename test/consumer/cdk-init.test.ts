// A project made by the CDK CLI's own template (`cdk init app --language typescript --generate-only`,
// the aws-cdk CLI of this repository), unchanged: TypeScript 7, `npx tsc && npx tsx bin/<app>.ts` as the
// app command. A container-style user installs the tarball and the container style's optional peers
// (cdk8s, the kubectl layer), adds services to the generated lib/<app>-stack.ts and runs `cdk synth`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileAsync, newProjectDir, noCredentials, npmInstall, NPM, packedTarball, readmeExample, repoVersion, resourcesOf, ROOT } from './support';

describe('consumer: a `cdk init app --language typescript` project, container style included', () => {
  const { base, dir } = newProjectDir('my-app');
  let generated: { devDependencies: Record<string, string>; dependencies: Record<string, string> };
  let cdkJson: { app: string };

  beforeAll(async () => {
    await execFileAsync(process.execPath, [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'init', 'app', '--language', 'typescript', '--generate-only', '--no-notices'], {
      cwd: dir,
      env: noCredentials(),
    });
    generated = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    cdkJson = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.json'), 'utf8'));
    // The template's dependencies, the tarball and the container style's peers, in one install (see support.ts).
    const tarball = await packedTarball();
    await npmInstall(dir, [tarball, `cdk8s@${repoVersion('cdk8s')}`, `@aws-cdk/lambda-layer-kubectl-v36@${repoVersion('@aws-cdk/lambda-layer-kubectl-v36')}`]);
    fs.mkdirSync(path.join(dir, 'handler'));
    fs.writeFileSync(path.join(dir, 'handler', 'lambda.js'), "exports.handler = async () => ({ statusCode: 200, body: 'hi' });\n");
    // The README's TypeScript example beside the app: the app command's `tsc` type-checks it with the rest.
    fs.writeFileSync(path.join(dir, 'readme-example.ts'), readmeExample('ts'));
  }, 240_000);
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('is the CLI\'s current template: TypeScript 7, the app run by tsx after a type check, no ts-node', () => {
    // What README.md ("Install") tells such a project; if a new aws-cdk template changes it, so must the README.
    expect(generated.devDependencies.typescript).toMatch(/^[~^]?7\./);
    expect(generated.devDependencies).toHaveProperty('tsx');
    expect(generated.devDependencies).not.toHaveProperty('ts-node');
    expect(cdkJson.app).toBe('npx tsc && npx tsx bin/my-app.ts');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')).compilerOptions).toMatchObject({ module: 'NodeNext', moduleResolution: 'NodeNext' });
  });

  it('satisfies the package\'s peers with the template\'s own versions, with a single aws-cdk-lib', () => {
    // `npm install` refuses a peer out of range (ERESOLVE); `npm ls` also exits non-zero on a missing or invalid one.
    const ls = spawnSync(NPM, ['ls', 'cdk-orchestration', 'aws-cdk-lib', 'constructs', 'cdk8s', '@aws-cdk/lambda-layer-kubectl-v36', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' });
    expect(ls.stderr).toBe('');
    expect(ls.status).toBe(0);
    const found = ls.stdout.split('\n').filter(Boolean).map((p) => path.relative(dir, p));
    expect(found.filter((p) => p.endsWith(`node_modules${path.sep}aws-cdk-lib`))).toEqual([path.join('node_modules', 'aws-cdk-lib')]);
  });

  it('type-checks (the README example too) and synthesizes with `cdk synth` once a serverless and a container service are added to the generated stack', () => {
    const stackFile = path.join(dir, 'lib', 'my-app-stack.ts');
    const stack = fs.readFileSync(stackFile, 'utf8');
    const importsAfter = "import { Construct } from 'constructs';\n";
    const codeAfter = '    // The code that defines your stack goes here\n';
    expect(stack).toContain(importsAfter);
    expect(stack).toContain(codeAfter);
    fs.writeFileSync(
      stackFile,
      stack
        .replace(
          importsAfter,
          `${importsAfter}import * as path from 'node:path';
import { AppSource } from 'cdk-orchestration';
import { ContainerService } from 'cdk-orchestration/container';
import { FunctionService } from 'cdk-orchestration/serverless';
`,
        )
        .replace(
          codeAfter,
          `${codeAfter}    const api = new FunctionService(this, 'Api', { app: { source: AppSource.fromDirectory(path.join(__dirname, '..', 'handler')) } });
    const web = new ContainerService(this, 'Web', { app: { name: 'web', source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 80 } });
    new cdk.CfnOutput(this, 'Alias', { value: api.alias.aliasName });
    new cdk.CfnOutput(this, 'Deployment', { value: web.deploymentName });
`,
        ),
    );

    const synth = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices'], { cwd: dir, encoding: 'utf8', env: noCredentials() });
    expect(synth.stderr).not.toMatch(/error/i);
    expect(synth.status).toBe(0);
    const of = resourcesOf(path.join(dir, 'cdk.out', 'MyAppStack.template.json'));
    expect(of('AWS::Lambda::Alias').map((a) => a.Properties.Name)).toEqual(['live']);
    expect(of('AWS::Lambda::Url')).toHaveLength(1);
    expect(of('AWS::CodeDeploy::DeploymentGroup')).toHaveLength(1);
    expect(of('AWS::EKS::Cluster')).toHaveLength(1);
    expect(of('AWS::EKS::Nodegroup')[0].Properties.AmiType).toBe('AL2023_ARM_64_STANDARD');
    expect(JSON.stringify(of('Custom::AWSCDK-EKS-KubernetesResource'))).toContain('public.ecr.aws/nginx/nginx:1.27');
  });

  it('runs the README\'s TypeScript example with the project\'s tsx, with non-default props and no credentials', () => {
    const run = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'readme-example.ts'], {
      cwd: dir,
      encoding: 'utf8',
      env: noCredentials({ CDK_OUTDIR: path.join(dir, 'out-readme') }),
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const of = resourcesOf(path.join(dir, 'out-readme', 'MyService.template.json'));
    expect(of('AWS::Lambda::Function')[0].Properties).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 256, Timeout: 10 });
    expect(of('AWS::Lambda::Function')[0].Properties.Environment.Variables).toMatchObject({ GREETING: 'hello', API_KEY_SECRET_REF: 'ssm:/my-api/key' });
    expect(of('AWS::Lambda::Url')[0].Properties).toMatchObject({ AuthType: 'AWS_IAM', Qualifier: 'live' });
    expect(of('AWS::CodeDeploy::DeploymentConfig')[0].Properties.TrafficRoutingConfig).toEqual({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 2, LinearPercentage: 20 } });
  });
});
