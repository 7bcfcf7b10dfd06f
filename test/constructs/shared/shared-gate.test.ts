// The shared constructs in their prod configuration pass both gates (cdk-nag AwsSolutions and AWS
// Control Tower's proactive controls) on their own, with only the acknowledgements they make
// themselves: a NAT gateway network with an encrypted one-year flow log, a LogsKey, an AlarmTopic,
// an EnvironmentBudget and both access-log buckets (dev and prod options).
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessLogsBucket } from '../../../constructs/shared/access-logs';
import { AlarmTopic } from '../../../constructs/shared/alarm-topic';
import { EnvironmentBudget } from '../../../constructs/shared/budget';
import { ControlTowerChecks } from '../../../constructs/shared/compliance';
import { LogsKey } from '../../../constructs/shared/log-encryption';
import { AppNetwork, NetworkEgress } from '../../../constructs/shared/network';
import { CDK_CONTEXT } from '../../helpers';

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[]; suppressedViolations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

describe('shared constructs, prod settings, both gates', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-gate-'));
  let report: Report;
  let error: unknown;
  beforeAll(() => {
    const app = new App({ outdir, context: CDK_CONTEXT });
    const stack = new Stack(app, 'SharedProd');
    const key = new LogsKey(stack, 'LogsKey');
    new AppNetwork(stack, 'Network', { egress: NetworkEgress.natGateway(), flowLogRetention: logs.RetentionDays.ONE_YEAR, flowLogEncryptionKey: key.key });
    const alarms = new AlarmTopic(stack, 'Alarms', { emails: ['ops@example.com'] });
    new EnvironmentBudget(stack, 'Budget', { limitUsd: 500, topic: alarms.topic, emails: ['ops@example.com'] });
    createAccessLogsBucket(stack, 'DevLogs');
    createAccessLogsBucket(stack, 'ProdLogs', { versioned: true, removalPolicy: RemovalPolicy.DESTROY });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks());
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  }, 240_000);
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('leaves no violation', () => {
    const left = report.pluginReports.flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((c) => `[${r.pluginName}] ${v.ruleName} ${c.constructPath}`)));
    expect(left).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('suppresses exactly the controls the constructs acknowledge, where they arise', () => {
    const ct = report.pluginReports.find((r) => r.pluginName === 'control-tower')!;
    const suppressed = (ct.suppressedViolations ?? []).flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath.replace(/ \(.*$/, '').split('/').slice(0, 2).join('/')}`)).sort();
    expect([...new Set(suppressed)]).toEqual([
      'CT.LAMBDA.PR.3 SharedProd/Custom::S3AutoDeleteObjectsCustomResourceProvider',
      'CT.LAMBDA.PR.3 SharedProd/Custom::VpcRestrictDefaultSGCustomResourceProvider',
      'CT.S3.PR.10 SharedProd/DevLogs',
      'CT.S3.PR.10 SharedProd/ProdLogs',
      'CT.S3.PR.11 SharedProd/DevLogs',
      'CT.S3.PR.2 SharedProd/DevLogs',
      'CT.S3.PR.2 SharedProd/ProdLogs',
      'CT.S3.PR.4 SharedProd/DevLogs',
      'CT.S3.PR.4 SharedProd/ProdLogs',
      'CT.S3.PR.9 SharedProd/DevLogs',
      'CT.S3.PR.9 SharedProd/ProdLogs',
    ]);
  });
});
