import { Duration, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkDuration, checkInteger, checkKnownProps, checkOneOf, checkType, checkWholeUnits, durationIn } from '../../lib/validate';

/** How CodeDeploy moves the alias's traffic to a new version. */
export type TrafficShiftType = 'canary' | 'linear' | 'all-at-once';

/** A traffic shift: CodeDeploy's canary, linear or all-at-once deployment of a Lambda alias. */
export interface TrafficShift {
  /** The kind of shift. A concrete value: it decides which CodeDeploy config the group uses. */
  readonly type: TrafficShiftType;
  /**
   * Share of traffic moved to the new version in the first step (canary) or in each step
   * (linear), in whole percent. Not used by `all-at-once`. A deploy-time value (token) is passed
   * to a custom CodeDeploy config.
   * @default 10
   */
  readonly percentage?: number;
  /**
   * Time between steps, in whole minutes (CodeDeploy's unit), from 1 minute to 48 hours.
   * Not used by `all-at-once`. A deploy-time value must be written `Duration.minutes(token)`.
   * @default Duration.minutes(5) for canary, Duration.minutes(1) for linear
   */
  readonly interval?: Duration;
}

/** Every prop of {@link TrafficShift}: typed so that a prop added to the interface and not here fails to compile. */
const TRAFFIC_SHIFT_PROPS: Record<keyof TrafficShift, true> = { type: true, percentage: true, interval: true };

/** The default: 10 % for 5 minutes, then the rest. */
export const DEFAULT_TRAFFIC_SHIFT: TrafficShift = { type: 'canary', percentage: 10, interval: Duration.minutes(5) };

const PREDEFINED: Record<string, codedeploy.ILambdaDeploymentConfig> = {
  'canary/10/5': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'canary/10/10': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  'canary/10/15': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  'canary/10/30': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  'linear/10/1': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'linear/10/2': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  'linear/10/3': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  'linear/10/10': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};

/** Checks a traffic shift and fills in its defaults. */
export function resolveTrafficShift(where: Construct, shift: TrafficShift | undefined, prop = 'trafficShift'): Required<TrafficShift> {
  checkKnownProps(where, shift, TRAFFIC_SHIFT_PROPS, `${prop}.`);
  const s = shift ?? DEFAULT_TRAFFIC_SHIFT;
  if (s.type === undefined) throw new OrchestrationError(where, `${prop}.type`, s.type, 'is required: "canary", "linear" or "all-at-once"');
  checkConcrete(where, `${prop}.type`, s.type, 'it decides whether CodeDeploy uses a predefined config, a custom one or all-at-once');
  checkOneOf(where, `${prop}.type`, s.type, ['canary', 'linear', 'all-at-once'] as const);
  if (s.type === 'all-at-once') {
    for (const key of ['percentage', 'interval'] as const) {
      if (s[key] !== undefined) {
        throw new OrchestrationError(where, `${prop}.${key}`, s[key], 'does not apply to an all-at-once shift: remove it, or use a canary or linear shift');
      }
    }
    return { type: 'all-at-once', percentage: 100, interval: Duration.minutes(0) };
  }
  checkType(where, `${prop}.percentage`, s.percentage, 'number');
  const percentage = s.percentage ?? 10;
  checkInteger(where, `${prop}.percentage`, percentage, { min: 1, max: 99 });
  const interval = s.interval ?? (s.type === 'canary' ? Duration.minutes(5) : Duration.minutes(1));
  checkDuration(where, `${prop}.interval`, interval, { min: Duration.minutes(1), max: Duration.hours(48) });
  checkWholeUnits(where, `${prop}.interval`, interval, 'minutes', 'must be a whole number of minutes (CodeDeploy counts in minutes)');
  durationIn(where, `${prop}.interval`, interval, 'minutes', "CodeDeploy's interval counts minutes");
  return { type: s.type, percentage, interval };
}

/**
 * A predefined CodeDeploy config when one matches, else a custom one created under `scope`
 * (always custom when the percentage or interval is a deploy-time value: it renders the token).
 */
export function deploymentConfigFor(scope: Construct, shift: Required<TrafficShift>): codedeploy.ILambdaDeploymentConfig {
  if (shift.type === 'all-at-once') return codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE;
  const known = !Token.isUnresolved(shift.percentage) && !shift.interval.isUnresolved();
  const predefined = known ? PREDEFINED[`${shift.type}/${shift.percentage}/${shift.interval.toMinutes()}`] : undefined;
  if (predefined) return predefined;
  const trafficRouting =
    shift.type === 'canary'
      ? codedeploy.TrafficRouting.timeBasedCanary({ percentage: shift.percentage, interval: shift.interval })
      : codedeploy.TrafficRouting.timeBasedLinear({ percentage: shift.percentage, interval: shift.interval });
  return new codedeploy.LambdaDeploymentConfig(scope, 'DeploymentConfig', { trafficRouting });
}

/**
 * Worst-case minutes a shift takes before all traffic is on the new version. Needs concrete values:
 * throws our error when the percentage or interval is only known at deploy time.
 */
export function trafficShiftMinutes(shift: Required<TrafficShift>): number {
  if (shift.type === 'all-at-once') return 0;
  if (Token.isUnresolved(shift.percentage) || shift.interval.isUnresolved()) {
    throw new OrchestrationError(undefined, 'trafficShift', { percentage: shift.percentage, interval: shift.interval.toHumanString() }, 'has a deploy-time percentage or interval: how long the shift takes is only known at deploy time');
  }
  const minutes = shift.interval.toMinutes();
  if (shift.type === 'canary') return minutes;
  return (Math.ceil(100 / shift.percentage) - 1) * minutes;
}
