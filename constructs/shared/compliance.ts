// The Control Tower gate: AWS Control Tower's proactive controls (the cfn-guard rules and binary that
// `@cdklabs/cdk-validator-cfnguard` ships) as a CDK validation plugin that honours per-construct
// acknowledgements. The package is an optional peer dependency, loaded when the plugin is created:
// importing this module (or the library) does not need it.
import { Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolatingResource, PolicyViolation } from 'aws-cdk-lib';
import type * as CfnGuard from '@cdklabs/cdk-validator-cfnguard';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';

/** The name of the Control Tower gate's validation plugin: the namespace of its acknowledgements (`control-tower::CT.EC2.PR.13`). */
export const CONTROL_TOWER_PLUGIN = 'control-tower';

/** The package whose rules and cfn-guard binary the gate runs (an optional peer dependency of cdk-orchestration). */
export const CFNGUARD_PACKAGE = '@cdklabs/cdk-validator-cfnguard';

/** The command that installs it. */
export const CFNGUARD_INSTALL = `npm install -D ${CFNGUARD_PACKAGE}`;

/** The shortest reason an acknowledgement may give: long enough to say why this construct cannot comply. */
export const MIN_ACKNOWLEDGEMENT_REASON = 40;

/** The rule names of the gate's own findings about acknowledgements (not Control Tower controls). */
export const ACKNOWLEDGEMENT_RULES = {
  /** A control acknowledged on an App, Stage or Stack: it would silence the control for every resource below. */
  scope: 'acknowledgement-scope',
  /** A reason shorter than MIN_ACKNOWLEDGEMENT_REASON characters. */
  reason: 'acknowledgement-reason',
  /** An id under `control-tower::` that names no control of the installed rule set. */
  control: 'acknowledgement-control',
} as const;

/** A Control Tower proactive control id as the gate reports it: `CT.<SERVICE>.PR.<n>` (`CT.EC2.PR.13`, `CT.NETWORK-FIREWALL.PR.1`). */
const CONTROL_ID = /^CT\.[A-Z0-9]+(?:-[A-Z0-9]+)*\.PR\.[1-9]\d*$/;

/** The `[CT.EC2.PR.13]` prefix of a cfn-guard rule's message: the control the rule implements. */
const CONTROL_PREFIX = /^\[(CT\.[A-Z0-9]+(?:-[A-Z0-9]+)*\.PR\.\d+)\]/;

/** A control id as CfnGuardValidator's ruleIds spell it (from the rule's file name): `CT.EC2.PR.13` -> `ec2pr13`. */
function ruleIdOf(control: string): string {
  return control.toLowerCase().replace(/^ct\./, '').replace(/[.-]/g, '');
}

/**
 * Acknowledges one AWS Control Tower proactive control (as the Control Tower gate reports it,
 * e.g. `CT.LAMBDA.PR.3`) on the construct that causes the violation, with a reason specific to
 * that construct. The gate drops a violation only when the violating resource or one of its
 * parents below the stack carries the acknowledgement, and reports it as suppressed (under
 * `suppressedViolations` in cdk.out/validation-report.json, with the reason). The gate rejects an
 * acknowledgement on an App, Stage or Stack, and one whose reason is shorter than 40 characters.
 *
 * Only for controls that the construct cannot meet for a reason of its own: a setting that can be
 * made compliant (log retention, encryption, deletion protection ...) is set, not acknowledged.
 *
 * @param control the control id, `CT.<SERVICE>.PR.<n>`
 */
export function acknowledgeControl(scope: IConstruct, control: string, reason: string): void {
  if (typeof control !== 'string' || !CONTROL_ID.test(control)) {
    throw new OrchestrationError(scope, 'control', control, 'must be a Control Tower proactive control id as the gate reports it: CT.<SERVICE>.PR.<n>, e.g. CT.LAMBDA.PR.3');
  }
  if (typeof reason !== 'string' || reason.trim().length < MIN_ACKNOWLEDGEMENT_REASON) {
    throw new OrchestrationError(scope, 'reason', reason, `must say why this construct cannot meet ${control}, in at least ${MIN_ACKNOWLEDGEMENT_REASON} characters`);
  }
  Validations.of(scope).acknowledge({ id: `${CONTROL_TOWER_PLUGIN}::${control}`, reason });
}

/** How the gate loads `@cdklabs/cdk-validator-cfnguard` (`require` by default; tests pass another). */
export type CfnGuardLoader = (pkg: string) => unknown;

const nodeRequire: CfnGuardLoader = (pkg) => require(pkg);
let loader: CfnGuardLoader = nodeRequire;

/** Replaces the loader (undefined restores `require`), so that tests can simulate a missing package. Only for tests. */
export function setCfnGuardLoaderForTesting(load: CfnGuardLoader | undefined): void {
  loader = load ?? nodeRequire;
}

/** True when `err` says that `pkg` itself cannot be found (not a module it requires). */
function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const notFound = e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND';
  const message = typeof e?.message === 'string' ? e.message : '';
  return notFound && (message.startsWith(`Cannot find module '${pkg}'`) || message.startsWith(`Cannot find package '${pkg}'`));
}

/** `@cdklabs/cdk-validator-cfnguard`, or an OrchestrationError at `where` naming the command that installs it. */
function loadCfnGuard(where: IConstruct | undefined): typeof CfnGuard {
  try {
    return loader(CFNGUARD_PACKAGE) as typeof CfnGuard;
  } catch (err) {
    if (!isMissingPackage(err, CFNGUARD_PACKAGE)) throw err;
    throw new OrchestrationError(
      where,
      CFNGUARD_PACKAGE,
      undefined,
      `is required by ControlTowerChecks, which runs its Control Tower rules with cfn-guard (an optional peer dependency of cdk-orchestration, not installed with it): \`${CFNGUARD_INSTALL}\``,
    );
  }
}

/**
 * AWS Control Tower's proactive controls as a validation plugin: every cfn-guard rule of
 * `@cdklabs/cdk-validator-cfnguard` (no rule disabled), over every stack of the app, beside
 * cdk-nag: `Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks(app))`.
 *
 * Synth fails on any violation that is not acknowledged with `acknowledgeControl` (or
 * `ControlTowerChecks.acknowledge`) on the violating construct or one of its parents below the
 * stack. The plugin differs from `CfnGuardValidator` in three ways:
 * - each violation is named by its control (`CT.EC2.PR.13`, from the rule's message), so that
 *   acknowledgements read `control-tower::CT.EC2.PR.13`;
 * - each violation has severity `error`: aws-cdk-lib recomputes a report's success from its
 *   remaining violations' severities once one is acknowledged, and cfn-guard's carry none, so one
 *   acknowledgement would otherwise pass the whole report;
 * - an acknowledgement under `control-tower::` on an App, Stage or Stack, with a reason shorter than
 *   40 characters, or naming no control of the rule set, is a violation of its own (severity
 *   `fatal`: it cannot be acknowledged away).
 *
 * Needs `@cdklabs/cdk-validator-cfnguard` (an optional peer dependency): without it the
 * constructor throws an error naming `npm install -D @cdklabs/cdk-validator-cfnguard`.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  /**
   * Acknowledges a control on the construct that causes the violation (what `acknowledgeControl`
   * does, for languages without free functions).
   *
   * @param control the control id, `CT.<SERVICE>.PR.<n>`
   * @param reason why this construct cannot meet the control (40 characters or more)
   */
  public static acknowledge(scope: IConstruct, control: string, reason: string): void {
    acknowledgeControl(scope, control, reason);
  }

  /** `control-tower`: the prefix of the acknowledgement ids. */
  public readonly name: string = CONTROL_TOWER_PLUGIN;
  /** The version of `@cdklabs/cdk-validator-cfnguard`, whose rules the plugin runs. */
  public readonly version?: string;
  /** The controls the plugin evaluates, as `CfnGuardValidator` names them (`cloudwatchpr2`). */
  public readonly ruleIds?: string[];
  private readonly inner: IPolicyValidationPlugin;
  private readonly scope?: IConstruct;
  /** The version of the cfn-guard binary the package ships (its guard-version.json), when it says. */
  private readonly guardVersion?: string;

  /**
   * @param scope any construct of the app whose acknowledgements the plugin checks (its whole tree,
   *   from the root, is walked). @default - the app under validation
   */
  constructor(scope?: IConstruct) {
    const { CfnGuardValidator } = loadCfnGuard(scope);
    // No disabledRules: a control is dropped per resource, by acknowledgement, never app-wide.
    // maxBuffer: cfn-guard's JSON for the four sample stacks is several MB (Node's default is 1 MB).
    this.inner = new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 256 * 1024 * 1024 });
    this.version = this.inner.version;
    this.ruleIds = this.inner.ruleIds;
    this.scope = scope;
    try {
      const guard = loader(`${CFNGUARD_PACKAGE}/guard-version.json`) as { version?: unknown } | undefined;
      this.guardVersion = typeof guard?.version === 'string' ? guard.version : undefined;
    } catch {
      this.guardVersion = undefined; // only for the report's metadata
    }
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.inner.validate(context);
    const violations: PolicyViolation[] = report.violations.map((v) => ({
      ...v,
      ruleName: CONTROL_PREFIX.exec(v.description)?.[1] ?? v.ruleName,
      severity: 'error',
      violatingResources: v.violatingResources.map((r) => ({ ...r, locations: [...new Set(r.locations)] })),
    }));
    const root = this.scope?.node.root ?? context.appConstruct;
    if (root) violations.push(...this.acknowledgementViolations(root));
    return {
      success: violations.length === 0,
      violations,
      // In cdk.out/validation-report.json: which rules judged the templates.
      metadata: {
        rules: `${CFNGUARD_PACKAGE} ${this.version ?? '(version unknown)'}: AWS Control Tower proactive controls, none disabled`,
        ...(this.guardVersion ? { cfnGuard: this.guardVersion } : {}),
      },
    };
  }

  /** The gate's findings about `control-tower::` acknowledgements anywhere in the tree. */
  private acknowledgementViolations(root: IConstruct): PolicyViolation[] {
    const known = new Set((this.ruleIds ?? []).map((id) => id.toLowerCase()));
    const found = new Map<string, { description: string; fix: string; resources: PolicyViolatingResource[] }>();
    // One violation per rule, construct and acknowledgement (the same acknowledgement made twice counts once).
    const add = (rule: string, description: string, fix: string, path: string) => {
      const key = `${rule}\u0000${description}`;
      if (!found.has(key)) found.set(key, { description, fix, resources: [{ constructPath: path, locations: [] }] });
    };
    for (const construct of root.node.findAll()) {
      const path = construct.node.path;
      const where = path === '' ? 'the App' : `'${path}'`;
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data || typeof entry.data !== 'object') continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
          if (!id.startsWith(`${CONTROL_TOWER_PLUGIN}::`)) continue;
          const control = id.slice(CONTROL_TOWER_PLUGIN.length + 2);
          if (Stage.isStage(construct) || Stack.isStack(construct)) {
            const on = path === '' ? 'the App' : `${Stage.isStage(construct) ? 'Stage' : 'Stack'} '${path}'`;
            add(
              ACKNOWLEDGEMENT_RULES.scope,
              `${id} is acknowledged on ${on}: it would silence ${control} for every resource below it`,
              `Acknowledge ${control} on the construct that violates it (the resource or its L2), with a reason specific to it: acknowledgeControl(resource, '${control}', '...')`,
              path,
            );
          }
          if (typeof reason !== 'string' || reason.trim().length < MIN_ACKNOWLEDGEMENT_REASON) {
            add(
              ACKNOWLEDGEMENT_RULES.reason,
              `${id} is acknowledged on ${where} with a reason of less than ${MIN_ACKNOWLEDGEMENT_REASON} characters (${JSON.stringify(reason)})`,
              `Say why this construct cannot meet ${control}, specifically (${MIN_ACKNOWLEDGEMENT_REASON} characters or more)`,
              path,
            );
          }
          if (!CONTROL_ID.test(control) || (known.size > 0 && !known.has(ruleIdOf(control)))) {
            add(
              ACKNOWLEDGEMENT_RULES.control,
              `${id} is acknowledged on ${where} but names no control of ${CFNGUARD_PACKAGE} ${this.version ?? ''}`.trimEnd(),
              'Use the control id the gate reports (CT.<SERVICE>.PR.<n>), or remove the acknowledgement',
              path,
            );
          }
        }
      }
    }
    return [...found.entries()].map(([key, f]) => ({
      ruleName: key.split('\u0000')[0],
      description: f.description,
      fix: f.fix,
      severity: 'fatal',
      violatingResources: f.resources,
    }));
  }
}
