// The security gate and aws-cdk-lib's built-in template validation, run ONCE over the whole
// sample app exactly as `cdk synth` builds it (the other suites skip the ~4 s validation); and the
// prod app ONCE with both gates (cdk-nag and AWS Control Tower's proactive controls, whose cfn-guard
// run costs a few seconds more), shared by every prod assertion.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../apps/sample-app-stacks';
import { CDK_CONTEXT } from './helpers';

interface Suppressed { ruleName: string; acknowledgedId: string; reason: string; acknowledgedAt?: string; violatingConstructs: { constructPath: string }[] }
interface Report {
  pluginReports: {
    pluginName: string;
    pluginVersion?: string;
    conclusion: string;
    metadata?: Record<string, string>;
    violations: { ruleName: string; description: string; violatingConstructs: { constructPath: string }[] }[];
    suppressedViolations?: Suppressed[];
  }[];
}

/** Every violation left in a report, one line each (the failure message says which remain). */
function violationsLeft(report: Report): string[] {
  return report.pluginReports.flatMap((r) =>
    r.metadata?.error && r.violations.length === 0
      ? [`[${r.pluginName}] plugin failed: ${r.metadata.error}`]
      : r.violations.flatMap((v) => v.violatingConstructs.map((c) => `[${r.pluginName}] ${v.ruleName} ${c.constructPath || '(app)'}: ${v.description.split('\n')[0]}`)),
  );
}

describe('security gate over the whole sample app (cdk-nag AwsSolutions + built-in validation)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-'));
  let report: Report;
  let stacks: string[];
  const savedValidation = process.env.CDK_VALIDATION;
  beforeAll(() => {
    delete process.env.CDK_VALIDATION; // this suite runs the built-in validation, once for every sample stack
    const { app } = createSampleApp({ context: CDK_CONTEXT, outdir, validation: true });
    const assembly = app.synth(); // throws on any unacknowledged finding
    stacks = assembly.stacks.map((s) => s.stackName);
    report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  });
  afterAll(() => {
    process.env.CDK_VALIDATION = savedValidation;
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes every style\'s sample stack', () => {
    expect(stacks).toContain('SampleServerless-dev');
    expect(stacks).toContain('SampleVm-dev');
  });

  it('has no failing plugin report and no unacknowledged finding', () => {
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag, 'the AwsSolutions report is present').toBeDefined();
    for (const r of report.pluginReports) {
      expect(r.conclusion, r.pluginName).toBe('success');
      expect(r.violations, r.pluginName).toEqual([]);
    }
  });

  it('records every acknowledgement, in the plugin-prefixed form, with a specific reason of its own', () => {
    const suppressed = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!.suppressedViolations ?? [];
    expect(suppressed.length).toBeGreaterThan(0);
    const reasons = new Map<string, string>();
    for (const s of suppressed) {
      expect(s.acknowledgedId).toMatch(/^AwsSolutions::AwsSolutions-[A-Z]+\d+/);
      expect(s.acknowledgedId).toBe(`AwsSolutions::${s.ruleName}`);
      expect(s.reason.length, s.ruleName).toBeGreaterThan(40);
      // one reason per rule and construct: the same text may not be pasted onto different findings
      const key = s.reason;
      const where = `${s.ruleName} @ ${s.violatingConstructs.map((c) => c.constructPath).join(',')}`;
      if (reasons.has(key)) expect(reasons.get(key)!.split(' @ ')[0], `reason reused for ${where}`).toBe(s.ruleName);
      reasons.set(key, where);
    }
  });
});

/**
 * Controls the issue makes prod meet, never acknowledged: log retention and encryption, alarm actions,
 * detailed monitoring, load balancer deletion protection, HTTPS (redirect and ACM certificates), the EKS
 * API endpoint, the Function URL's IAM auth, Nitro instance types (a compliant type works).
 */
const NEVER_ACKNOWLEDGED = [
  'CT.CLOUDWATCH.PR.1', 'CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3', 'CT.CLOUDWATCH.PR.4',
  'CT.EC2.PR.10', 'CT.EC2.PR.13', 'CT.EC2.PR.16', 'CT.EC2.PR.19',
  'CT.ELASTICLOADBALANCING.PR.1', 'CT.ELASTICLOADBALANCING.PR.2', 'CT.ELASTICLOADBALANCING.PR.5',
  'CT.EKS.PR.1', 'CT.LAMBDA.PR.5',
];

/**
 * Every Control Tower acknowledgement in the prod sample, control and violating resource: a new one (or one gone)
 * is a change to review, with the README's table of acknowledged controls.
 */
const EXPECTED_ACKNOWLEDGEMENTS = [
  'CT.CLOUDFRONT.PR.1 SampleServerless-prod/Service/Distribution/Resource',
  'CT.CLOUDFRONT.PR.4 SampleServerless-prod/Service/Distribution/Resource',
  'CT.EC2.PR.8 SampleServer-prod/Service/Fleet/Server1/Resource',
  'CT.EC2.PR.8 SampleServer-prod/Service/Fleet/Server2/Resource',
  'CT.EC2.PR.8 SampleServer-prod/Service/Fleet/Server3/Resource',
  'CT.EC2.PR.8 SampleServer-prod/Service/Fleet/Server4/Resource',
  'CT.KMS.PR.3 SampleContainer-prod/Service/Cluster/SecretsKey/Resource',
  'CT.LAMBDA.PR.2 SampleServerless-prod/Service/Distribution/Origin1/InvokeFromApiForSampleServerlessprodServiceDistributionOrigin193F04A0D',
  'CT.LAMBDA.PR.2 SampleServerless-prod/Service/Distribution/Origin1/InvokeFunctionFromCloudFrontForSampleServerlessprodServiceDistributionOrigin193F04A0D',
  'CT.LAMBDA.PR.3 SampleContainer-prod/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler',
  'CT.LAMBDA.PR.3 SampleContainer-prod/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler',
  'CT.LAMBDA.PR.3 SampleServer-prod/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler',
  'CT.LAMBDA.PR.3 SampleServer-prod/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/Fleet/RolloutWaiter/IsComplete/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/Fleet/RolloutWaiter/OnEvent/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/Fleet/RolloutWaiter/Provider/framework-isComplete/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/Fleet/RolloutWaiter/Provider/framework-onEvent/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/Fleet/RolloutWaiter/Provider/framework-onTimeout/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/IsComplete/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/OnEvent/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/Provider/framework-isComplete/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/Provider/framework-onEvent/Resource',
  'CT.LAMBDA.PR.3 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/Provider/framework-onTimeout/Resource',
  'CT.LAMBDA.PR.3 SampleServerless-prod/Service/Resource/Resource',
  'CT.LAMBDA.PR.3 SampleVm-prod/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler',
  'CT.LAMBDA.PR.3 SampleVm-prod/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler',
  'CT.S3.PR.10 SampleContainer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.10 SampleServer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.10 SampleServerless-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.10 SampleVm-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.11 SampleServer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.11 SampleServerless-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.11 SampleVm-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.2 SampleContainer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.2 SampleServer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.2 SampleServerless-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.2 SampleVm-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.4 SampleContainer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.4 SampleServer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.4 SampleServerless-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.4 SampleVm-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.9 SampleContainer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.9 SampleServer-prod/Service/LoadBalancer/AccessLogs/Resource',
  'CT.S3.PR.9 SampleServerless-prod/Service/AccessLogs/Resource',
  'CT.S3.PR.9 SampleVm-prod/Service/AccessLogs/Resource',
  'CT.STEPFUNCTIONS.PR.1 SampleServer-prod/Service/Fleet/RolloutWaiter/Provider/waiter-state-machine/Resource',
  'CT.STEPFUNCTIONS.PR.1 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/Provider/waiter-state-machine/Resource',
  'CT.STEPFUNCTIONS.PR.2 SampleServer-prod/Service/Fleet/RolloutWaiter/Provider/waiter-state-machine/Resource',
  'CT.STEPFUNCTIONS.PR.2 SampleServer-prod/Service/LoadBalancer/ConfigWaiter/Provider/waiter-state-machine/Resource',
];

/** The prod sample as `npx cdk synth -c env=prod -c domainName=example.com -c hostedZoneId=Z0EXAMPLE -c alarmEmail=...` builds it. */
const PROD_CONTEXT = { ...CDK_CONTEXT, env: 'prod', domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', alarmEmail: 'ops@example.com' };

describe('both gates over the prod sample app (cdk-nag AwsSolutions + AWS Control Tower + built-in validation)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-prod-'));
  let report: Report;
  let stacks: string[] = [];
  let synthError: Error | undefined;
  const savedValidation = process.env.CDK_VALIDATION;
  beforeAll(() => {
    delete process.env.CDK_VALIDATION;
    const started = performance.now();
    const { app } = createSampleApp({ context: PROD_CONTEXT, outdir, validation: true });
    try {
      stacks = app.synth().stacks.map((s) => s.stackName); // throws on any unacknowledged finding of either gate
    } catch (e) {
      synthError = e as Error;
    }
    // Recorded, not asserted (no timed assertions): the cost of the prod gate, for BENCHMARKS.md.
    console.info(`prod synth with cdk-nag, Control Tower and built-in validation: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  });
  afterAll(() => {
    process.env.CDK_VALIDATION = savedValidation;
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  const controlTower = () => report.pluginReports.find((r) => r.pluginName === 'control-tower');
  const acknowledged = () => controlTower()?.suppressedViolations ?? [];

  it('synthesizes every style\'s prod stack, with no failing plugin report and no unacknowledged finding in either gate', () => {
    expect(violationsLeft(report), 'violations left').toEqual([]);
    expect(synthError?.message, 'synth').toBeUndefined();
    expect(stacks.sort()).toEqual(['SampleContainer-prod', 'SampleServer-prod', 'SampleServerless-prod', 'SampleVm-prod']);
    expect(report.pluginReports.map((r) => r.pluginName)).toEqual(expect.arrayContaining(['AwsSolutions', 'control-tower']));
    for (const r of report.pluginReports) expect(r.conclusion, r.pluginName).toBe('success');
  });

  it('acknowledges each Control Tower control on the construct that causes it, with a specific reason of its own', () => {
    const reasons = new Map<string, string>();
    for (const s of acknowledged()) {
      const where = `${s.ruleName} @ ${s.violatingConstructs.map((c) => c.constructPath).join(',')}`;
      expect(s.ruleName, where).toMatch(/^CT\.[A-Z0-9-]+\.PR\.\d+$/);
      expect(s.acknowledgedId, where).toBe(`control-tower::${s.ruleName}`);
      expect(s.reason.length, where).toBeGreaterThan(40);
      // Below the stack (the gate rejects App, Stage and Stack acknowledgements; this says so too).
      expect(s.acknowledgedAt ?? '', where).toMatch(/^Sample[A-Za-z]+-prod\/./);
      // One reason per control: the same text may not be pasted onto different controls.
      if (reasons.has(s.reason)) expect(reasons.get(s.reason), `reason reused for ${where}`).toBe(s.ruleName);
      reasons.set(s.reason, s.ruleName);
    }
  });

  it('acknowledges none of the controls the issue makes prod meet', () => {
    const offending = acknowledged().filter((s) => NEVER_ACKNOWLEDGED.includes(s.ruleName)).map((s) => `${s.ruleName} @ ${s.acknowledgedAt}: ${s.reason}`);
    expect(offending).toEqual([]);
  });

  it('acknowledges exactly the reviewed list of controls and resources (the per-style tests do not run cfn-guard again)', () => {
    const found = acknowledged().flatMap((s) => s.violatingConstructs.map((c) => `${s.ruleName} ${c.constructPath}`)).sort();
    expect(found).toEqual(EXPECTED_ACKNOWLEDGEMENTS);
  });

  it('records every acknowledged control with its reason and the count per stack', () => {
    const rows = acknowledged().flatMap((s) => s.violatingConstructs.map((c) => ({ stack: c.constructPath.split('/')[0], control: s.ruleName, at: s.acknowledgedAt, reason: s.reason })));
    const perStack: Record<string, number> = {};
    for (const r of rows) perStack[r.stack] = (perStack[r.stack] ?? 0) + 1;
    console.info(`Control Tower acknowledgements per stack: ${JSON.stringify(perStack)}`);
    expect(rows.length).toBe(Object.values(perStack).reduce((a, b) => a + b, 0));
    for (const r of rows) expect(stacks.length === 0 || stacks.includes(r.stack), r.stack).toBe(true);
  });
});
