import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';

/**
 * Validators only the serverless style uses (not API: never re-exported). Candidates for
 * lib/validate.ts once another style needs them.
 */

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

