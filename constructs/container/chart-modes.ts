import { Token, Tokenization } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkInteger } from '../../lib/validate';

/**
 * A RollingUpdate value (`maxSurge`, `maxUnavailable`): a percentage of the desired replicas or a
 * count of pods, as Kubernetes' `IntOrString` takes it (`"25%"` or `1`).
 *
 * @example
 * new AppChart(app, 'app', { app: description, image: 'app:1', maxSurge: PercentOrCount.percent(50), maxUnavailable: PercentOrCount.count(0) });
 */
export class PercentOrCount {
  /**
   * A whole percentage of the desired replicas, from 0 to 100 (rendered `"N%"`; Kubernetes rounds a
   * surge up and an unavailability down). May be a deploy-time value (`param.valueAsNumber`).
   */
  public static percent(percent: number): PercentOrCount {
    checkAmount('percent', percent, 100);
    return new PercentOrCount(percent, true);
  }

  /** A number of pods, from 0 to 1000. May be a deploy-time value (`param.valueAsNumber`). */
  public static count(count: number): PercentOrCount {
    checkAmount('count', count, 1000);
    return new PercentOrCount(count, false);
  }

  /** The percentage or the count. */
  public readonly amount: number;
  /** Whether {@link amount} is a percentage (else a count of pods). */
  public readonly isPercent: boolean;

  private constructor(amount: number, isPercent: boolean) {
    this.amount = amount;
    this.isPercent = isPercent;
  }

  /** `PercentOrCount.percent(25)` or `PercentOrCount.count(1)`. */
  public toString(): string {
    return `PercentOrCount.${this.isPercent ? 'percent' : 'count'}(${Token.isUnresolved(this.amount) ? Token.asString(this.amount) : this.amount})`;
  }
}

/** What the manifest says: the count, or `"N%"` (with a deploy-time N, a string CloudFormation completes). */
export function manifestValue(value: PercentOrCount): number | string {
  return value.isPercent ? `${Tokenization.stringifyNumber(value.amount)}%` : value.amount;
}

function checkAmount(argument: string, amount: unknown, max: number): void {
  if (typeof amount !== 'number' || Number.isNaN(amount)) {
    throw new OrchestrationError('', `PercentOrCount.${argument}(${argument})`, amount, `takes a number from 0 to ${max}`);
  }
  checkInteger('', `PercentOrCount.${argument}(${argument})`, amount, { min: 0, max });
}

/**
 * Checks a {@link PercentOrCount} prop from any caller: an object literal or a plain number or string
 * (plain JavaScript, another language) gets our error naming the factories; a value made by them is
 * checked again, with the prop's full name.
 */
export function checkPercentOrCount(where: IConstruct | string, prop: string, value: unknown): asserts value is PercentOrCount | undefined {
  if (value === undefined) return;
  if (!(value instanceof PercentOrCount)) {
    throw new OrchestrationError(where, prop, value, 'must be made with PercentOrCount.percent() or PercentOrCount.count(), for example PercentOrCount.percent(25)');
  }
  const max = value.isPercent ? 100 : 1000;
  if (typeof value.amount !== 'number' || Number.isNaN(value.amount)) throw new OrchestrationError(where, prop, value.amount, `must be a number from 0 to ${max}`);
  checkInteger(where, prop, value.amount, { min: 0, max });
}

/**
 * How strictly pods are spread across zones (`topologySpreadConstraints[].whenUnsatisfiable` of the
 * `topology.kubernetes.io/zone` constraint). The values are Kubernetes' own.
 */
export enum ZoneSpread {
  /** Prefer the spread, but schedule a pod anyway when it cannot be kept (`ScheduleAnyway`). */
  SCHEDULE_ANYWAY = 'ScheduleAnyway',
  /** Require the spread: a pod that would skew it stays Pending (`DoNotSchedule`). */
  DO_NOT_SCHEDULE = 'DoNotSchedule',
}

/** When the kubelet pulls the app's image (`imagePullPolicy`). The values are Kubernetes' own. */
export enum ImagePullPolicy {
  /** Pull on every container start (`Always`). */
  ALWAYS = 'Always',
  /** Pull only when the node does not have the image (`IfNotPresent`). */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never pull: the image must already be on the node (`Never`). */
  NEVER = 'Never',
}
