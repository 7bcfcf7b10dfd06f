import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { describe, expect, it } from 'vitest';
import { TrafficShift } from '../../../constructs/serverless';
import { deploymentConfigFor, resolveTrafficShift, trafficShiftMinutes } from '../../../constructs/serverless/traffic-shift';
import { OrchestrationError } from '../../../lib/errors';
import { orchestrationErrorFrom } from '../../helpers';

const where = new Stack();

describe('traffic shift', () => {
  it('defaults to a 10 % canary for 5 minutes', () => {
    expect(resolveTrafficShift(where, undefined)).toMatchObject({ kind: 'canary', percentage: 10 });
    expect(resolveTrafficShift(where, undefined).interval.toMinutes()).toBe(5);
    expect(TrafficShift.canary().percentage).toBe(10);
    expect(TrafficShift.canary().interval?.toMinutes()).toBe(5);
  });

  it('gives a canary with a percentage but no interval the documented 5 minutes', () => {
    const shift = TrafficShift.canary(20);
    expect(shift.interval?.toMinutes()).toBe(5);
    expect(String(shift)).toBe('canary: 20 %, the rest after 5 minutes');
    const resolved = resolveTrafficShift(where, shift);
    expect(trafficShiftMinutes(resolved)).toBe(5);
    const stack = new Stack();
    deploymentConfigFor(stack, resolved);
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 20, CanaryInterval: 5 } },
    });
    expect(deploymentConfigFor(new Stack(), resolveTrafficShift(where, TrafficShift.canary(10)))).toBe(codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES);
  });

  it('defaults linear steps to 10 % every minute', () => {
    expect(TrafficShift.linear().percentage).toBe(10);
    expect(TrafficShift.linear().interval?.toMinutes()).toBe(1);
    expect(resolveTrafficShift(where, TrafficShift.linear()).interval.toMinutes()).toBe(1);
  });

  it('has no percentage or interval when all at once', () => {
    expect(TrafficShift.allAtOnce().percentage).toBeUndefined();
    expect(TrafficShift.allAtOnce().interval).toBeUndefined();
  });

  it('says what it is in words', () => {
    expect(String(TrafficShift.canary())).toBe('canary: 10 %, the rest after 5 minutes');
    expect(String(TrafficShift.linear(20, Duration.minutes(2)))).toBe('linear: 20 % every 2 minutes');
    expect(String(TrafficShift.allAtOnce())).toBe('all at once');
  });

  it('computes how long a shift takes before all traffic is on the new version', () => {
    expect(trafficShiftMinutes(resolveTrafficShift(where, undefined))).toBe(5);
    expect(trafficShiftMinutes(resolveTrafficShift(where, TrafficShift.linear(10, Duration.minutes(1))))).toBe(9);
    expect(trafficShiftMinutes(resolveTrafficShift(where, TrafficShift.linear(30, Duration.minutes(2))))).toBe(6);
    expect(trafficShiftMinutes(resolveTrafficShift(where, TrafficShift.allAtOnce()))).toBe(0);
  });

  it('resolves all at once to its documented 100 % with no interval, and uses the predefined CodeDeploy config', () => {
    const resolved = resolveTrafficShift(where, TrafficShift.allAtOnce());
    expect(resolved).toMatchObject({ kind: 'all-at-once', percentage: 100 });
    expect(resolved.interval.toMinutes()).toBe(0);
    const stack = new Stack();
    expect(deploymentConfigFor(stack, resolved)).toBe(codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE);
    Template.fromStack(stack).resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
  });

  it('creates a custom linear config (not a canary) for linear steps no predefined config matches', () => {
    const stack = new Stack();
    deploymentConfigFor(stack, resolveTrafficShift(where, TrafficShift.linear(20, Duration.minutes(2))));
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 20, LinearInterval: 2 } },
    });
    expect(deploymentConfigFor(new Stack(), resolveTrafficShift(where, TrafficShift.linear(10, Duration.minutes(3))))).toBe(
      codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
    );
  });

  it('says, with our error, that a deploy-time shift has no duration at synth', () => {
    const stack = new Stack();
    const percentage = new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
    expect(() => trafficShiftMinutes(resolveTrafficShift(stack, TrafficShift.linear(percentage)))).toThrow(
      /^trafficShift \(\{"percentage":-?[0-9.e+]+,"interval":"1 minute"\}\) has a deploy-time percentage or interval: how long the shift takes is only known at deploy time$/,
    );
  });
});

/** The error a factory throws (outside any construct: no path). */
function factoryError(make: () => unknown): OrchestrationError {
  const e = orchestrationErrorFrom(make);
  expect(e.path).toBe('');
  return e;
}

describe('TrafficShift factories reject bad arguments with our error (prop, value, what is allowed)', () => {
  it.each([
    [() => TrafficShift.canary(100), 'TrafficShift.canary(percentage) (100) must be an integer from 1 to 99'],
    [() => TrafficShift.linear(0), 'TrafficShift.linear(percentage) (0) must be an integer from 1 to 99'],
    [() => TrafficShift.canary(12.5), 'TrafficShift.canary(percentage) (12.5) must be an integer from 1 to 99'],
    [() => TrafficShift.canary(10, Duration.seconds(90)), 'TrafficShift.canary(interval) (1 minute 30 seconds) must be a whole number of minutes (CodeDeploy counts in minutes)'],
    [() => TrafficShift.canary(10, Duration.hours(49)), 'TrafficShift.canary(interval) (2 days 1 hour) must be from 1 minute to 2 days'],
    [() => TrafficShift.linear(10, Duration.seconds(30)), 'TrafficShift.linear(interval) (30 seconds) must be from 1 minute to 2 days'],
  ])('%s', (make, message) => {
    expect(factoryError(make).message).toBe(message);
  });

  // What a caller without a type checker (plain JavaScript, another language's loose values) can send.
  it.each([
    [() => (TrafficShift.canary as any)('20'), 'TrafficShift.canary(percentage) ("20") must be a number'],
    [() => (TrafficShift.linear as any)(Number.NaN), 'TrafficShift.linear(percentage) (NaN) must be a number'],
    [() => (TrafficShift.linear as any)(10, 2), 'TrafficShift.linear(interval) (2) must be a Duration, for example Duration.seconds(30)'],
    [() => (TrafficShift.canary as any)(10, '5 minutes'), 'TrafficShift.canary(interval) ("5 minutes") must be a Duration, for example Duration.seconds(30)'],
    [
      () => (TrafficShift.allAtOnce as any)(10),
      'TrafficShift.allAtOnce() ([10]) takes no arguments: a percentage and an interval apply to TrafficShift.canary() or TrafficShift.linear()',
    ],
  ])('from plain JavaScript: %s', (make, message) => {
    expect(factoryError(make).message).toBe(message);
  });

  // A plain-JavaScript caller's object literal (or string) for the prop, instead of a factory's TrafficShift.
  it.each([
    [{ percentage: 20, interval: 5 }, 'Service: trafficShift ({"percentage":20,"interval":5}) must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
    ['canary', 'Service: trafficShift ("canary") must be made with TrafficShift.canary(), TrafficShift.linear() or TrafficShift.allAtOnce()'],
  ])('resolveTrafficShift rejects %j, naming the prop and the factories', (value, message) => {
    const e = orchestrationErrorFrom(() => resolveTrafficShift(new Stack(undefined, 'Service'), value as any));
    expect([e.path, e.prop, e.value]).toEqual(['Service', 'trafficShift', value]);
    expect(e.message).toBe(message);
  });

  it('has no public constructor: the factories are the only way in', () => {
    // A TypeScript caller cannot call it (private); the class is still the one `instanceof` recognises.
    expect(TrafficShift.canary()).toBeInstanceOf(TrafficShift);
    expect(TrafficShift.allAtOnce()).toBeInstanceOf(TrafficShift);
  });
});

describe('TrafficShift factories: deploy-time values (tokens)', () => {
  it('keep a token percentage and a Duration.minutes(token) interval as they are', () => {
    const stack = new Stack();
    const n = new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
    const shift = TrafficShift.linear(n, Duration.minutes(n));
    expect(stack.resolve(shift.percentage)).toEqual({ Ref: 'P' });
    expect(stack.resolve(shift.interval!.toMinutes())).toEqual({ Ref: 'P' });
  });

  it('give our error for an interval whose deploy-time amount is in another unit (CodeDeploy counts minutes)', () => {
    const stack = new Stack();
    const n = new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
    const e = factoryError(() => TrafficShift.canary(10, Duration.seconds(n)));
    expect(e.prop).toBe('TrafficShift.canary(interval)');
    expect(e.allowed).toBe("must be written as Duration.minutes(...) when its amount is a deploy-time value: CodeDeploy's interval counts minutes, and CloudFormation cannot convert units");
  });
});
