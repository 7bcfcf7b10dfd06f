// The e2e suite's failure paths, with a fake cdk, a fake service and aws-sdk-client-mock: each makes the suite exit 1
// with a message saying what failed, and destroy still runs.
import { DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsCaller, isStackMissing } from '../../../lib/e2e/aws';
import { main } from '../../../lib/e2e/main';
import type { E2eReport } from '../../../lib/e2e/report';
import { mockAwsClients, REGION } from '../cli/helpers';
import { fakeDeps, fakeLoader, newWorld, type World } from './fakes';

const { asg, ec2 } = mockAwsClients();
const SUFFIX = 'e2etest1';
const STACK = `SampleVm-dev-${SUFFIX}`;
const VM_OUTPUTS = { Style: 'vm', AlbUrl: 'http://alb.example.com/', AutoScalingGroupName: 'asg-1', Region: REGION, RolloutEstimateSeconds: '1230' };

let dir: string;
let world: World;
let refresh: { InstanceRefreshId: string; Status: string; StartTime: Date };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-runner-'));
  world = newWorld(VM_OUTPUTS);
  refresh = { InstanceRefreshId: 'refresh-2', Status: 'Successful', StartTime: new Date('2026-11-30T01:00:00Z') };
  asg.on(DescribeInstanceRefreshesCommand).callsFake(() => ({
    // After the drill's failed deploy, the refresh of the failing version was rolled back.
    InstanceRefreshes: [world.stackStatus === 'UPDATE_ROLLBACK_COMPLETE' ? { ...refresh, InstanceRefreshId: 'refresh-3', Status: 'RollbackSuccessful' } : refresh],
  }));
  asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'asg-1', MinSize: 3, MaxSize: 10, DesiredCapacity: 3, Instances: [], AvailabilityZones: [], HealthCheckType: 'ELB', DefaultCooldown: 300, CreatedTime: new Date() }] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1' }] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function runSuite(style = 'vm') {
  const out = { stdout: '', stderr: '' };
  const reports: E2eReport[] = [];
  const code = await main(['--style', style, '--suffix', SUFFIX, '--work-dir', dir], { ...fakeDeps(world, out), writeReport: (_f, r) => void reports.push(r) });
  return { code, ...out, report: reports[0]! };
}

const destroyIssued = () => world.commands.some((c) => c[2] === 'destroy' && c[3] === STACK && c.includes('--force'));

describe('e2e runner: the whole run against fakes', () => {
  it('passes when every check passes, and reports phases, requests and durations against the worst case', async () => {
    const r = await runSuite();
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    expect(r.report.ok).toBe(true);
    const s = r.report.styles[0]!;
    expect(s.phases.map((p) => [p.id, p.status])).toEqual([
      ['deploy', 'ok'], ['wait', 'ok'], ['verify', 'ok'], ['rollout', 'ok'], ['drill', 'ok'], ['snapshot', 'ok'], ['destroy', 'ok'], ['leftovers', 'ok'],
    ]);
    expect(s.requests.verify).toEqual({ total: 100, errors: 0 });
    expect(s.requests.rollout!.errors).toBe(0);
    expect(s.requests.rollout!.total).toBeGreaterThan(30);
    expect(s.rollout!.worstCase.seconds).toBe(1230); // the stack's RolloutEstimateSeconds output
    expect(s.rollback!.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(s.rollback!.adapter).toMatch(/RollbackSuccessful/);
    // Deploys carry the suffix and a new version each; the failing one carries the switch.
    const deploys = world.commands.filter((c) => c[2] === 'deploy');
    expect(deploys.map((c) => c.filter((w) => w.startsWith('sampleApp')))).toEqual([
      [`sampleAppVersion=${SUFFIX}-v1`],
      [`sampleAppVersion=${SUFFIX}-v2`],
      [`sampleAppVersion=${SUFFIX}-v3-failhealth`, 'sampleAppFailHealth=true'],
    ]);
    for (const c of world.commands) expect(c).toContain(`stackSuffix=${SUFFIX}`);
    expect(destroyIssued()).toBe(true);
    // Without the ELBv2 client, the report says what was not checked.
    expect(s.unchecked.join('\n')).toMatch(/client-elastic-load-balancing-v2 is not installed/);
    expect(r.stdout).toMatch(/e2e PASSED/);
  });

  it('a failed request during the rollout: exit 1, says how many failed and why, destroy still runs', async () => {
    world.errorsDuringDeploy = 1;
    const r = await runSuite();
    expect(r.code).toBe(1);
    expect(r.report.styles[0]!.failures).toEqual([expect.stringMatching(/^rollout: requests failed during the rollout: 1 of \d+ requests failed \(1 × HTTP 502\); expected zero failed requests$/)]);
    expect(r.report.styles[0]!.phases.find((p) => p.id === 'drill')!.status).toBe('skipped');
    expect(r.stdout).toMatch(/e2e FAILED/);
    expect(destroyIssued()).toBe(true);
  });

  it('a rollback that does not happen (the failing version deploys): exit 1, destroy still runs', async () => {
    world.failingDeploy = { code: 0, status: 'UPDATE_COMPLETE', versionAnswers: true };
    const r = await runSuite();
    expect(r.code).toBe(1);
    expect(r.report.styles[0]!.failures).toEqual([
      `drill: no automatic rollback: cdk deploy of the failing version ${SUFFIX}-v3-failhealth (health check answering 503) succeeded`,
    ]);
    expect(destroyIssued()).toBe(true);
  });

  it('a rollback that does not happen (the deploy fails but the stack is not rolled back): exit 1', async () => {
    world.failingDeploy = { code: 1, status: 'UPDATE_FAILED', versionAnswers: false };
    const r = await runSuite();
    expect(r.code).toBe(1);
    expect(r.report.styles[0]!.failures[0]).toMatch(/^drill: no automatic rollback: after the failed deploy the stack is UPDATE_FAILED, not UPDATE_ROLLBACK_COMPLETE/);
    expect(destroyIssued()).toBe(true);
  });

  it('a rollback the adapter sees fail (instance refresh RollbackFailed): exit 1', async () => {
    asg.on(DescribeInstanceRefreshesCommand).callsFake(() => ({
      InstanceRefreshes: [{ ...refresh, Status: world.stackStatus === 'UPDATE_ROLLBACK_COMPLETE' ? 'RollbackFailed' : 'Successful', StatusReason: 'boom' }],
    }));
    const r = await runSuite();
    expect(r.code).toBe(1);
    expect(r.report.styles[0]!.failures[0]).toMatch(/^drill: no automatic rollback according to the vm adapter: instance refresh refresh-2 RollbackFailed/);
    expect(destroyIssued()).toBe(true);
  });

  it('a leftover ENI after destroy: exit 1, names it', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).callsFake((input: { Filters?: { Name?: string; Values?: string[] }[] }) => ({
      NetworkInterfaces: input.Filters?.some((f) => f.Name === 'vpc-id' && f.Values?.includes('vpc-1'))
        ? [{ NetworkInterfaceId: 'eni-0abc', VpcId: 'vpc-1', Description: 'ELB app/SampleVm-dev-e2etest1/50dc6c495c0c9188' }]
        : [],
    }));
    const r = await runSuite();
    expect(r.code).toBe(1);
    expect(r.report.styles[0]!.failures).toEqual(['leftovers: left after destroy: network interface eni-0abc in vpc-1: ELB app/SampleVm-dev-e2etest1/50dc6c495c0c9188']);
    expect(r.report.styles[0]!.leftovers).toEqual(['network interface eni-0abc in vpc-1: ELB app/SampleVm-dev-e2etest1/50dc6c495c0c9188']);
    expect(destroyIssued()).toBe(true);
  });

  it('a deploy that fails: exit 1 with the deploy\'s last output, later steps skipped, destroy and the leftover check still run', async () => {
    world.deployCode = { '-v1': 1 };
    const r = await runSuite();
    expect(r.code).toBe(1);
    const s = r.report.styles[0]!;
    expect(s.failures).toEqual([`deploy: cdk deploy of ${STACK} (version ${SUFFIX}-v1) failed with exit code 1: ❌ ${STACK} failed: Error: The stack named ${STACK} failed creation`]);
    expect(s.phases.map((p) => p.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'skipped', 'ok', 'ok', 'ok']);
    expect(destroyIssued()).toBe(true);
    // The region came from AWS_REGION (no outputs were written); the stack is gone.
    expect(world.calls.filter((c) => c.service === 'cloudformation')).toEqual([{ service: 'cloudformation', operation: 'DescribeStacks', params: { StackName: STACK } }]);
  });

  it('a destroy that fails: exit 1, and the stack still there is a leftover', async () => {
    const out = { stdout: '', stderr: '' };
    const deps = fakeDeps(world, out);
    const reports: E2eReport[] = [];
    const code = await main(['--style', 'vm', '--suffix', SUFFIX, '--work-dir', dir], {
      ...deps,
      runCommand: async (argv, o) => (argv[2] === 'destroy' ? (world.commands.push([...argv]), { code: 1, output: `❌ ${STACK}: destroy failed DELETE_FAILED` }) : deps.runCommand!(argv, o)),
      writeReport: (_f, r) => void reports.push(r),
    });
    expect(code).toBe(1);
    expect(reports[0]!.styles[0]!.failures).toEqual([
      `destroy: cdk destroy of ${STACK} failed with exit code 1: ❌ ${STACK}: destroy failed DELETE_FAILED`,
      `leftovers: left after destroy: stack ${STACK} (UPDATE_ROLLBACK_COMPLETE)`,
    ]);
    expect(destroyIssued()).toBe(true);
  });
});

describe('the suite\'s AWS calls', () => {
  it('names the SDK client to install when CloudFormation\'s is missing (exit 2)', async () => {
    const aws = createAwsCaller(REGION, { load: async (pkg) => { throw Object.assign(new Error(`Cannot find package '${pkg}' imported from x`), { code: 'ERR_MODULE_NOT_FOUND' }); } });
    await expect(aws.call('cloudformation', 'DescribeStacks', { StackName: 'x' })).rejects.toMatchObject({
      exitCode: 2,
      message: 'the e2e suite needs @aws-sdk/client-cloudformation, which is not installed.',
    });
    expect(await aws.available('elasticloadbalancingv2')).toBe(false);
  });

  it('turns "Stack with id X does not exist" into a gone stack, and other errors into a named action', async () => {
    const w = newWorld({});
    w.destroyed = true;
    const aws = createAwsCaller(REGION, { load: fakeLoader(w) });
    expect(await aws.call('cloudformation', 'DescribeStacks', { StackName: 'x' }, isStackMissing)).toBeUndefined();
    ec2.on(DescribeVpcsCommand).rejects(Object.assign(new Error('not allowed'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
    await expect(aws.call('ec2', 'DescribeVpcs', {})).rejects.toThrow(/^access denied: ec2:DescribeVpcs in eu-west-1: not allowed$/);
  });
});

describe('e2e runner: the container style', () => {
  const CONTAINER_OUTPUTS = { Style: 'container', Url: 'http://k8s-alb.example.com/', ClusterName: 'cluster-9', Namespace: 'sample-app', DeploymentName: 'sample-app', Region: REGION };

  it('without kubectl: passes on CloudFormation and HTTP evidence, says what the adapter could not check, and looks for the cluster\'s tag', async () => {
    world = newWorld(CONTAINER_OUTPUTS);
    const r = await runSuite('container');
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    const s = r.report.styles[0]!;
    expect(s.phases.find((p) => p.id === 'deploy')!.notes).toEqual([expect.stringMatching(/^kubectl is not on PATH/)]);
    expect(s.phases.find((p) => p.id === 'drill')!.notes).toContain('adapter not asked: kubectl is not on PATH');
    const filters = ec2.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input.Filters);
    expect(filters).toContainEqual([{ Name: 'tag-key', Values: ['kubernetes.io/cluster/cluster-9'] }]);
    expect(world.commands.filter((c) => c[0] === 'aws')).toEqual([]); // no kubeconfig written without kubectl
  });

  it('with kubectl: writes the run\'s own kubeconfig, and a Deployment that is not rolled out fails the rollout', async () => {
    world = newWorld(CONTAINER_OUTPUTS);
    const out = { stdout: '', stderr: '' };
    const deps = fakeDeps(world, out);
    const reports: E2eReport[] = [];
    const kubeconfigs: string[] = [];
    const code = await main(['--style', 'container', '--suffix', SUFFIX, '--work-dir', dir], {
      ...deps,
      kubectl: (kubeconfig) => {
        kubeconfigs.push(kubeconfig);
        return async (args) =>
          args[0] === 'get'
            ? { code: 0, stdout: '3 1 3', stderr: '' }
            : { code: 0, stdout: 'Waiting for deployment "sample-app" rollout to finish: 1 out of 3 new replicas have been updated...', stderr: '' };
      },
      writeReport: (_f, rep) => void reports.push(rep),
    });
    expect(code).toBe(1);
    expect(kubeconfigs).toEqual([path.join(dir, 'kubeconfig')]);
    expect(world.commands.find((c) => c[0] === 'aws')).toEqual(['aws', 'eks', 'update-kubeconfig', '--name', 'cluster-9', '--region', REGION, '--kubeconfig', path.join(dir, 'kubeconfig')]);
    expect(reports[0]!.styles[0]!.failures[0]).toMatch(/^rollout: gave up after 1800 s: deployment sample-app is still Progressing/);
    expect(world.commands.some((c) => c[2] === 'destroy' && c[3] === `SampleContainer-dev-${SUFFIX}`)).toBe(true);
  });
});

describe('e2e runner: Ctrl-C', () => {
  it('skips what is left but still destroys the stack and checks for leftovers', async () => {
    const interrupt = new AbortController();
    const out = { stdout: '', stderr: '' };
    const deps = fakeDeps(world, out);
    const reports: E2eReport[] = [];
    const code = await main(['--style', 'vm', '--suffix', SUFFIX, '--work-dir', dir], {
      ...deps,
      signal: interrupt.signal,
      // Ctrl-C while the first deploy runs: cdk gets the signal too and exits 130.
      runCommand: async (argv, o) => {
        if (argv[2] === 'deploy') {
          interrupt.abort();
          world.commands.push([...argv]);
          return { code: 130, output: 'Interrupted' };
        }
        return deps.runCommand!(argv, o);
      },
      writeReport: (_f, r) => void reports.push(r),
    });
    expect(code).toBe(1);
    const s = reports[0]!.styles[0]!;
    expect(s.phases.map((p) => [p.id, p.status])).toEqual([
      ['deploy', 'failed'], ['wait', 'skipped'], ['verify', 'skipped'], ['rollout', 'skipped'], ['drill', 'skipped'], ['snapshot', 'ok'], ['destroy', 'ok'], ['leftovers', 'ok'],
    ]);
    expect(destroyIssued()).toBe(true);
  });
});
