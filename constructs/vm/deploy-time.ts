import { type Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { checkDuration, checkWholeUnits, durationIn } from '../../lib/validate';

/**
 * Deploy-time values (tokens: a `CfnParameter`, an attribute of another resource) in the vm style.
 * They pass through to every template property CloudFormation accepts them in; the values the
 * construct needs at synth get lib/validate.ts's `checkConcrete` error instead of being replaced.
 */

/**
 * A Duration CloudFormation takes in whole seconds: within `range` and whole seconds when known
 * (`Duration.millis(7500)` gets our error, not aws-cdk-lib's unscoped one), and, when it is a
 * deploy-time value, written in seconds (CloudFormation cannot convert `Duration.minutes(param)`).
 */
export function checkSeconds(where: IConstruct, prop: string, value: Duration | undefined, range: { min: Duration; max: Duration }): void {
  checkDuration(where, prop, value, range);
  checkWholeUnits(where, prop, value, 'seconds', 'must be a whole number of seconds (CloudFormation counts this in seconds)');
  durationIn(where, prop, value, 'seconds', 'its template property counts seconds');
}

/** A number, or `bound` when it is only known at deploy time (for values computed at synth that take the worst case). */
export function knownOr(value: number, bound: number): number {
  return Token.isUnresolved(value) ? bound : value;
}

/** A Duration in seconds, or `boundSeconds` when it is only known at deploy time. */
export function secondsOr(value: Duration, boundSeconds: number): number {
  return value.isUnresolved() ? boundSeconds : value.toSeconds();
}
