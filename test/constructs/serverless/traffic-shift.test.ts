import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { resolveTrafficShift, trafficShiftMinutes } from '../../../constructs/serverless/traffic-shift';

const where = new Stack();

describe('traffic shift', () => {
  it('defaults to a 10 % canary for 5 minutes', () => {
    expect(resolveTrafficShift(where, undefined)).toMatchObject({ type: 'canary', percentage: 10 });
    expect(resolveTrafficShift(where, undefined).interval.toMinutes()).toBe(5);
  });

  it('defaults linear steps to 1 minute', () => {
    expect(resolveTrafficShift(where, { type: 'linear' }).interval.toMinutes()).toBe(1);
  });

  it('computes how long a shift takes before all traffic is on the new version', () => {
    expect(trafficShiftMinutes(resolveTrafficShift(where, undefined))).toBe(5);
    expect(trafficShiftMinutes(resolveTrafficShift(where, { type: 'linear', percentage: 10, interval: Duration.minutes(1) }))).toBe(9);
    expect(trafficShiftMinutes(resolveTrafficShift(where, { type: 'linear', percentage: 30, interval: Duration.minutes(2) }))).toBe(6);
    expect(trafficShiftMinutes(resolveTrafficShift(where, { type: 'all-at-once' }))).toBe(0);
  });

  it('says, with our error, that a deploy-time shift has no duration at synth', () => {
    const stack = new Stack();
    const percentage = new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
    expect(() => trafficShiftMinutes(resolveTrafficShift(stack, { type: 'linear', percentage }))).toThrow(
      /^trafficShift \(\{"percentage":-?[0-9.e+]+,"interval":"1 minute"\}\) has a deploy-time percentage or interval: how long the shift takes is only known at deploy time$/,
    );
  });
});
