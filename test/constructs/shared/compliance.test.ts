// The Control Tower gate (constructs/shared/compliance.ts): AWS Control Tower's proactive controls,
// run by @cdklabs/cdk-validator-cfnguard's cfn-guard, with per-construct acknowledgements. Two real
// synths (cfn-guard costs ~1-2 s each): one that must fail, one that must pass. The rest runs the
// plugin's validate() on a construct tree with a stand-in for the package (the loader seam).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type IPolicyValidationContext, type PolicyValidationPluginReport, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ACKNOWLEDGEMENT_RULES,
  acknowledgeControl,
  CFNGUARD_INSTALL,
  CFNGUARD_PACKAGE,
  CONTROL_TOWER_PLUGIN,
  ControlTowerChecks,
  setCfnGuardLoaderForTesting,
} from '../../../constructs/shared/compliance';
import { OrchestrationError } from '../../../lib/errors';
import { CDK_CONTEXT, orchestrationErrorFrom, ROOT } from '../../helpers';

const REASON = 'this log group is a test fixture whose retention and key do not matter';
const CFNGUARD_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', CFNGUARD_PACKAGE, 'package.json'), 'utf8')).version;
const GUARD_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', CFNGUARD_PACKAGE, 'guard-version.json'), 'utf8')).version;

interface ReportConstruct { constructPath: string }
interface ReportViolation {
  ruleName: string;
  severity: string;
  description: string;
  violatingConstructs: ReportConstruct[];
  acknowledgedId?: string;
  reason?: string;
  acknowledgedAt?: string;
}
interface PluginReport {
  pluginName: string;
  pluginVersion: string;
  conclusion: string;
  metadata?: Record<string, string>;
  violations: ReportViolation[];
  suppressedViolations?: ReportViolation[];
}

/** A log group that breaks CT.CLOUDWATCH.PR.2 (one day of retention) and CT.CLOUDWATCH.PR.3 (no KMS key). */
function logGroup(scope: Stack, id: string): logs.LogGroup {
  return new logs.LogGroup(scope, id, { retention: logs.RetentionDays.ONE_DAY, removalPolicy: RemovalPolicy.DESTROY });
}

/** Synthesizes `app` with the gate; returns the error (if synth failed) and the Control Tower plugin's report. */
function synthWithGate(app: App): { error?: Error; report: PluginReport | undefined } {
  Validations.of(app).addPlugins(new ControlTowerChecks(app));
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  const reports: PluginReport[] = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')).pluginReports;
  return { error, report: reports.find((r) => r.pluginName === CONTROL_TOWER_PLUGIN) };
}

const paths = (v: ReportViolation) => v.violatingConstructs.map((c) => c.constructPath);

describe('ControlTowerChecks over a real synth', () => {
  describe('one log group acknowledged, one not, one in a stack that acknowledges for everything', () => {
    let error: Error | undefined;
    let report: PluginReport;
    beforeAll(() => {
      const app = new App({ context: CDK_CONTEXT });
      const stack = new Stack(app, 'Mixed');
      const acked = logGroup(stack, 'Acked');
      acknowledgeControl(acked, 'CT.CLOUDWATCH.PR.2', REASON);
      acknowledgeControl(acked, 'CT.CLOUDWATCH.PR.3', REASON);
      logGroup(stack, 'Unacked');
      // A stack-wide acknowledgement: aws-cdk-lib would honour it for every resource below; the gate rejects it.
      const wide = new Stack(app, 'StackWide');
      logGroup(wide, 'Logs');
      Validations.of(wide).acknowledge({ id: 'control-tower::CT.CLOUDWATCH.PR.2', reason: 'every log group of this stack may keep logs for one day only' });
      ({ error, report } = synthWithGate(app) as { error?: Error; report: PluginReport });
    });

    it('fails synth, naming each unacknowledged violation by its control and how to acknowledge it', () => {
      expect(error?.message).toMatch(/\[CT\.CLOUDWATCH\.PR\.2\]: Require an Amazon CloudWatch log group to be retained for at least one year/);
      expect(error?.message).toContain('Mixed/Unacked/Resource');
      expect(error?.message).toContain("Acknowledge with 'control-tower::CT.CLOUDWATCH.PR.3'");
      expect(report.conclusion).toBe('failure');
    });

    it('reports under the name control-tower with the version of the rules it runs, and of cfn-guard', () => {
      expect(report.pluginName).toBe('control-tower');
      expect(report.pluginVersion).toBe(CFNGUARD_VERSION);
      expect(report.metadata).toEqual({
        rules: `@cdklabs/cdk-validator-cfnguard ${CFNGUARD_VERSION}: AWS Control Tower proactive controls, none disabled`,
        cfnGuard: GUARD_VERSION,
      });
    });

    it('keeps the unacknowledged violations, each of severity error (an acknowledgement elsewhere does not pass the report)', () => {
      // cfn-guard reports per template: one violation per rule and stack.
      const ct = report.violations.filter((v) => v.ruleName.startsWith('CT.'));
      expect([...new Set(ct.map((v) => v.ruleName))].sort()).toEqual(['CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3']);
      for (const v of ct) expect(v.severity).toBe('error');
      expect(ct.filter((v) => v.ruleName === 'CT.CLOUDWATCH.PR.2').flatMap(paths)).toEqual(['Mixed/Unacked/Resource']);
      // PR.3: the unacknowledged group, and the stack-wide acknowledgement (of PR.2 only) leaves it on StackWide's.
      expect(ct.filter((v) => v.ruleName === 'CT.CLOUDWATCH.PR.3').flatMap(paths).sort()).toEqual(['Mixed/Unacked/Resource', 'StackWide/Logs/Resource']);
    });

    it('lists the acknowledged ones under suppressedViolations, with the acknowledgement id, where it was made and its reason', () => {
      const mine = (report.suppressedViolations ?? []).filter((s) => s.acknowledgedAt === 'Mixed/Acked');
      expect(mine.map((s) => s.ruleName).sort()).toEqual(['CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3']);
      for (const s of mine) {
        expect(s.acknowledgedId).toBe(`control-tower::${s.ruleName}`);
        expect(s.reason).toBe(REASON);
        expect(paths(s)).toEqual(['Mixed/Acked/Resource']);
      }
    });

    it('rejects the acknowledgement on the Stack with a violation of its own that cannot be acknowledged', () => {
      const scope = report.violations.filter((v) => v.ruleName === ACKNOWLEDGEMENT_RULES.scope);
      expect(scope).toHaveLength(1);
      expect(scope[0].severity).toBe('fatal');
      expect(paths(scope[0])).toEqual(['StackWide']);
      expect(scope[0].description).toBe("control-tower::CT.CLOUDWATCH.PR.2 is acknowledged on Stack 'StackWide': it would silence CT.CLOUDWATCH.PR.2 for every resource below it");
      expect(error?.message).toContain('FATAL control-tower::CT.CLOUDWATCH.PR.2 is acknowledged on Stack');
    });
  });

  it('passes synth when every violation is acknowledged on its construct, and still records them', () => {
    const app = new App({ context: CDK_CONTEXT });
    const stack = new Stack(app, 'AllAcked');
    const group = logGroup(stack, 'Logs');
    acknowledgeControl(group, 'CT.CLOUDWATCH.PR.2', REASON);
    acknowledgeControl(group.node.defaultChild!, 'CT.CLOUDWATCH.PR.3', `${REASON} (on the L1 itself)`);
    const { error, report } = synthWithGate(app);
    expect(error).toBeUndefined();
    expect(report!.conclusion).toBe('success');
    expect(report!.violations).toEqual([]);
    expect(report!.suppressedViolations!.map((s) => [s.ruleName, s.acknowledgedAt, s.reason]).sort()).toEqual([
      ['CT.CLOUDWATCH.PR.2', 'AllAcked/Logs', REASON],
      ['CT.CLOUDWATCH.PR.3', 'AllAcked/Logs/Resource', `${REASON} (on the L1 itself)`],
    ]);
  });
});

/** A stand-in for @cdklabs/cdk-validator-cfnguard whose validator returns `report` (cfn-guard's violations carry no severity). */
function fakeCfnGuard(report: PolicyValidationPluginReport, ruleIds = ['cloudwatchpr2', 'cloudwatchpr3', 'ec2pr13', 'networkfirewallpr1']) {
  return {
    CfnGuardValidator: class {
      public readonly name = 'cdk-validator-cfnguard';
      public readonly version = '9.9.9';
      public readonly ruleIds = ruleIds;
      constructor(public readonly props: unknown) {}
      validate() {
        return report;
      }
    },
  };
}

const NO_VIOLATIONS: PolicyValidationPluginReport = { success: true, violations: [] };

function contextOf(app: App): IPolicyValidationContext {
  return { templatePaths: [], stackTemplates: [], appConstruct: app };
}

describe('ControlTowerChecks.validate', () => {
  afterEach(() => setCfnGuardLoaderForTesting(undefined));

  it('runs every Control Tower rule (no disabledRules) and reports its version and rule ids', () => {
    let props: unknown;
    const fake = fakeCfnGuard(NO_VIOLATIONS);
    const loaded: string[] = [];
    setCfnGuardLoaderForTesting((pkg) => {
      loaded.push(pkg);
      if (pkg.endsWith('/guard-version.json')) return { version: '3.1.1' };
      return { CfnGuardValidator: class extends fake.CfnGuardValidator { constructor(p: unknown) { super(p); props = p; } } };
    });
    const plugin = new ControlTowerChecks();
    expect(props).toMatchObject({ controlTowerRulesEnabled: true });
    expect(props).not.toHaveProperty('disabledRules');
    expect(props).not.toHaveProperty('rules');
    expect(plugin.name).toBe('control-tower');
    expect(plugin.version).toBe('9.9.9');
    expect(plugin.ruleIds).toEqual(['cloudwatchpr2', 'cloudwatchpr3', 'ec2pr13', 'networkfirewallpr1']);
    expect(loaded).toEqual([CFNGUARD_PACKAGE, `${CFNGUARD_PACKAGE}/guard-version.json`]);
    // The report says which rules and which cfn-guard judged the templates.
    expect(plugin.validate(contextOf(new App())).metadata).toEqual({
      rules: '@cdklabs/cdk-validator-cfnguard 9.9.9: AWS Control Tower proactive controls, none disabled',
      cfnGuard: '3.1.1',
    });
  });

  it('names each violation by the control in its message, gives it severity error, and drops repeated locations', () => {
    setCfnGuardLoaderForTesting(() => fakeCfnGuard({
      success: false,
      violations: [
        {
          ruleName: 'netfw_policy_rule_group_associated_check',
          description: '[CT.NETWORK-FIREWALL.PR.1]: Require any AWS Network Firewall firewall policy to have an associated rule group',
          violatingResources: [{ resourceLogicalId: 'Policy', templatePath: 'S.template.json', locations: [] }],
        },
        {
          ruleName: 'ec2_instance_detailed_monitoring_check',
          description: '[CT.EC2.PR.13]: Require an Amazon EC2 instance to have detailed monitoring enabled',
          fix: "Set 'Monitoring' to true.",
          violatingResources: [{ resourceLogicalId: 'Server', templatePath: 'S.template.json', locations: ['/Resources/Server/Properties', '/Resources/Server/Properties'] }],
        },
        { ruleName: 'some_rule_without_control', description: 'no prefix', violatingResources: [{ resourceLogicalId: 'X', templatePath: 'S.template.json', locations: [] }] },
      ],
    }));
    const report = new ControlTowerChecks().validate(contextOf(new App()));
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([
      ['CT.NETWORK-FIREWALL.PR.1', 'error'],
      ['CT.EC2.PR.13', 'error'],
      ['some_rule_without_control', 'error'],
    ]);
    expect(report.violations[1].violatingResources[0].locations).toEqual(['/Resources/Server/Properties']);
    expect(report.violations[1].fix).toBe("Set 'Monitoring' to true.");
  });

  describe('acknowledgements that are not tied to a resource', () => {
    let report: PolicyValidationPluginReport;
    beforeAll(() => {
      setCfnGuardLoaderForTesting(() => fakeCfnGuard(NO_VIOLATIONS));
      const app = new App();
      const stage = new Stage(app, 'Branch');
      const inStage = new Stack(stage, 'Inner');
      const stack = new Stack(app, 'Svc');
      const group = logGroup(stack, 'Logs');
      const long = 'a reason long enough to pass the length check of the gate';
      Validations.of(app).acknowledge({ id: 'control-tower::CT.EC2.PR.13', reason: long });
      Validations.of(stage).acknowledge({ id: 'control-tower::CT.EC2.PR.13', reason: long });
      Validations.of(inStage).acknowledge({ id: 'control-tower::CT.EC2.PR.13', reason: long });
      Validations.of(group).acknowledge({ id: 'control-tower::CT.CLOUDWATCH.PR.2', reason: 'test' }); // too short
      Validations.of(group).acknowledge({ id: 'control-tower::CT.CLOUDWATCH.PR.99', reason: long }); // no such control
      Validations.of(group).acknowledge({ id: 'control-tower::cloudwatch_log_group_retention_period_check', reason: long }); // cfn-guard's name, not the control
      Validations.of(group).acknowledge({ id: 'AwsSolutions::AwsSolutions-IAM4', reason: 'x' }); // another plugin's: not ours to judge
      acknowledgeControl(group, 'CT.CLOUDWATCH.PR.3', long); // fine
      acknowledgeControl(group, 'CT.NETWORK-FIREWALL.PR.1', long); // fine too: service names may have hyphens
      report = new ControlTowerChecks(stack).validate(contextOf(app));
      setCfnGuardLoaderForTesting(undefined);
    });

    const found = (rule: string) => report.violations.filter((v) => v.ruleName === rule).map((v) => v.violatingResources.map((r) => r.constructPath).join());

    it('fails the report with fatal violations (which no acknowledgement can suppress)', () => {
      expect(report.success).toBe(false);
      for (const v of report.violations) expect(v.severity).toBe('fatal');
    });

    it('rejects acknowledgements on the App, a Stage or a Stack, naming where', () => {
      expect(found(ACKNOWLEDGEMENT_RULES.scope).sort()).toEqual(['', 'Branch', 'Branch/Inner']);
      const descriptions = report.violations.filter((v) => v.ruleName === ACKNOWLEDGEMENT_RULES.scope).map((v) => v.description).sort();
      expect(descriptions).toEqual([
        "control-tower::CT.EC2.PR.13 is acknowledged on Stack 'Branch/Inner': it would silence CT.EC2.PR.13 for every resource below it",
        "control-tower::CT.EC2.PR.13 is acknowledged on Stage 'Branch': it would silence CT.EC2.PR.13 for every resource below it",
        'control-tower::CT.EC2.PR.13 is acknowledged on the App: it would silence CT.EC2.PR.13 for every resource below it',
      ]);
    });

    it('rejects a reason shorter than 40 characters', () => {
      expect(found(ACKNOWLEDGEMENT_RULES.reason)).toEqual(['Svc/Logs']);
      expect(report.violations.find((v) => v.ruleName === ACKNOWLEDGEMENT_RULES.reason)!.description).toBe(
        'control-tower::CT.CLOUDWATCH.PR.2 is acknowledged on \'Svc/Logs\' with a reason of less than 40 characters ("test")',
      );
    });

    it('rejects ids that name no control of the rule set, and leaves other plugins\' acknowledgements alone', () => {
      const control = report.violations.filter((v) => v.ruleName === ACKNOWLEDGEMENT_RULES.control);
      expect(control.map((v) => v.description).sort()).toEqual([
        "control-tower::CT.CLOUDWATCH.PR.99 is acknowledged on 'Svc/Logs' but names no control of @cdklabs/cdk-validator-cfnguard 9.9.9",
        "control-tower::cloudwatch_log_group_retention_period_check is acknowledged on 'Svc/Logs' but names no control of @cdklabs/cdk-validator-cfnguard 9.9.9",
      ]);
      expect(report.violations).toHaveLength(3 + 1 + 2);
    });
  });

  it('walks the app under validation when constructed without a scope', () => {
    setCfnGuardLoaderForTesting(() => fakeCfnGuard(NO_VIOLATIONS));
    const app = new App();
    const stack = new Stack(app, 'S');
    Validations.of(stack).acknowledge({ id: 'control-tower::CT.EC2.PR.13', reason: 'a reason long enough to pass the length check' });
    const report = new ControlTowerChecks().validate(contextOf(app));
    expect(report.violations.map((v) => [v.ruleName, v.violatingResources[0].constructPath])).toEqual([[ACKNOWLEDGEMENT_RULES.scope, 'S']]);
  });
});

describe('acknowledgeControl', () => {
  const stack = () => new Stack(new App(), 'S');

  it('records the acknowledgement as control-tower::<control> with its reason', () => {
    const s = stack();
    const group = logGroup(s, 'Logs');
    acknowledgeControl(group, 'CT.CLOUDWATCH.PR.2', REASON);
    ControlTowerChecks.acknowledge(group, 'CT.CLOUDWATCH.PR.3', REASON);
    const data = group.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data);
    expect(data).toEqual([{ 'control-tower::CT.CLOUDWATCH.PR.2': REASON }, { 'control-tower::CT.CLOUDWATCH.PR.3': REASON }]);
  });

  it.each(['CT.EC2.8', 'ct.ec2.pr.8', 'CT.EC2.PR.', 'CT.EC2.PR.08', 'AwsSolutions-IAM4', 'control-tower::CT.EC2.PR.8', ' CT.EC2.PR.8'])('rejects the control id %j', (control) => {
    const s = stack();
    const e = orchestrationErrorFrom(() => acknowledgeControl(s, control, REASON));
    expect(e.path).toBe('S');
    expect(e.prop).toBe('control');
    expect(e.message).toBe(`S: control (${JSON.stringify(control)}) must be a Control Tower proactive control id as the gate reports it: CT.<SERVICE>.PR.<n>, e.g. CT.LAMBDA.PR.3`);
  });

  it('rejects a reason shorter than 40 characters', () => {
    const s = stack();
    expect(() => acknowledgeControl(s, 'CT.EC2.PR.8', 'because')).toThrow('S: reason ("because") must say why this construct cannot meet CT.EC2.PR.8, in at least 40 characters');
    expect(() => acknowledgeControl(s, 'CT.EC2.PR.8', ' '.repeat(50))).toThrow(OrchestrationError);
  });
});

describe('@cdklabs/cdk-validator-cfnguard is an optional peer dependency', () => {
  afterEach(() => setCfnGuardLoaderForTesting(undefined));

  const notFound = (pkg: string) => Object.assign(new Error(`Cannot find module '${pkg}'\nRequire stack:\n- ${__filename}`), { code: 'MODULE_NOT_FOUND' });

  it('without it, creating the gate throws an error naming the command that installs it', () => {
    setCfnGuardLoaderForTesting((pkg) => { throw notFound(pkg); });
    const app = new App();
    const e = orchestrationErrorFrom(() => new ControlTowerChecks(app));
    expect(CFNGUARD_INSTALL).toBe('npm install -D @cdklabs/cdk-validator-cfnguard');
    expect(e.prop).toBe(CFNGUARD_PACKAGE);
    expect(e.message).toContain('`npm install -D @cdklabs/cdk-validator-cfnguard`');
    expect(e.message).toMatch(/^@cdklabs\/cdk-validator-cfnguard \(undefined\) is required by ControlTowerChecks/);
  });

  it('a broken install (a module it requires is missing) is not mistaken for a missing package', () => {
    setCfnGuardLoaderForTesting(() => { throw notFound('some-dependency'); });
    expect(() => new ControlTowerChecks()).toThrow("Cannot find module 'some-dependency'");
  });

  it('importing the library and the gate\'s module does not load it (only creating the gate does)', () => {
    const tsx = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const script = `
      const loaded = () => Object.keys(require.cache).some((f) => f.includes('cdk-validator-cfnguard'));
      require(${JSON.stringify(path.join(ROOT, 'index.ts'))});
      const { ControlTowerChecks } = require(${JSON.stringify(path.join(ROOT, 'constructs/shared/compliance.ts'))});
      const before = loaded();
      new ControlTowerChecks();
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const run = spawnSync(process.execPath, ['--import', tsx, '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ before: false, after: true });
  });
});
