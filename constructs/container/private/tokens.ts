import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';

/**
 * Deploy-time values (tokens) in the container style: what the chart can pass through to the
 * manifest (CloudFormation resolves it inside the `Manifest` property) and what must be known at synth.
 * Not part of the public API.
 */

type Where = IConstruct | string;

/** Whether a value is only known at deploy time (a string, number or Duration token). */
export function isDeployTime(value: unknown): boolean {
  if (value instanceof Duration) return value.isUnresolved();
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

/** A number as text that keeps a token a token (`String(token)` would render the token's encoding). */
export function numberText(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}

/** How a token shows in an error: its string form, not the encoded number. */
function shown(value: unknown): unknown {
  if (typeof value === 'number' && Token.isUnresolved(value)) return Token.asString(value);
  if (value instanceof Duration) return `a Duration of a deploy-time amount (${value.toString()})`;
  return value;
}

/** Throws our error when `value` is a token: it must be known at synth, and `why` says why. */
export function requireConcrete(where: Where, prop: string, value: unknown, why: string): void {
  if (!isDeployTime(value)) return;
  throw new OrchestrationError(where, prop, shown(value), `must be a concrete value, not a deploy-time token: ${why}`);
}

/**
 * A Duration in whole seconds for Kubernetes: a token passes through when the Duration is in
 * seconds (`Duration.seconds(param.valueAsNumber)`); another unit cannot be converted at synth.
 */
export function secondsOf(where: Where, prop: string, value: Duration): number {
  if (!value.isUnresolved()) return value.toSeconds();
  try {
    return value.toSeconds();
  } catch {
    throw new OrchestrationError(where, prop, shown(value), 'must be Duration.seconds(...) when its amount is a deploy-time value (Kubernetes counts in seconds, and a token cannot be converted from another unit)');
  }
}

/**
 * Walks a JSON value: returns a copy in which every token is replaced by '<token>' (so a hash of it
 * is the same on every synth) and the tokens themselves, as strings, in order of appearance.
 */
export function separateTokens(value: unknown): { normalised: unknown; tokens: string[] } {
  const tokens: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number' && Token.isUnresolved(v)) {
      tokens.push(Token.asString(v));
      return '<token>';
    }
    if (typeof v === 'string') {
      if (!Token.isUnresolved(v)) return v;
      tokens.push(v);
      return v.replace(/\$\{Token\[[^\]]*\]\}/g, '<token>');
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { normalised: walk(value), tokens };
}
