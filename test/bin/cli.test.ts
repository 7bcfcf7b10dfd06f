import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand, RollbackInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, GetFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type CliDeps } from '../../bin/cli';
import { createServer } from '../../apps/sample-app/server.js';
import { AWS_SDK_PACKAGES, awsSdkMissing } from '../../lib/cli/aws';
import { awsError, OUTPUTS, tempFile, mockAwsClients } from '../lib/cli/helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const outputs = tempFile('cdk-outputs.json', JSON.stringify(OUTPUTS));
const ANSI = /\u001b\[/;

const { asg, lambda, codeDeploy } = mockAwsClients();

/** Runs the CLI in this process with collected output; AWS is mocked by aws-sdk-client-mock. */
async function cli(args: string[], options: { tty?: boolean; ttyErr?: boolean; env?: NodeJS.ProcessEnv; deps?: Partial<CliDeps> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.tty },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.ttyErr ?? false, columns: 100 },
    env: options.env ?? {},
    kubectl: null,
    retry: { sleep: async () => {} },
    follow: { sleep: async () => {} },
    ...options.deps,
  });
  return { code, stdout, stderr };
}

function mockVm(status = 'InProgress') {
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [{ AutoScalingGroupName: 'asg-1', MinSize: 3, MaxSize: 10, DesiredCapacity: 3, Instances: [{ InstanceId: 'i-a', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'eu-west-1a', ProtectedFromScaleIn: false }] } as never],
  });
  asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: status as never, PercentageComplete: 40, StartTime: new Date() }] });
}

describe('status', () => {
  it('prints a table for people, without colours when not on a TTY', async () => {
    mockVm();
    const r = await cli(['status', 'SampleVm-dev', '--outputs', outputs]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('SampleVm-dev (vm, eu-west-1)');
    expect(r.stdout).toContain('Instance refresh: r-1 InProgress 40%');
    expect(r.stdout).toMatch(/│ i-a\s+│ InService\s+│ Healthy/);
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('uses colours on a TTY, unless NO_COLOR or --no-color', async () => {
    mockVm();
    expect((await cli(['status', 'SampleVm-dev', '-o', outputs], { tty: true })).stdout).toMatch(ANSI);
    expect((await cli(['status', 'SampleVm-dev', '-o', outputs], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await cli(['--no-color', 'status', 'SampleVm-dev', '-o', outputs], { tty: true })).stdout).not.toMatch(ANSI);
  });

  it('prints JSON for scripts with --json, even on a TTY', async () => {
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '4', RoutingConfig: { AdditionalVersionWeights: { '5': 0.25 } } });
    lambda.on(GetFunctionUrlConfigCommand).resolves({ FunctionUrl: 'https://u/', AuthType: 'NONE' });
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-1'] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'InProgress' } });
    const r = await cli(['status', 'SampleServerless-dev', '-o', outputs, '--json'], { tty: true });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ style: 'serverless', authType: 'NONE', traffic: [{ version: '4', percent: 75 }, { version: '5', percent: 25 }], deployment: { id: 'd-1', status: 'InProgress' } });
  });

  it('uses --region over the Region output', async () => {
    mockVm();
    await cli(['status', 'SampleVm-dev', '-o', outputs, '--region', 'us-east-2']);
    const client = asg.commandCalls(DescribeAutoScalingGroupsCommand)[0].thisValue as AutoScalingClient;
    expect(await client.config.region()).toBe('us-east-2');
  });
});

describe('errors: one or two lines, a non-zero exit, no stack trace', () => {
  const noTrace = (text: string) => {
    expect(text).not.toMatch(/\n\s+at /);
    expect(text.trim().split('\n').length).toBeLessThanOrEqual(2);
  };

  it('missing outputs file: names the file, exit 2', async () => {
    const r = await cli(['status', 'SampleVm-dev', '--outputs', '/nonexistent/outputs.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: outputs file \/nonexistent\/outputs\.json does not exist\.\n/);
    noTrace(r.stderr);
  });

  it('malformed JSON: names the file, exit 2', async () => {
    const bad = tempFile('cdk-outputs.json', '{ nope');
    const r = await cli(['status', 'X', '-o', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: outputs file ${bad} is not valid JSON`);
    noTrace(r.stderr);
  });

  it('unknown stack: lists the known ones, exit 2', async () => {
    const r = await cli(['rollback', 'SampleVm-prod', '-o', outputs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: stack SampleVm-prod is not in ${outputs}.\nStacks there: SampleServer-dev, SampleVm-dev, SampleServerless-dev, SampleContainer-dev.\n`);
  });

  it('access denied: exit 1 with the action and what to grant', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(awsError('AccessDenied', 'User: arn:aws:iam::1:user/u is not authorized to perform: autoscaling:DescribeAutoScalingGroups'));
    asg.on(DescribeInstanceRefreshesCommand).resolves({});
    const r = await cli(['status', 'SampleVm-dev', '-o', outputs]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: access denied: autoscaling:DescribeAutoScalingGroups in eu-west-1: User: /);
    noTrace(r.stderr);
  });

  it('no credentials: exit 1 and how to get them', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    asg.on(DescribeInstanceRefreshesCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const r = await cli(['status', 'SampleVm-dev', '-o', outputs]);
    expect(r).toMatchObject({ code: 1, stderr: 'error: no AWS credentials found.\nSet AWS_PROFILE, run `aws configure` or `aws sso login`, then try again.\n' });
  });

  it('throttling: retried, then reported', async () => {
    mockVm();
    asg.on(DescribeAutoScalingGroupsCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const r = await cli(['status', 'SampleVm-dev', '-o', outputs]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: AWS kept throttling autoscaling:DescribeAutoScalingGroups in eu-west-1 \(6 attempts\)\./);
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(6);
  });

  it('invalid URL and --requests 0: exit 2', async () => {
    const url = await cli(['verify', 'not-a-url']);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/^error: url \(not-a-url\) is not a valid URL/);
    noTrace(url.stderr);
    const zero = await cli(['verify', 'http://127.0.0.1:9/', '--requests', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("error: option '-n, --requests <n>' argument '0' is invalid. --requests must be an integer from 1 to 10000.");
  });

  it('an unknown command or option: exit 2 with a pointer to --help', async () => {
    const r = await cli(['deploy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'deploy'/);
  });

  it('an unexpected error: one line, the stack only with CDK_ORCHESTRATE_DEBUG', async () => {
    const boom = { createClients: () => { throw new TypeError('boom'); } };
    const r = await cli(['status', 'SampleVm-dev', '-o', outputs], { deps: boom });
    expect(r).toMatchObject({ code: 1, stderr: 'error: unexpected: boom\nSet CDK_ORCHESTRATE_DEBUG=1 for details, and please report it.\n' });
    const debug = await cli(['status', 'SampleVm-dev', '-o', outputs], { deps: boom, env: { CDK_ORCHESTRATE_DEBUG: '1' } });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('--version, --help and verify need no AWS SDK client; the AWS commands load them first', () => {
  /** A loader that fails the test if anything calls it. */
  const noSdk = { loadAwsSdk: () => Promise.reject(new Error('the AWS SDK was loaded')) };
  const missing = { loadAwsSdk: () => Promise.reject(awsSdkMissing(AWS_SDK_PACKAGES)) };

  it("--version and -V print the package's version", async () => {
    for (const flag of ['--version', '-V']) expect(await cli([flag], { deps: noSdk })).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('--help and each command\'s --help exit 0 without loading the SDK', async () => {
    const help = await cli(['--help'], { deps: noSdk });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/-V, --version +print the version/);
    for (const command of ['status', 'watch', 'verify', 'rollback']) {
      const r = await cli([command, '--help'], { deps: noSdk });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: cdk-orchestrate ${command} \\[options\\]`));
    }
  });

  it('status, watch and rollback without the SDK clients: exit 2 naming the packages, before reading the outputs file', async () => {
    for (const command of ['status', 'watch', 'rollback']) {
      const r = await cli([command, 'SampleVm-dev', '-o', '/nonexistent/outputs.json'], { deps: missing });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'error: the AWS SDK clients this command calls are not installed (they are optional dependencies of cdk-orchestration): @aws-sdk/client-auto-scaling, @aws-sdk/client-codedeploy, @aws-sdk/client-ec2, @aws-sdk/client-eks, @aws-sdk/client-lambda, @aws-sdk/client-ssm.\n' +
          'Install them with: npm install --save-dev @aws-sdk/client-auto-scaling @aws-sdk/client-codedeploy @aws-sdk/client-ec2 @aws-sdk/client-eks @aws-sdk/client-lambda @aws-sdk/client-ssm\n',
      );
    }
  });
});

describe('watch and rollback', () => {
  it('watch exits 1 when the refresh rolled back, printing progress lines off a TTY', async () => {
    asg.on(DescribeInstanceRefreshesCommand)
      .resolvesOnce({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress', PercentageComplete: 50, StartTime: new Date() }] })
      .resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'RollbackSuccessful', StartTime: new Date(), RollbackDetails: { RollbackReason: 'failed health checks' } }] });
    const r = await cli(['watch', 'SampleVm-dev', '-o', outputs, '--interval', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d instance refresh r-1: InProgress 50%/);
    expect(r.stdout).toBe('instance refresh r-1: failed: RollbackSuccessful: failed health checks\n');
  });

  it('watch draws a progress bar on a TTY', async () => {
    asg.on(DescribeInstanceRefreshesCommand)
      .resolvesOnce({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress', PercentageComplete: 50, StartTime: new Date() }] })
      .resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'Successful', PercentageComplete: 100, StartTime: new Date() }] });
    const r = await cli(['watch', 'SampleVm-dev', '-o', outputs], { ttyErr: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/50% \| instance refresh r-1: InProgress 50%/);
    expect(r.stdout).toBe('instance refresh r-1: succeeded: Successful 100%\n');
  });

  it('watch --json prints the final state and the history', async () => {
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'Successful', PercentageComplete: 100, StartTime: new Date() }] });
    const r = await cli(['watch', 'SampleVm-dev', '-o', outputs, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ stack: 'SampleVm-dev', style: 'vm', ok: true, done: true, history: [{ status: 'Successful' }] });
  });

  it('rollback says what it did, exit 0; and what it cannot do, exit 1', async () => {
    mockVm('InProgress');
    asg.on(RollbackInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    const did = await cli(['rollback', 'SampleVm-dev', '-o', outputs]);
    expect(did.code).toBe(0);
    expect(did.stdout).toMatch(/did:\s+Started rolling back instance refresh r-1 on asg-1/);
    const cannot = await cli(['rollback', 'SampleContainer-dev', '-o', outputs, '--json']);
    expect(cannot.code).toBe(1);
    expect(JSON.parse(cannot.stdout)).toMatchObject({ changed: false, cannot: [expect.stringMatching(/kubectl is not on PATH/)] });
  });
});

describe('verify through the CLI', () => {
  let url: string;
  const app = createServer({ env: { REPLICA_ID: 'only', APP_VERSION: 'v7' } });
  beforeAll(async () => {
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    app.server.closeAllConnections();
    await new Promise((resolve) => app.server.close(resolve));
  });

  it('prints totals, per replica, per version and percentiles; exit 0', async () => {
    const r = await cli(['verify', url, '--requests', '20', '--concurrency', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('total 20, ok 20, errors 0');
    expect(r.stdout).toMatch(/│ only\s+│ 20\s+│ 0\s+│ 100%/);
    expect(r.stdout).toMatch(/│ v7\s+│ 20\s+│/);
    expect(r.stdout).toMatch(/latency ms: p50 [\d.]+, p95 [\d.]+, p99 [\d.]+/);
  });

  it('takes a stack name and verifies its URL output', async () => {
    const file = tempFile('cdk-outputs.json', JSON.stringify({ 'SampleVm-dev': { ...OUTPUTS['SampleVm-dev'], AlbUrl: url } }));
    const r = await cli(['verify', 'SampleVm-dev', '--outputs', file, '-n', '6']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`verify ${url} `);
    expect(r.stdout).toContain('total 6, ok 6, errors 0');
  });

  it('draws a progress bar on a TTY, and none otherwise', async () => {
    const tty = await cli(['verify', url, '-n', '10'], { ttyErr: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/10\/10 requests/);
    expect((await cli(['verify', url, '-n', '10'])).stderr).toBe('');
  });

  it('--json, and exit 1 when any request failed', async () => {
    const ok = await cli(['verify', url, '-n', '5', '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ total: 5, errors: 0, versions: { v7: 5 } });
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const bad = await cli(['verify', `http://127.0.0.1:${port}/`, '-n', '2', '-c', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('errors: ECONNREFUSED ×2');
  });
});

describe('the installed command (bin/cdk-orchestrate.js, as npx runs it)', () => {
  const launcher = path.join(ROOT, 'bin', 'cdk-orchestrate.js');
  const exec = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [launcher, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });

  it('--help lists status, watch, verify and rollback', async () => {
    const r = await exec(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['status', 'watch', 'verify', 'rollback']) expect(r.stdout).toMatch(new RegExp(`^  ${command} \\[options\\]`, 'm'));
  });

  it("--version prints the package's version, whatever the working directory", async () => {
    expect(await exec(['--version'], { cwd: os.tmpdir() })).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  describe('as if no @aws-sdk package were installed (a preload makes require() and import() fail to find them)', () => {
    // One synchronous resolve hook (module.registerHooks, Node >= 22.15) for both resolvers: the CLI runs as
    // CommonJS through tsx here (require) and loads the clients with import(). It throws what each resolver throws
    // for a package that is not installed.
    const hide = `
      import { registerHooks } from 'node:module';
      registerHooks({
        resolve(s, context, next) {
          if (!s.startsWith('@aws-sdk/')) return next(s, context);
          const esm = context.conditions?.includes('import');
          throw Object.assign(
            new Error(esm ? "Cannot find package '" + s + "' imported from " + context.parentURL : "Cannot find module '" + s + "'"),
            { code: esm ? 'ERR_MODULE_NOT_FOUND' : 'MODULE_NOT_FOUND' },
          );
        },
      });`;
    const withoutSdk = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(hide)}` };

    it('--version and --help work', async () => {
      expect(await exec(['--version'], { env: withoutSdk })).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
      const help = await exec(['--help'], { env: withoutSdk });
      expect(help.code).toBe(0);
      for (const command of ['status', 'watch', 'verify', 'rollback']) expect(help.stdout).toMatch(new RegExp(`^  ${command} \\[options\\]`, 'm'));
      expect((await exec(['status', '--help'], { env: withoutSdk })).code).toBe(0);
    });

    it('verify works', async () => {
      const app = createServer({ env: { REPLICA_ID: 'only', APP_VERSION: 'v1' } });
      await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
      try {
        const r = await exec(['verify', `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`, '-n', '3'], { env: withoutSdk });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('total 3, ok 3, errors 0');
      } finally {
        app.server.closeAllConnections();
        await new Promise((resolve) => app.server.close(resolve));
      }
    });

    it('status exits 2 naming the packages to install, without a stack trace', async () => {
      const r = await exec(['status', 'SampleVm-dev', '-o', outputs], { env: withoutSdk });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`not installed (they are optional dependencies of cdk-orchestration): ${AWS_SDK_PACKAGES.join(', ')}.\n`);
      expect(r.stderr).toMatch(/\nInstall them with: npm install --save-dev @aws-sdk\/client-auto-scaling .*@aws-sdk\/client-ssm\n$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('status with a missing outputs file exits non-zero naming the file, without a stack trace', async () => {
    const r = await exec(['status', 'SomeStack', '--outputs', '/nonexistent/outputs.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: outputs file /nonexistent/outputs.json does not exist.\nDeploy with `cdk deploy --outputs-file cdk-outputs.json`, or pass --outputs FILE.\n');
  });
});
