import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';

/**
 * A value of a string enum, from any caller: a value outside it (a typo, the wrong case, a number from
 * plain JavaScript) gets our error listing the members (`ZoneSpread.SCHEDULE_ANYWAY ("ScheduleAnyway")`);
 * a deploy-time string passes through (the manifest resolves it). Not part of the public API.
 */
export function checkEnumValue(where: IConstruct | string, prop: string, value: unknown, members: Record<string, string>, enumName: string): void {
  if (value === undefined || (typeof value === 'string' && Token.isUnresolved(value))) return;
  if (typeof value !== 'string' || !Object.values(members).includes(value)) {
    const allowed = Object.entries(members).map(([k, v]) => `${enumName}.${k} (${JSON.stringify(v)})`);
    throw new OrchestrationError(where, prop, value, `must be one of ${allowed.join(', ')}`);
  }
}
