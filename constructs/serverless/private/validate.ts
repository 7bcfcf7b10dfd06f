import { Duration, Token, Tokenization } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';

/**
 * Validators only the serverless style uses (not API: never re-exported). Candidates for
 * lib/validate.ts once another style needs them.
 */

/** The units a deploy-time Duration can be written in so that CloudFormation gets the number as it is. */
type DurationUnit = 'millis' | 'seconds' | 'minutes';

/**
 * A Duration whose amount is a deploy-time value (a token) can only be rendered in the unit it was
 * written in: CloudFormation cannot multiply. aws-cdk-lib throws an unscoped error deep inside for
 * `Duration.minutes(param)` rendered in seconds; this says which prop, and how to write it.
 * `why` names the property that counts in `unit` ("Lambda's Timeout counts seconds").
 */
export function checkTokenDurationUnit(where: IConstruct, prop: string, value: Duration | undefined, unit: DurationUnit, why: string): void {
  if (value === undefined || !(value instanceof Duration) || !value.isUnresolved()) return;
  try {
    if (unit === 'millis') value.toMilliseconds();
    else if (unit === 'seconds') value.toSeconds();
    else value.toMinutes();
  } catch {
    throw new OrchestrationError(where, prop, value, `must be written as Duration.${unit}(...) when its amount is a deploy-time value: ${why}, and CloudFormation cannot convert units`);
  }
}

/** A value that decides what the construct creates (or is used at synth) must not be a token. */
export function checkConcrete(where: IConstruct, prop: string, value: unknown, why: string): void {
  if (value !== undefined && Token.isUnresolved(value)) {
    throw new OrchestrationError(where, prop, value, `must be a concrete value, not a deploy-time value (token): ${why}`);
  }
}

/** An array whose entries are all strings (tokens included), for callers without a type checker. */
export function checkStringArray(where: IConstruct, prop: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new OrchestrationError(where, prop, value, 'must be a list of strings');
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw new OrchestrationError(where, `${prop}[${i}]`, v, 'must be a string');
  });
}

/**
 * An object of a class the construct needs (a `lambda.Code`, an `Architecture`), recognised by a member
 * it uses, so that a plain-JavaScript caller passing a string gets our error rather than a TypeError.
 */
export function checkHasMember(where: IConstruct, prop: string, value: unknown, member: string, memberType: 'function' | 'string' | 'object', allowed: string): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[member] !== memberType || (value as Record<string, unknown>)[member] === null) {
    throw new OrchestrationError(where, prop, value, allowed);
  }
}

/**
 * The bytes of a string that are known at synth: a deploy-time part (a token) counts as 0, so the sum
 * over an environment is a lower bound that never rejects a configuration that might fit.
 */
export function knownBytes(value: string): number {
  if (!Token.isUnresolved(value)) return Buffer.byteLength(value);
  const literal = Tokenization.reverseString(value)
    .mapTokens({ mapToken: () => '' })
    .join({ join: (a: unknown, b: unknown) => `${a ?? ''}${b ?? ''}` });
  return Buffer.byteLength(String(literal ?? ''));
}
