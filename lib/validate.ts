import { Duration, type Size, SizeRoundingBehavior, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { formatValue, OrchestrationError } from './errors';

/**
 * Small validators shared by every construct. Each one skips values that are only known at
 * deploy time (tokens) and throws {@link OrchestrationError} otherwise.
 */

type Where = IConstruct | string | undefined;

/** An integer within [min, max]. Returns the value (or the default when undefined). */
export function checkInteger(where: Where, prop: string, value: number | undefined, range: { min: number; max: number }): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new OrchestrationError(where, prop, value, `must be an integer from ${range.min} to ${range.max}`);
  }
}

/** A number (not necessarily an integer) within [min, max]. */
export function checkNumber(where: Where, prop: string, value: number | undefined, range: { min: number; max: number }): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < range.min || value > range.max) {
    throw new OrchestrationError(where, prop, value, `must be a number from ${range.min} to ${range.max}`);
  }
}

/** A duration within [min, max]. */
export function checkDuration(where: Where, prop: string, value: Duration | undefined, range: { min: Duration; max: Duration }): void {
  if (value === undefined) return;
  checkIsDuration(where, prop, value);
  if (value.isUnresolved()) return;
  const ms = (d: Duration) => d.toMilliseconds({ integral: false });
  if (ms(value) < ms(range.min) || ms(value) > ms(range.max)) {
    throw new OrchestrationError(where, prop, value, `must be from ${range.min.toHumanString()} to ${range.max.toHumanString()}`);
  }
}

/** A value among a fixed list. */
export function checkOneOf<T>(where: Where, prop: string, value: T | undefined, allowed: readonly T[]): void {
  if (value === undefined || (typeof value === 'string' && Token.isUnresolved(value))) return;
  if (!allowed.includes(value)) {
    throw new OrchestrationError(where, prop, value, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
}

/** A string matching a pattern, with a human description of the pattern. */
export function checkPattern(where: Where, prop: string, value: string | undefined, pattern: RegExp, description: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!pattern.test(value)) throw new OrchestrationError(where, prop, value, `must be ${description}`);
}

/** At most one of several props may be set. */
export function checkExclusive(where: Where, props: Record<string, unknown>): void {
  const set = Object.entries(props).filter(([, v]) => v !== undefined);
  if (set.length > 1) {
    throw new OrchestrationError(
      where,
      set.map(([k]) => k).join(' and '),
      Object.fromEntries(set),
      `are mutually exclusive: set only one of ${Object.keys(props).join(', ')}`,
    );
  }
}

/** `lower` must not exceed `upper` (for example minCapacity and maxCapacity). */
export function checkOrdered(where: Where, lowerProp: string, lower: number | undefined, upperProp: string, upper: number | undefined): void {
  if (lower === undefined || upper === undefined || Token.isUnresolved(lower) || Token.isUnresolved(upper)) return;
  if (lower > upper) {
    throw new OrchestrationError(where, lowerProp, lower, `must not exceed ${upperProp} (${upper})`);
  }
}

/**
 * A style prop and the shared app field it stands for (`targetCpuPercent` of a scaling mode and
 * `app.replicas.targetCpuPercent`, `minCapacity` and `app.replicas.min`) must agree when both are set
 * and known; a deploy-time value on either side is not compared. `means` shows the shared value in the
 * style's terms (`which means 80`). Numbers, strings and Durations compare by value.
 */
export function checkAgrees(where: Where, prop: string, value: unknown, sharedProp: string, shared: unknown, means?: string): void {
  if (value === undefined || shared === undefined || isDeployTime(value) || isDeployTime(shared)) return;
  const same = value instanceof Duration && shared instanceof Duration ? value.toMilliseconds({ integral: false }) === shared.toMilliseconds({ integral: false }) : value === shared;
  if (!same) {
    throw new OrchestrationError(where, prop, value, `contradicts ${sharedProp} (${means ?? formatValue(shared)}); set one of them, or make them agree`);
  }
}

/**
 * A storage size (aws-cdk-lib `Size`) that is a whole number of GiB within [min, max] GiB, as the GiB
 * number a template property takes (EBS volume sizes count GiB). A deploy-time amount passes through
 * when written as `Size.gibibytes(param.valueAsNumber)`; `Size.mebibytes(param)` gets our error
 * (CloudFormation cannot convert units), and so does a value that is not a Size (plain JavaScript).
 */
export function sizeInGiB(where: Where, prop: string, value: Size | undefined, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as { toGibibytes?: unknown }).toGibibytes !== 'function') {
    throw new OrchestrationError(where, prop, value, `must be a Size in whole GiB from ${range.min} to ${range.max}, for example Size.gibibytes(20)`);
  }
  if (value.isUnresolved()) {
    try {
      return value.toGibibytes();
    } catch {
      throw new OrchestrationError(where, prop, value.toHumanString(), 'must be written as Size.gibibytes(...) when its amount is a deploy-time value: the volume size counts GiB, and CloudFormation cannot convert units');
    }
  }
  const gib = value.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(gib) || gib < range.min || gib > range.max) {
    throw new OrchestrationError(where, prop, value, `must be a whole number of GiB from ${range.min} to ${range.max} (EBS volume sizes count GiB)`);
  }
  return gib;
}

/**
 * A duration that is a whole number of seconds or minutes (for APIs that count in those units).
 * `allowed` is the message's explanation, e.g. 'must be whole seconds (Kubernetes counts in seconds)'.
 */
export function checkWholeUnits(where: Where, prop: string, value: Duration | undefined, unit: 'seconds' | 'minutes', allowed: string): void {
  if (value === undefined) return;
  checkIsDuration(where, prop, value);
  if (value.isUnresolved()) return;
  const perUnit = unit === 'seconds' ? 1000 : 60_000;
  if (!Number.isInteger(value.toMilliseconds({ integral: false }) / perUnit)) throw new OrchestrationError(where, prop, value, allowed);
}

/**
 * A value a plain-JavaScript (or other-language) caller passed for a `Duration` prop is a Duration
 * (`Duration.seconds(30)`), not a number or a string: our error instead of a TypeError inside.
 */
export function checkIsDuration(where: Where, prop: string, value: unknown): asserts value is Duration | undefined {
  if (value === undefined || value instanceof Duration) return;
  throw new OrchestrationError(where, prop, value, 'must be a Duration, for example Duration.seconds(30)');
}

/** A value of a primitive type, for callers without a type checker (plain JavaScript, other languages). */
export function checkType(where: Where, prop: string, value: unknown, type: 'number' | 'string' | 'boolean'): void {
  if (value === undefined) return;
  if (typeof value !== type || (type === 'number' && Number.isNaN(value))) {
    throw new OrchestrationError(where, prop, value, `must be a ${type}`);
  }
}

/**
 * Rejects props the construct does not know (a typo such as `memsize` from plain JavaScript or another
 * language would otherwise be ignored silently). `known` lists every prop of the props interface; type it
 * `Record<keyof XxxProps, true>` so that a prop added to the interface and not to the list fails to compile.
 * `prefix` names nested objects (`'app.'`).
 */
export function checkKnownProps(where: Where, props: unknown, known: Readonly<Record<string, true>>, prefix = ''): void {
  if (props === undefined) return;
  const name = prefix.replace(/\.$/, '') || 'props';
  if (props === null || typeof props !== 'object' || Array.isArray(props)) throw new OrchestrationError(where, name, props, 'must be an object');
  const names = Object.keys(known);
  for (const key of Object.keys(props)) {
    if (Object.prototype.hasOwnProperty.call(known, key)) continue;
    const close = names.filter((n) => n.toLowerCase().startsWith(key.toLowerCase().slice(0, 3)) || key.toLowerCase().startsWith(n.toLowerCase().slice(0, 3)));
    const hint = close.length > 0 ? `did you mean ${close.map((c) => `${prefix}${c}`).join(' or ')}? ` : '';
    throw new OrchestrationError(where, `${prefix}${key}`, (props as Record<string, unknown>)[key], `is not a known prop: ${hint}known props are ${names.join(', ')}`);
  }
}

/**
 * Whether a value is only known at deploy time (a token: a `CfnParameter`, another resource's
 * attribute): a number, a string, a Duration, an instance type, or a list with one such entry.
 */
export function isDeployTime(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (value instanceof Duration) return value.isUnresolved();
  if (Array.isArray(value)) return Token.isUnresolved(value) || value.some(isDeployTime);
  if (value instanceof ec2.InstanceType) return Token.isUnresolved(value.toString());
  return Token.isUnresolved(value);
}

/**
 * A value the construct needs at synth (it decides which or how many resources exist, or goes into a
 * script, manifest or hash made at synth): a deploy-time value gets our error, and `why` says why.
 */
export function checkConcrete(where: Where, prop: string, value: unknown, why: string): void {
  if (!isDeployTime(value)) return;
  throw new OrchestrationError(where, prop, shownToken(value), `must be a concrete value, not a deploy-time value (token): ${why}`);
}

/**
 * A Duration's amount in the unit a property counts in. A deploy-time Duration passes through only
 * when written in that unit (`Duration.seconds(param.valueAsNumber)`): CloudFormation cannot convert
 * `Duration.minutes(param)` to seconds, and aws-cdk-lib's own error names no construct or prop.
 * `why` names what counts in the unit ("Lambda's Timeout counts seconds").
 */
export function durationIn(where: Where, prop: string, value: Duration, unit: 'millis' | 'seconds' | 'minutes', why: string): number;
export function durationIn(where: Where, prop: string, value: Duration | undefined, unit: 'millis' | 'seconds' | 'minutes', why: string): number | undefined;
export function durationIn(where: Where, prop: string, value: Duration | undefined, unit: 'millis' | 'seconds' | 'minutes', why: string): number | undefined {
  if (value === undefined) return undefined;
  if (!value.isUnresolved()) {
    const integral = { integral: false };
    return unit === 'millis' ? value.toMilliseconds(integral) : unit === 'seconds' ? value.toSeconds(integral) : value.toMinutes(integral);
  }
  const convert = () => (unit === 'millis' ? value.toMilliseconds() : unit === 'seconds' ? value.toSeconds() : value.toMinutes());
  try {
    return convert();
  } catch {
    throw new OrchestrationError(where, prop, shownToken(value), `must be written as Duration.${unit}(...) when its amount is a deploy-time value: ${why}, and CloudFormation cannot convert units`);
  }
}

/** How a token shows in an error: its string form, not the huge negative number that encodes a number token. */
function shownToken(value: unknown): unknown {
  if (typeof value === 'number' && Token.isUnresolved(value)) return Token.asString(value);
  if (Array.isArray(value)) return value.map(shownToken);
  return value;
}

/**
 * The UTF-8 bytes of a string that are known at synth: a deploy-time part (a token) counts as 0, so a
 * sum over several strings is a lower bound that never rejects a value that might fit.
 */
export function knownBytes(value: string): number {
  if (!Token.isUnresolved(value)) return Buffer.byteLength(value);
  const literal = Tokenization.reverseString(value)
    .mapTokens({ mapToken: () => '' })
    .join({ join: (a: unknown, b: unknown) => `${a ?? ''}${b ?? ''}` });
  return Buffer.byteLength(String(literal ?? ''));
}

/**
 * A service's size limit over text the construct renders (user data, a document, an environment):
 * our error when the bytes known at synth exceed `max`. Deploy-time parts count 0 bytes (they pass
 * through; the value then shows "at least"). `allowed` says which limit and where it applies.
 */
export function checkMaxBytes(where: Where, prop: string, text: string, max: number, allowed: string): void {
  const bytes = knownBytes(text);
  if (bytes <= max) return;
  throw new OrchestrationError(where, prop, `${Token.isUnresolved(text) ? 'at least ' : ''}${bytes} bytes`, allowed);
}

/**
 * EC2's user data limit, in raw bytes before base64: "16 KB" (EC2 User Guide), and RunInstances takes
 * at most 21,847 base64 characters, that is ceil(n / 3) * 4 <= 21,847, so n <= 16,383.
 */
export const USER_DATA_MAX_BYTES = 16_383;

/** An instance's user data (rendered) within EC2's limit; `prop` names what grows it. */
export function checkUserDataSize(where: Where, prop: string, userData: ec2.UserData, hint = `shorten ${prop}`): void {
  checkMaxBytes(where, prop, userData.render(), USER_DATA_MAX_BYTES, `makes the instances' user data exceed EC2's limit of ${USER_DATA_MAX_BYTES} bytes (16 KB before base64): ${hint}`);
}

/**
 * A value sent as a parameter of an SSM document whose parameter declares `allowedPattern`: SSM
 * rejects the association (CreateAssociation/UpdateAssociation) when a value does not match, so the
 * same pattern is checked here first, with the prop the value came from. Deploy-time values pass.
 */
export function checkDocumentParameter(where: Where, prop: string, value: string | undefined, parameter: string, allowedPattern: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!new RegExp(allowedPattern).test(value)) {
    throw new OrchestrationError(where, prop, value, `must match ${allowedPattern}, the allowedPattern of the SSM document's ${parameter} parameter (SSM rejects the association otherwise)`);
  }
}
