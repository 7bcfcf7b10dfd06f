import { Duration, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkDuration, checkInteger, checkType, checkWholeUnits, durationIn } from '../../lib/validate';

/** The kinds of shift (not API: the class's factories are). */
type ShiftKind = 'canary' | 'linear' | 'all-at-once';

const FACTORIES = 'TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()';

/**
 * How CodeDeploy moves a Lambda alias's traffic from the old version to the new one: a canary
 * (a share first, the rest after one interval), linear steps (the same share every interval), or
 * all at once. Made with the static factories; a predefined CodeDeploy config is used when one
 * matches, a custom one is created otherwise.
 *
 * @example
 * new FunctionService(this, 'Service', {
 *   app: { source: AppSource.fromDirectory(path.join(__dirname, 'app')) },
 *   trafficShift: TrafficShift.linear(20, Duration.minutes(2)),
 * });
 */
export class TrafficShift {
  /**
   * A canary: `percentage` of the traffic moves to the new version, the rest `interval` later.
   *
   * @param percentage share of traffic moved in the first step, whole percent from 1 to 99. A
   * deploy-time value (token) is passed to a custom CodeDeploy config. Default: 10.
   * @param interval time before the rest moves, whole minutes from 1 minute to 48 hours (CodeDeploy's
   * unit). A deploy-time value must be written `Duration.minutes(token)`. Default: 5 minutes.
   */
  public static canary(percentage?: number, interval?: Duration): TrafficShift {
    return TrafficShift.stepped('canary', percentage, interval ?? Duration.minutes(5));
  }

  /**
   * Linear steps: `percentage` of the traffic moves to the new version every `interval`.
   *
   * @param percentage share of traffic moved in each step, whole percent from 1 to 99. A
   * deploy-time value (token) is passed to a custom CodeDeploy config. Default: 10.
   * @param interval time between steps, whole minutes from 1 minute to 48 hours (CodeDeploy's
   * unit). A deploy-time value must be written `Duration.minutes(token)`. Default: 1 minute.
   */
  public static linear(percentage?: number, interval?: Duration): TrafficShift {
    return TrafficShift.stepped('linear', percentage, interval ?? Duration.minutes(1));
  }

  /** All the traffic moves to the new version at once (the alarms can still roll it back). */
  public static allAtOnce(): TrafficShift {
    // A plain-JavaScript caller's `allAtOnce(10)` would otherwise lose the 10 silently.
    if (arguments.length > 0) {
      throw new OrchestrationError('', 'TrafficShift.allAtOnce()', Array.from(arguments), 'takes no arguments: a percentage and an interval apply to TrafficShift.canary() or TrafficShift.linear()');
    }
    return new TrafficShift('all-at-once', undefined, undefined);
  }

  /**
   * Whether a value is a TrafficShift made by the factories; for a value from plain JavaScript (or
   * another language) our error naming `prop` otherwise, never a TypeError later.
   * @internal
   */
  public static _check(where: Construct, prop: string, value: unknown): TrafficShift | undefined {
    if (value === undefined || value instanceof TrafficShift) return value;
    throw new OrchestrationError(where, prop, value, `must be made with ${FACTORIES}`);
  }

  private static stepped(kind: 'canary' | 'linear', percentage: number | undefined, interval: Duration): TrafficShift {
    // No construct exists yet: the error names the factory and its parameter, as AppSource's do.
    const pct = `TrafficShift.${kind}(percentage)`;
    const every = `TrafficShift.${kind}(interval)`;
    checkType('', pct, percentage, 'number');
    checkInteger('', pct, percentage, { min: 1, max: 99 });
    checkDuration('', every, interval, { min: Duration.minutes(1), max: Duration.hours(48) });
    checkWholeUnits('', every, interval, 'minutes', 'must be a whole number of minutes (CodeDeploy counts in minutes)');
    durationIn('', every, interval, 'minutes', "CodeDeploy's interval counts minutes");
    return new TrafficShift(kind, percentage ?? 10, interval);
  }

  /**
   * The share of traffic moved in the first step (canary) or in each step (linear), in percent.
   * @default - undefined for an all-at-once shift
   */
  public readonly percentage?: number;

  /**
   * The time before the rest moves (canary) or between steps (linear).
   * @default - undefined for an all-at-once shift
   */
  public readonly interval?: Duration;

  /** @internal */
  public readonly _kind: ShiftKind;

  private constructor(kind: ShiftKind, percentage: number | undefined, interval: Duration | undefined) {
    this._kind = kind;
    this.percentage = percentage;
    this.interval = interval;
  }

  /** The shift in words, for example `canary: 10 %, the rest after 5 minutes`. */
  public toString(): string {
    const pct = Token.isUnresolved(this.percentage) ? Token.asString(this.percentage) : String(this.percentage);
    const every = this.interval?.toHumanString();
    if (this._kind === 'canary') return `canary: ${pct} %, the rest after ${every}`;
    if (this._kind === 'linear') return `linear: ${pct} % every ${every}`;
    return 'all at once';
  }
}

/** The default: 10 % for 5 minutes, then the rest. */
const DEFAULT_TRAFFIC_SHIFT = TrafficShift.canary();

/** A shift with every field known to be there (not API). */
export interface ResolvedTrafficShift {
  readonly kind: ShiftKind;
  /** 100 for all at once. */
  readonly percentage: number;
  /** 0 minutes for all at once. */
  readonly interval: Duration;
}

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

/**
 * Checks the `trafficShift` prop (a TrafficShift, not an object literal from plain JavaScript) and
 * fills in the default. The factories checked the percentage and interval.
 */
export function resolveTrafficShift(where: Construct, shift: TrafficShift | undefined, prop = 'trafficShift'): ResolvedTrafficShift {
  const s = TrafficShift._check(where, prop, shift) ?? DEFAULT_TRAFFIC_SHIFT;
  if (s._kind === 'all-at-once') return { kind: 'all-at-once', percentage: 100, interval: Duration.minutes(0) };
  return { kind: s._kind, percentage: s.percentage!, interval: s.interval! };
}

/**
 * A predefined CodeDeploy config when one matches, else a custom one created under `scope`
 * (always custom when the percentage or interval is a deploy-time value: it renders the token).
 */
export function deploymentConfigFor(scope: Construct, shift: ResolvedTrafficShift): codedeploy.ILambdaDeploymentConfig {
  if (shift.kind === 'all-at-once') return codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE;
  const known = !Token.isUnresolved(shift.percentage) && !shift.interval.isUnresolved();
  const predefined = known ? PREDEFINED[`${shift.kind}/${shift.percentage}/${shift.interval.toMinutes()}`] : undefined;
  if (predefined) return predefined;
  const trafficRouting =
    shift.kind === 'canary'
      ? codedeploy.TrafficRouting.timeBasedCanary({ percentage: shift.percentage, interval: shift.interval })
      : codedeploy.TrafficRouting.timeBasedLinear({ percentage: shift.percentage, interval: shift.interval });
  return new codedeploy.LambdaDeploymentConfig(scope, 'DeploymentConfig', { trafficRouting });
}

/**
 * Worst-case minutes a shift takes before all traffic is on the new version. Needs concrete values:
 * throws our error when the percentage or interval is only known at deploy time.
 */
export function trafficShiftMinutes(shift: ResolvedTrafficShift): number {
  if (shift.kind === 'all-at-once') return 0;
  if (Token.isUnresolved(shift.percentage) || shift.interval.isUnresolved()) {
    throw new OrchestrationError(undefined, 'trafficShift', { percentage: shift.percentage, interval: shift.interval.toHumanString() }, 'has a deploy-time percentage or interval: how long the shift takes is only known at deploy time');
  }
  const minutes = shift.interval.toMinutes();
  if (shift.kind === 'canary') return minutes;
  return (Math.ceil(100 / shift.percentage) - 1) * minutes;
}
