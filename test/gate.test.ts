// The security gate and aws-cdk-lib's built-in template validation, run ONCE over the whole
// sample app exactly as `cdk synth` builds it (the other suites skip the ~4 s validation).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../apps/sample-app-stacks';
import { CDK_CONTEXT } from './helpers';

interface Report {
  pluginReports: { pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations?: { ruleName: string; acknowledgedId: string; reason: string; violatingConstructs: { constructPath: string }[] }[] }[];
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
