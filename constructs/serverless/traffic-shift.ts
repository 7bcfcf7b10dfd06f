import { Duration } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkDuration, checkInteger, checkOneOf, checkWholeUnits } from '../../lib/validate';

/** How CodeDeploy moves the alias's traffic to a new version. */
export type TrafficShiftType = 'canary' | 'linear' | 'all-at-once';

/** A traffic shift: CodeDeploy's canary, linear or all-at-once deployment of a Lambda alias. */
export interface TrafficShift {
  /** The kind of shift. */
  readonly type: TrafficShiftType;
  /**
   * Share of traffic moved to the new version in the first step (canary) or in each step
   * (linear), in whole percent. Not used by `all-at-once`.
   * @default 10
   */
  readonly percentage?: number;
  /**
   * Time between steps, in whole minutes (CodeDeploy's unit), from 1 minute to 48 hours.
   * Not used by `all-at-once`.
   * @default Duration.minutes(5) for canary, Duration.minutes(1) for linear
   */
  readonly interval?: Duration;
}

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
  const s = shift ?? DEFAULT_TRAFFIC_SHIFT;
  checkOneOf(where, `${prop}.type`, s.type, ['canary', 'linear', 'all-at-once'] as const);
  if (s.type === 'all-at-once') {
    if (s.percentage !== undefined || s.interval !== undefined) {
      throw new OrchestrationError(where, `${prop}.percentage/interval`, { percentage: s.percentage, interval: s.interval?.toHumanString() }, 'do not apply to an all-at-once shift; remove them or use canary or linear');
    }
    return { type: 'all-at-once', percentage: 100, interval: Duration.minutes(0) };
  }
  const percentage = s.percentage ?? 10;
  checkInteger(where, `${prop}.percentage`, percentage, { min: 1, max: 99 });
  const interval = s.interval ?? (s.type === 'canary' ? Duration.minutes(5) : Duration.minutes(1));
  checkDuration(where, `${prop}.interval`, interval, { min: Duration.minutes(1), max: Duration.hours(48) });
  checkWholeUnits(where, `${prop}.interval`, interval, 'minutes', 'must be a whole number of minutes (CodeDeploy counts in minutes)');
  return { type: s.type, percentage, interval };
}

/** A predefined CodeDeploy config when one matches, else a custom one created under `scope`. */
export function deploymentConfigFor(scope: Construct, shift: Required<TrafficShift>): codedeploy.ILambdaDeploymentConfig {
  if (shift.type === 'all-at-once') return codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE;
  const minutes = shift.interval.toMinutes();
  const predefined = PREDEFINED[`${shift.type}/${shift.percentage}/${minutes}`];
  if (predefined) return predefined;
  const trafficRouting =
    shift.type === 'canary'
      ? codedeploy.TrafficRouting.timeBasedCanary({ percentage: shift.percentage, interval: shift.interval })
      : codedeploy.TrafficRouting.timeBasedLinear({ percentage: shift.percentage, interval: shift.interval });
  return new codedeploy.LambdaDeploymentConfig(scope, 'DeploymentConfig', { trafficRouting });
}

/** Worst-case minutes a shift takes before all traffic is on the new version. */
export function trafficShiftMinutes(shift: Required<TrafficShift>): number {
  if (shift.type === 'all-at-once') return 0;
  const minutes = shift.interval.toMinutes();
  if (shift.type === 'canary') return minutes;
  return (Math.ceil(100 / shift.percentage) - 1) * minutes;
}
