import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';

/**
 * Checks of the server style that lib/validate.ts does not have (yet): values that must be known
 * at synth, and Durations that come from a deploy-time value. Not API: never re-exported.
 */

type Where = IConstruct | string | undefined;

/** Whether a value (a number, a string, a Duration or a list of them) is only known at deploy time. */
export function isDeployTime(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (value instanceof Duration) return value.isUnresolved();
  if (Array.isArray(value)) return value.some(isDeployTime);
  return Token.isUnresolved(value);
}

/**
 * A value the construct needs at synth (it decides how many resources exist, or is rendered into a
 * file or script that is checked or quoted at synth): a deploy-time token gets our error, saying why.
 */
export function checkConcrete(where: Where, prop: string, value: unknown, why: string): void {
  if (!isDeployTime(value)) return;
  throw new OrchestrationError(where, prop, shown(value), `must be a concrete value, not a deploy-time token: ${why}`);
}

/**
 * A whole-seconds Duration as a number of seconds (a token stays a token). A deploy-time Duration
 * given in another unit (`Duration.minutes(param.valueAsNumber)`) cannot be converted at synth:
 * our error instead of aws-cdk-lib's unscoped one. Check whole units first (`checkWholeUnits`).
 */
export function secondsOf(where: Where, prop: string, value: Duration): number {
  if (!value.isUnresolved()) return value.toSeconds();
  try {
    return value.toSeconds();
  } catch {
    throw new OrchestrationError(where, prop, value, 'comes from a deploy-time value, so it must be given in seconds: Duration.seconds(value), which CloudFormation receives as is');
  }
}

/** A token shown in an error as `${Token[...]}` rather than as the huge negative number that encodes it. */
function shown(value: unknown): unknown {
  if (typeof value === 'number') return Token.asString(value);
  if (Array.isArray(value)) return value.map(shown);
  return value;
}
