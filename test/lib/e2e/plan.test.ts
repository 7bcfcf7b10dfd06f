// The e2e suite's step list and --dry-run: the same steps a real run walks, printed, offline, exit 0.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFailures } from '../../../lib/e2e/http';
import { main, parseArgs } from '../../../lib/e2e/main';
import { buildPlan, e2eStackName, failureTolerance, leftoverCalls, type Action, type PlanOptions } from '../../../lib/e2e/plan';
import { worstCase } from '../../../lib/e2e/estimate';
import { STYLES } from '../../../lib/cli/stack-outputs';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BASE: PlanOptions = { style: 'vm', env: 'dev', suffix: 'e2eabc123', outputsFile: '/w/outputs-vm.json', kubeconfig: '/w/kubeconfig' };

async function dryRun(args: string[]) {
  let stdout = '';
  let stderr = '';
  const fail = () => {
    throw new Error('a dry run must not call this');
  };
  const code = await main([...args, '--dry-run'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    runCommand: fail,
    fetch: fail as unknown as typeof fetch,
    aws: fail,
    adapterContext: fail,
    tmpdir: '/tmp',
  });
  return { code, stdout, stderr };
}

describe('the step list', () => {
  it('is a pure function of style, env and suffix', () => {
    expect(buildPlan(BASE)).toEqual(buildPlan({ ...BASE }));
    expect(JSON.stringify(buildPlan(BASE))).not.toEqual(JSON.stringify(buildPlan({ ...BASE, suffix: 'e2eother1' })));
  });

  it('never names a user\'s own sample stack: every cdk command selects Sample<Style>-<env>-<suffix> with -c stackSuffix', () => {
    for (const style of STYLES) {
      for (const env of ['dev', 'prod'] as const) {
        const plan = buildPlan({ ...BASE, style, env });
        const commands = plan.steps.flatMap((s) => s.actions).filter((a): a is Extract<Action, { kind: 'command' }> => a.kind === 'command' && a.argv[1] === 'cdk');
        expect(commands.length).toBe(4);
        for (const c of commands) {
          expect(c.argv[3]).toBe(e2eStackName(style, env, BASE.suffix));
          expect(c.argv.join(' ')).toContain(`-c env=${env} -c stackSuffix=${BASE.suffix}`);
          expect(c.argv.includes('teardown=true')).toBe(env === 'prod');
        }
      }
    }
    expect(e2eStackName('container', 'prod', 'e2eabc123')).toBe('SampleContainer-prod-e2eabc123');
  });

  it('puts snapshot, destroy and the leftover check in the finally, in that order, and only them', () => {
    const plan = buildPlan(BASE);
    expect(plan.steps.map((s) => [s.id, s.always])).toEqual([
      ['deploy', false], ['wait', false], ['verify', false], ['rollout', false], ['drill', false], ['snapshot', true], ['destroy', true], ['leftovers', true],
    ]);
    const drill = plan.steps.find((s) => s.id === 'drill')!;
    expect(drill.actions.find((a) => a.kind === 'command')).toMatchObject({ expect: 'failure' });
  });

  it('uses only EC2 filter names that the SDK documents for each operation (DescribeVolumes has no vpc-id filter)', () => {
    const models = path.join(ROOT, 'node_modules', '@aws-sdk', 'client-ec2', 'dist-types', 'models');
    const text = fs.readdirSync(models).filter((f) => f.endsWith('.d.ts')).map((f) => fs.readFileSync(path.join(models, f), 'utf8')).join('\n');
    const requestDoc = (op: string) => {
      const start = text.indexOf(`export interface ${op}Request {`);
      expect(start, `${op}Request in the SDK`).toBeGreaterThan(-1);
      return text.slice(start, text.indexOf('\n}', start));
    };
    const calls = [...leftoverCalls('S', ['vpc-1'], 'cluster-1'), ...buildPlan(BASE).steps.flatMap((s) => s.actions)].filter(
      (a): a is Extract<Action, { kind: 'aws' }> => a.kind === 'aws' && a.service === 'ec2',
    );
    expect(new Set(calls.map((c) => c.operation))).toEqual(new Set(['DescribeVpcs', 'DescribeNetworkInterfaces', 'DescribeSecurityGroups', 'DescribeVolumes', 'DescribeInstances']));
    for (const call of calls) {
      const doc = requestDoc(call.operation);
      for (const f of (call.params.Filters as { Name: string }[])) {
        const name = f.Name.startsWith('tag:') ? 'tag-key' : f.Name; // tag:<key> is documented beside tag-key
        expect(doc, `${call.operation} filter ${f.Name}`).toContain(`<code>${name}</code>`);
      }
    }
    expect(requestDoc('DescribeVolumes')).not.toContain('<code>vpc-id</code>');
  });

  it('looks for the EKS cluster\'s kubernetes.io/cluster/<name> tag only for the container style', () => {
    const tagged = (style: (typeof STYLES)[number]) => JSON.stringify(buildPlan({ ...BASE, style }).steps.find((s) => s.id === 'leftovers')).includes('kubernetes.io/cluster/');
    expect(STYLES.filter(tagged)).toEqual(['container']);
  });
});

describe('--dry-run', () => {
  it.each(STYLES)('prints the plan of the %s style and exits 0, touching nothing', async (style) => {
    const r = await dryRun(['--style', style, '--suffix', 'e2eabc123']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stack = e2eStackName(style, 'dev', 'e2eabc123');
    expect(r.stdout).toContain(`$ npx cdk deploy ${stack} --require-approval never --outputs-file /tmp/cdk-orchestration-e2e-e2eabc123/outputs-${style}.json -c env=dev -c stackSuffix=e2eabc123 -c sampleAppVersion=e2eabc123-v1`);
    expect(r.stdout).toContain('-c sampleAppVersion=e2eabc123-v3-failhealth -c sampleAppFailHealth=true   # must FAIL');
    expect(r.stdout).toContain(`$ npx cdk destroy ${stack} --force -c env=dev -c stackSuffix=e2eabc123`);
    expect(r.stdout).toContain(`aws cloudformation:DescribeStacks {"StackName":"${stack}"}`);
    expect(r.stdout).toContain('aws ec2:DescribeNetworkInterfaces');
    expect(r.stdout).toContain('aws elasticloadbalancingv2:DescribeLoadBalancers');
    expect(r.stdout).toMatch(/adapter poll: /);
    expect(r.stdout).toContain('Dry run: nothing was deployed');
  });

  it('--style all prints the four plans; prod adds teardown and the user\'s context', async () => {
    const r = await dryRun(['--style', 'all', '--env', 'prod', '--suffix', 'e2eabc123', '--context', 'domainName=example.com', '-c', 'hostedZoneId=Z0EXAMPLE']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^e2e plan: /gm)).toHaveLength(4);
    expect(r.stdout).toContain('-c env=prod -c stackSuffix=e2eabc123 -c teardown=true -c domainName=example.com -c hostedZoneId=Z0EXAMPLE');
    // prod's requests go to the service's own name (the serverless Function URL takes only signed requests in prod).
    for (const style of STYLES) expect(r.stdout).toContain(`http https://${style}.example.com/: GET until 40 answers in a row`);
    expect(r.stdout).toContain('http https://serverless.example.com/healthz: GET 4 loops');
  });

  it('runs as `node --import tsx bin/e2e.ts` with no AWS settings at all, and exits 0', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'bin/e2e.ts', '--style', 'all', '--dry-run'], { cwd: ROOT, env: { ...env, AWS_EC2_METADATA_DISABLED: 'true' }, timeout: 60_000 }, (err, out) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(out) }),
      );
    });
    expect(code).toBe(0);
    expect(stdout.match(/^e2e plan: style (\w+)/gm)).toEqual(STYLES.map((s) => `e2e plan: style ${s}`));
  });
});

describe('arguments', () => {
  it.each([
    [[], '--style is required: server, vm, container, serverless or all.'],
    [['--style', 'lambda'], '--style (lambda) must be one of server, vm, container, serverless or all.'],
    [['--style', 'vm', '--env', 'stage'], '--env (stage) must be dev or prod (stage adds nothing dev does not test).'],
    [['--style', 'vm', '--suffix', 'Bad_Suffix'], '--suffix (Bad_Suffix) must be 3 to 12 lower-case letters and digits, starting with a letter.'],
    [['--style', 'vm', '--context', 'stackSuffix=x'], '--context stackSuffix is set by the suite itself; remove it.'],
    [['--style', 'vm', '--context', 'novalue'], '--context (novalue) must be KEY=VALUE.'],
    [['--style', 'vm', '--bogus'], 'unknown argument --bogus.'],
  ])('%j: exit 2, %s', async (args, message) => {
    expect(() => parseArgs(args)).toThrow(message);
    let stderr = '';
    expect(await main(args, { stderr: (t) => void (stderr += t) })).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`error: ${message}`);
  });

  it('makes a new suffix per run: e2e + 6 hex digits', () => {
    expect(parseArgs(['--style', 'vm'], () => '0a1b2c').suffix).toBe('e2e0a1b2c');
    expect(parseArgs(['--style=vm', '--env=prod']).suffix).toMatch(/^e2e[0-9a-f]{6}$/);
  });
});

describe('failures during a rollout', () => {
  const load = (failureTimes: number[]) => ({ url: 'u', total: 500, errors: failureTimes.length, errorKinds: { 'HTTP 502': failureTimes.length }, versions: {}, failureTimes, durationMs: 60_000 });

  it('allow none for vm, container and serverless', () => {
    for (const style of ['vm', 'container', 'serverless'] as const) {
      expect(checkFailures(load([]), failureTolerance(style, 'dev'))).toBeUndefined();
      expect(checkFailures(load([1000]), failureTolerance(style, 'dev'))).toBe('1 of 500 requests failed (1 × HTTP 502); expected zero failed requests');
    }
  });

  it('allow the server style bursts within nginx\'s 2 s window, one per server replaced', () => {
    const tol = failureTolerance('server', 'dev');
    expect(checkFailures(load([1000, 1500, 2900, 20_000, 40_000]), tol)).toBeUndefined();
    expect(checkFailures(load([1000, 2500, 4000, 5500]), tol)).toMatch(/in 1 burst\(s\), the longest 4500 ms; allowed: at most 3 burst\(s\) of 2000 ms/);
    expect(checkFailures(load([0, 10_000, 20_000, 30_000]), tol)).toMatch(/in 4 burst\(s\)/);
  });
});

describe('worst cases the report compares with', () => {
  it('server: the fleet defaults give the README\'s 13 min 36 s for 3 servers', () => {
    expect(worstCase('server', 'dev')).toMatchObject({ seconds: 816 });
    expect(worstCase('server', 'prod').seconds).toBe(4 * 272);
  });
  it('vm: the stack\'s RolloutEstimateSeconds output, unknown before the deploy', () => {
    expect(worstCase('vm', 'dev', { RolloutEstimateSeconds: '1230' }).seconds).toBe(1230);
    expect(worstCase('vm', 'dev').seconds).toBeUndefined();
  });
});
