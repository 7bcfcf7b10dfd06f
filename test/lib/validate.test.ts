// Every validator of lib/validate.ts called directly, without a synth: an absent value and a deploy-time value
// (a token) pass untouched, a range's ends are accepted and one past them rejected, wrong types and NaN get our
// OrchestrationError (never a TypeError from inside), and each message names the prop, the value and what is
// allowed. The size limits (checkMaxBytes, checkUserDataSize, checkDocumentParameter) are in validate-limits.test.ts.
import { CfnParameter, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import {
  checkAgrees,
  checkConcrete,
  checkDuration,
  checkExclusive,
  checkInteger,
  checkIsDuration,
  checkKnownProps,
  checkNumber,
  checkOneOf,
  checkOrdered,
  checkPattern,
  checkType,
  checkWholeUnits,
  durationIn,
  isDeployTime,
  sizeInGiB,
} from '../../lib/validate';
import { orchestrationErrorFrom } from '../helpers';

/** A deploy-time number (a CfnParameter's value), made inside the test that uses it. */
function numberToken(): number {
  return new CfnParameter(new Stack(), 'P', { type: 'Number' }).valueAsNumber;
}
/** A deploy-time string. */
function stringToken(): string {
  return new CfnParameter(new Stack(), 'P', { type: 'String' }).valueAsString;
}
/** The message's pattern for a token shown in it: `${Token[TOKEN.123]}`. */
const TOKEN = '\\$\\{Token\\[TOKEN\\.\\d+\\]\\}';

describe('checkInteger', () => {
  const range = { min: 1, max: 100 };
  it('skips an absent value and a deploy-time value', () => {
    expect(() => checkInteger('Here', 'n', undefined, range)).not.toThrow();
    expect(() => checkInteger('Here', 'n', numberToken(), range)).not.toThrow();
  });
  it.each([1, 2, 99, 100])('accepts %d in 1..100', (n) => {
    expect(() => checkInteger('Here', 'n', n, range)).not.toThrow();
  });
  it.each([
    [0, '0'],
    [101, '101'],
    [-1, '-1'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['5', '"5"'],
  ])('rejects %j, naming the prop, the value and the range', (n, shown) => {
    expect(orchestrationErrorFrom(() => checkInteger('Here', 'n', n as number, range)).message).toBe(`Here: n (${shown}) must be an integer from 1 to 100`);
  });
});

describe('checkNumber', () => {
  const range = { min: 0, max: 100 };
  it('skips an absent value and a deploy-time value', () => {
    expect(() => checkNumber('Here', 'pct', undefined, range)).not.toThrow();
    expect(() => checkNumber('Here', 'pct', numberToken(), range)).not.toThrow();
  });
  it.each([0, 0.001, 50, 99.999, 100])('accepts %d in 0..100', (n) => {
    expect(() => checkNumber('Here', 'pct', n, range)).not.toThrow();
  });
  it.each([
    [-0.001, '-0.001'],
    [100.001, '100.001'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['50', '"50"'],
    [true, 'true'],
  ])('rejects %j, naming the prop, the value and the range', (n, shown) => {
    expect(orchestrationErrorFrom(() => checkNumber('Here', 'pct', n as number, range)).message).toBe(`Here: pct (${shown}) must be a number from 0 to 100`);
  });
});

describe('checkDuration', () => {
  const range = { min: Duration.seconds(1), max: Duration.minutes(1) };
  it('skips an absent value and a deploy-time Duration', () => {
    expect(() => checkDuration('Here', 'd', undefined, range)).not.toThrow();
    expect(() => checkDuration('Here', 'd', Duration.seconds(numberToken()), range)).not.toThrow();
  });
  it('accepts both ends, however the Duration is written', () => {
    for (const d of [Duration.millis(1000), Duration.seconds(1), Duration.seconds(60), Duration.minutes(1), Duration.millis(1000.5)]) {
      expect(() => checkDuration('Here', 'd', d, range)).not.toThrow();
    }
  });
  it('compares fractions of a millisecond by value: our error, not a unit conversion error', () => {
    const e = orchestrationErrorFrom(() => checkDuration('Here', 'd', Duration.millis(999.5), range));
    expect(e.message).toBe('Here: d (999.5 millis) must be from 1 second to 1 minute');
  });
  it('rejects a value that is not a Duration', () => {
    expect(orchestrationErrorFrom(() => checkDuration('Here', 'd', 30 as never, range)).message).toBe('Here: d (30) must be a Duration, for example Duration.seconds(30)');
  });
});

describe('checkOneOf', () => {
  const allowed = ['http', 'https'] as const;
  it('skips an absent value and a deploy-time string', () => {
    expect(() => checkOneOf('Here', 'protocol', undefined, allowed)).not.toThrow();
    expect(() => checkOneOf<string>('Here', 'protocol', stringToken(), allowed)).not.toThrow();
  });
  it.each(allowed)('accepts %s', (v) => {
    expect(() => checkOneOf('Here', 'protocol', v, allowed)).not.toThrow();
  });
  it('rejects any other value, listing the allowed ones', () => {
    expect(orchestrationErrorFrom(() => checkOneOf<string>('Here', 'protocol', 'HTTP', allowed)).message).toBe('Here: protocol ("HTTP") must be one of "http", "https"');
    expect(orchestrationErrorFrom(() => checkOneOf<unknown>('Here', 'protocol', 443, allowed)).message).toBe('Here: protocol (443) must be one of "http", "https"');
  });
  it('rejects a deploy-time value that is not a string: no member of a string enum (a plain-JavaScript caller\'s mistake)', () => {
    const e = orchestrationErrorFrom(() => checkOneOf<unknown>('Here', 'protocol', numberToken(), allowed));
    expect([e.prop, e.allowed]).toEqual(['protocol', 'must be one of "http", "https"']);
  });
  it('lists numbers without quotes', () => {
    expect(() => checkOneOf('Here', 'n', 2, [1, 2, 4])).not.toThrow();
    expect(orchestrationErrorFrom(() => checkOneOf('Here', 'n', 3, [1, 2, 4])).message).toBe('Here: n (3) must be one of 1, 2, 4');
  });
});

describe('checkPattern', () => {
  const NAME = /^[a-z][a-z0-9-]*$/;
  it('skips an absent value and a deploy-time string', () => {
    expect(() => checkPattern('Here', 'name', undefined, NAME, 'lowercase')).not.toThrow();
    expect(() => checkPattern('Here', 'name', stringToken(), NAME, 'lowercase')).not.toThrow();
  });
  it('accepts a match, rejects anything else with the description', () => {
    expect(() => checkPattern('Here', 'name', 'web-1', NAME, 'lowercase letters, digits and dashes')).not.toThrow();
    expect(orchestrationErrorFrom(() => checkPattern('Here', 'name', 'Web_1', NAME, 'lowercase letters, digits and dashes')).message).toBe(
      'Here: name ("Web_1") must be lowercase letters, digits and dashes',
    );
  });
});

describe('checkExclusive', () => {
  it('accepts none or one of the props set', () => {
    expect(() => checkExclusive('Here', { a: undefined, b: undefined })).not.toThrow();
    expect(() => checkExclusive('Here', { a: 1, b: undefined })).not.toThrow();
    expect(() => checkExclusive('Here', { a: undefined, b: 0 })).not.toThrow();
  });
  it('rejects two set, naming both, their values and every prop of the group', () => {
    expect(orchestrationErrorFrom(() => checkExclusive('Here', { a: 1, b: false, c: undefined })).message).toBe('Here: a and b ({"a":1,"b":false}) are mutually exclusive: set only one of a, b, c');
  });
});

describe('checkOrdered', () => {
  it('accepts lower below or equal to upper', () => {
    expect(() => checkOrdered('Here', 'minCapacity', 2, 'maxCapacity', 3)).not.toThrow();
    expect(() => checkOrdered('Here', 'minCapacity', 3, 'maxCapacity', 3)).not.toThrow();
  });
  it('rejects lower above upper, naming both', () => {
    expect(orchestrationErrorFrom(() => checkOrdered('Here', 'minCapacity', 4, 'maxCapacity', 3)).message).toBe('Here: minCapacity (4) must not exceed maxCapacity (3)');
  });
  it('skips when either side is absent or a deploy-time value', () => {
    expect(() => checkOrdered('Here', 'minCapacity', undefined, 'maxCapacity', 3)).not.toThrow();
    expect(() => checkOrdered('Here', 'minCapacity', 4, 'maxCapacity', undefined)).not.toThrow();
    expect(() => checkOrdered('Here', 'minCapacity', numberToken(), 'maxCapacity', 3)).not.toThrow();
    expect(() => checkOrdered('Here', 'minCapacity', 4, 'maxCapacity', numberToken())).not.toThrow();
  });
});

describe('checkAgrees: a style prop and the shared app field it stands for', () => {
  it('accepts equal values, and Durations equal however written', () => {
    expect(() => checkAgrees('Here', 'targetCpuPercent', 80, 'app.replicas.targetCpuPercent', 80)).not.toThrow();
    expect(() => checkAgrees('Here', 'mode', 'rolling', 'app.rollout.mode', 'rolling')).not.toThrow();
    expect(() => checkAgrees('Here', 'bakeTime', Duration.seconds(60), 'app.rollout.bakeTime', Duration.minutes(1))).not.toThrow();
    expect(() => checkAgrees('Here', 'bakeTime', Duration.millis(1500.5), 'app.rollout.bakeTime', Duration.seconds(1.5005))).not.toThrow();
  });
  it('rejects different values, naming both props and the shared value', () => {
    expect(orchestrationErrorFrom(() => checkAgrees('Here', 'targetCpuPercent', 70, 'app.replicas.targetCpuPercent', 80)).message).toBe(
      'Here: targetCpuPercent (70) contradicts app.replicas.targetCpuPercent (80); set one of them, or make them agree',
    );
    expect(orchestrationErrorFrom(() => checkAgrees('Here', 'bakeTime', Duration.seconds(30), 'app.rollout.bakeTime', Duration.minutes(1))).message).toBe(
      'Here: bakeTime (30 seconds) contradicts app.rollout.bakeTime (1 minute); set one of them, or make them agree',
    );
    expect(orchestrationErrorFrom(() => checkAgrees('Here', 'mode', 'allAtOnce', 'app.rollout.mode', 'rolling')).message).toBe(
      'Here: mode ("allAtOnce") contradicts app.rollout.mode ("rolling"); set one of them, or make them agree',
    );
  });
  it('shows the shared value in the style\'s terms when `means` is given', () => {
    expect(orchestrationErrorFrom(() => checkAgrees('Here', 'minCapacity', 2, 'app.replicas.min', 3, 'which means 3')).message).toBe(
      'Here: minCapacity (2) contradicts app.replicas.min (which means 3); set one of them, or make them agree',
    );
  });
  it('never lets a Duration agree with a number (a plain-JavaScript caller\'s mistake)', () => {
    expect(orchestrationErrorFrom(() => checkAgrees('Here', 'bakeTime', Duration.seconds(60), 'app.rollout.bakeTime', 60_000)).message).toBe(
      'Here: bakeTime (1 minute) contradicts app.rollout.bakeTime (60000); set one of them, or make them agree',
    );
    expect(orchestrationErrorFrom(() => checkAgrees('Here', 'bakeTime', 60_000, 'app.rollout.bakeTime', Duration.seconds(60))).message).toMatch(/^Here: bakeTime \(60000\) contradicts/);
  });
  it('skips when either side is absent', () => {
    expect(() => checkAgrees('Here', 'targetCpuPercent', undefined, 'app.replicas.targetCpuPercent', 80)).not.toThrow();
    expect(() => checkAgrees('Here', 'targetCpuPercent', 70, 'app.replicas.targetCpuPercent', undefined)).not.toThrow();
  });
  it('skips when either side is a deploy-time value', () => {
    expect(() => checkAgrees('Here', 'targetCpuPercent', numberToken(), 'app.replicas.targetCpuPercent', 80)).not.toThrow();
    expect(() => checkAgrees('Here', 'targetCpuPercent', 70, 'app.replicas.targetCpuPercent', numberToken())).not.toThrow();
    expect(() => checkAgrees('Here', 'bakeTime', Duration.seconds(numberToken()), 'app.rollout.bakeTime', Duration.minutes(1))).not.toThrow();
    expect(() => checkAgrees('Here', 'bakeTime', Duration.minutes(1), 'app.rollout.bakeTime', Duration.seconds(numberToken()))).not.toThrow();
  });
});

describe('sizeInGiB: a Size as whole GiB', () => {
  const range = { min: 8, max: 16_384 };
  it('is undefined for an absent value', () => {
    expect(sizeInGiB('Here', 'volumeSize', undefined, range)).toBeUndefined();
  });
  it('returns the GiB, both ends accepted, however the Size is written', () => {
    expect(sizeInGiB('Here', 'volumeSize', Size.gibibytes(8), range)).toBe(8);
    expect(sizeInGiB('Here', 'volumeSize', Size.gibibytes(20), range)).toBe(20);
    expect(sizeInGiB('Here', 'volumeSize', Size.mebibytes(20_480), range)).toBe(20);
    expect(sizeInGiB('Here', 'volumeSize', Size.tebibytes(16), range)).toBe(16_384);
  });
  it.each([
    [Size.gibibytes(7), 'Size.gibibytes(7)'],
    [Size.gibibytes(20_000), 'Size.gibibytes(20000)'],
    [Size.mebibytes(20_000), 'Size.mebibytes(20000)'],
    [Size.mebibytes(7_680), 'Size.mebibytes(7680)'],
  ])('rejects %s: not whole GiB within the range', (size, shown) => {
    expect(orchestrationErrorFrom(() => sizeInGiB('Here', 'volumeSize', size, range)).message).toBe(
      `Here: volumeSize (${shown}) must be a whole number of GiB from 8 to 16384 (EBS volume sizes count GiB)`,
    );
  });
  it('rejects one GiB past either end', () => {
    for (const gib of [7, 16_385]) {
      const e = orchestrationErrorFrom(() => sizeInGiB('Here', 'volumeSize', Size.gibibytes(gib), range));
      expect([e.prop, (e.value as Size).toGibibytes(), e.allowed]).toEqual(['volumeSize', gib, 'must be a whole number of GiB from 8 to 16384 (EBS volume sizes count GiB)']);
      // As written, not rounded: Size's human string shows 16385 GiB as "16 TiB", which looks allowed.
      expect(e.message).toContain(`volumeSize (Size.gibibytes(${gib}))`);
    }
    expect(orchestrationErrorFrom(() => sizeInGiB('Here', 'volumeSize', Size.mebibytes(8191), range)).message).toContain('volumeSize (Size.mebibytes(8191))');
  });
  it.each([
    [20, '20'],
    ['20GiB', '"20GiB"'],
    [null, 'null'],
    [{ amount: 20 }, '{"amount":20}'],
    [Duration.seconds(20), '20 seconds'],
  ])('rejects %j: not a Size', (value, shown) => {
    expect(orchestrationErrorFrom(() => sizeInGiB('Here', 'volumeSize', value as never, range)).message).toBe(
      `Here: volumeSize (${shown}) must be a Size in whole GiB from 8 to 16384, for example Size.gibibytes(20)`,
    );
  });
  it('passes a deploy-time amount written in GiB through', () => {
    const gib = sizeInGiB('Here', 'volumeSize', Size.gibibytes(numberToken()), range);
    expect(Token.isUnresolved(gib)).toBe(true);
  });
  it('rejects a deploy-time amount in another unit: CloudFormation cannot convert it', () => {
    const e = orchestrationErrorFrom(() => sizeInGiB('Here', 'volumeSize', Size.mebibytes(numberToken()), range));
    expect(e.message).toMatch(
      new RegExp(`^Here: volumeSize \\("${TOKEN} MiB"\\) must be written as Size\\.gibibytes\\(\\.\\.\\.\\) when its amount is a deploy-time value: the volume size counts GiB, and CloudFormation cannot convert units$`),
    );
  });
});

describe('checkWholeUnits', () => {
  it('skips an absent value and a deploy-time Duration', () => {
    expect(() => checkWholeUnits('Here', 'd', undefined, 'seconds', 'must be whole seconds')).not.toThrow();
    expect(() => checkWholeUnits('Here', 'd', Duration.millis(numberToken()), 'seconds', 'must be whole seconds')).not.toThrow();
  });
  it('accepts whole seconds, however written', () => {
    for (const d of [Duration.seconds(0), Duration.seconds(1), Duration.millis(2000), Duration.minutes(2)]) {
      expect(() => checkWholeUnits('Here', 'd', d, 'seconds', 'must be whole seconds')).not.toThrow();
    }
  });
  it('rejects part of a second, down to a fraction of a millisecond, with the caller\'s explanation', () => {
    expect(orchestrationErrorFrom(() => checkWholeUnits('Here', 'd', Duration.millis(1001), 'seconds', 'must be whole seconds (Kubernetes counts seconds)')).message).toBe(
      'Here: d (1 second 1 milli) must be whole seconds (Kubernetes counts seconds)',
    );
    expect(orchestrationErrorFrom(() => checkWholeUnits('Here', 'd', Duration.millis(1000.5), 'seconds', 'must be whole seconds')).message).toBe(
      'Here: d (1 second 0.5 millis) must be whole seconds',
    );
  });
  it('accepts whole minutes, rejects a second more', () => {
    expect(() => checkWholeUnits('Here', 'd', Duration.seconds(120), 'minutes', 'must be whole minutes')).not.toThrow();
    expect(orchestrationErrorFrom(() => checkWholeUnits('Here', 'd', Duration.seconds(121), 'minutes', 'must be whole minutes')).message).toBe('Here: d (2 minutes 1 second) must be whole minutes');
  });
  it('rejects a value that is not a Duration', () => {
    expect(orchestrationErrorFrom(() => checkWholeUnits('Here', 'd', 30 as never, 'seconds', 'must be whole seconds')).message).toBe('Here: d (30) must be a Duration, for example Duration.seconds(30)');
  });
});

describe('checkIsDuration', () => {
  it('accepts a Duration and an absent value', () => {
    expect(() => checkIsDuration('Here', 'timeout', Duration.seconds(30))).not.toThrow();
    expect(() => checkIsDuration('Here', 'timeout', Duration.seconds(numberToken()))).not.toThrow();
    expect(() => checkIsDuration('Here', 'timeout', undefined)).not.toThrow();
  });
  it.each([
    [30, '30'],
    ['30s', '"30s"'],
    [null, 'null'],
    [{ seconds: 30 }, '{"seconds":30}'],
  ])('rejects %j', (value, shown) => {
    expect(orchestrationErrorFrom(() => checkIsDuration('Here', 'timeout', value)).message).toBe(`Here: timeout (${shown}) must be a Duration, for example Duration.seconds(30)`);
  });
});

describe('checkType', () => {
  it.each([
    [256, 'number'],
    [0, 'number'],
    ['x', 'string'],
    ['', 'string'],
    [true, 'boolean'],
    [false, 'boolean'],
    [undefined, 'number'],
  ] as const)('accepts %j as a %s', (value, type) => {
    expect(() => checkType('Here', 'p', value, type)).not.toThrow();
  });
  it.each([
    ['256', 'number', '"256"'],
    [Number.NaN, 'number', 'NaN'],
    [null, 'number', 'null'],
    [1, 'string', '1'],
    ['true', 'boolean', '"true"'],
    [0, 'boolean', '0'],
  ] as const)('rejects %j for a %s', (value, type, shown) => {
    expect(orchestrationErrorFrom(() => checkType('Here', 'p', value, type)).message).toBe(`Here: p (${shown}) must be a ${type}`);
  });
});

describe('checkKnownProps', () => {
  const known: Record<'memorySize' | 'timeout' | 'timeZone' | 'port', true> = { memorySize: true, timeout: true, timeZone: true, port: true };
  const list = 'known props are memorySize, timeout, timeZone, port';
  it('accepts known props, an empty object and absent props', () => {
    expect(() => checkKnownProps('Here', { memorySize: 1, port: 2 }, known)).not.toThrow();
    expect(() => checkKnownProps('Here', {}, known)).not.toThrow();
    expect(() => checkKnownProps('Here', undefined, known)).not.toThrow();
  });
  it('names an unknown prop with its value, the close names, and every known one', () => {
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { memsize: 256 }, known)).message).toBe(`Here: memsize (256) is not a known prop: did you mean memorySize? ${list}`);
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { MEMSIZE: 256 }, known)).message).toBe(`Here: MEMSIZE (256) is not a known prop: did you mean memorySize? ${list}`);
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { tim: 1 }, known)).message).toBe(`Here: tim (1) is not a known prop: did you mean timeout or timeZone? ${list}`);
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { size: 1 }, known)).message).toBe(`Here: size (1) is not a known prop: ${list}`);
  });
  it('suggests names that start with a short key, and short names a key starts with', () => {
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { Po: 80 }, known)).message).toBe(`Here: Po (80) is not a known prop: did you mean port? ${list}`);
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { Ids: 'x' }, { id: true, name: true })).message).toBe('Here: Ids ("x") is not a known prop: did you mean id? known props are id, name');
  });
  it('names a nested object\'s props with its prefix', () => {
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', { minimum: 2 }, { min: true, max: true }, 'app.replicas.')).message).toBe(
      'Here: app.replicas.minimum (2) is not a known prop: did you mean app.replicas.min? known props are min, max',
    );
  });
  it.each([
    ['nope', '', 'props ("nope")'],
    [null, '', 'props (null)'],
    [[1], '', 'props ([1])'],
    [5, 'app.', 'app (5)'],
    ['x', 'app.replicas.', 'app.replicas ("x")'],
  ])('rejects %j (prefix %j): not an object', (value, prefix, shown) => {
    expect(orchestrationErrorFrom(() => checkKnownProps('Here', value, known, prefix)).message).toBe(`Here: ${shown} must be an object`);
  });
});

describe('isDeployTime', () => {
  it('is false for concrete values and absent ones', () => {
    for (const v of [undefined, null, 0, 3, '', 'x', true, Duration.seconds(3), [], ['a', 1], ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO), { a: 1 }]) {
      expect(isDeployTime(v)).toBe(false);
    }
  });
  it('is true for a token number, string, Duration, instance type or list, and a list with one token entry', () => {
    expect(isDeployTime(numberToken())).toBe(true);
    expect(isDeployTime(stringToken())).toBe(true);
    expect(isDeployTime(Duration.minutes(numberToken()))).toBe(true);
    expect(isDeployTime(new ec2.InstanceType(stringToken()))).toBe(true);
    expect(isDeployTime(Token.asList({ Ref: 'Subnets' }))).toBe(true);
    expect(isDeployTime(['a', stringToken()])).toBe(true);
    expect(isDeployTime([1, numberToken()])).toBe(true);
    expect(isDeployTime([Duration.seconds(numberToken())])).toBe(true);
  });
});

describe('checkConcrete: a value needed at synth', () => {
  it('accepts concrete values and absent ones', () => {
    for (const v of [undefined, 3, 'x', Duration.seconds(3), ['a']]) expect(() => checkConcrete('Here', 'p', v, 'why')).not.toThrow();
  });
  it('rejects a deploy-time number, showing it as its token string rather than the number that encodes it', () => {
    expect(orchestrationErrorFrom(() => checkConcrete('Here', 'fleetSize', numberToken(), 'it decides how many instances exist')).message).toMatch(
      new RegExp(`^Here: fleetSize \\("${TOKEN}"\\) must be a concrete value, not a deploy-time value \\(token\\): it decides how many instances exist$`),
    );
  });
  it('shows a deploy-time Duration with its unit, and a string token as itself', () => {
    expect(orchestrationErrorFrom(() => checkConcrete('Here', 'interval', Duration.seconds(numberToken()), 'why')).message).toBe(
      'Here: interval (<token> seconds) must be a concrete value, not a deploy-time value (token): why',
    );
    const s = stringToken();
    expect(orchestrationErrorFrom(() => checkConcrete('Here', 'name', s, 'why')).value).toBe(s);
  });
  it('shows each entry of a list: token strings for deploy-time ones, concrete ones as they are', () => {
    const e = orchestrationErrorFrom(() => checkConcrete('Here', 'ports', [80, numberToken()], 'why'));
    expect(e.message).toMatch(new RegExp(`^Here: ports \\(\\[80,"${TOKEN}"\\]\\) must be a concrete value`));
  });
  it('shows a deploy-time list as the list it is', () => {
    const e = orchestrationErrorFrom(() => checkConcrete('Here', 'subnets', Token.asList({ Ref: 'Subnets' }), 'why'));
    expect(e.message).toMatch(/^Here: subnets \(\["#\{Token\[TOKEN\.\d+\]\}"\]\) must be a concrete value/);
  });
});

describe('durationIn: a Duration in the unit a property counts', () => {
  it('is undefined for an absent value', () => {
    expect(durationIn('Here', 'timeout', undefined, 'seconds', 'why')).toBeUndefined();
  });
  it('converts a concrete Duration to each unit, fractions kept', () => {
    expect(durationIn('Here', 'timeout', Duration.seconds(2), 'millis', 'why')).toBe(2000);
    expect(durationIn('Here', 'timeout', Duration.minutes(2), 'seconds', 'why')).toBe(120);
    expect(durationIn('Here', 'timeout', Duration.minutes(2), 'minutes', 'why')).toBe(2);
    expect(durationIn('Here', 'timeout', Duration.seconds(90), 'minutes', 'why')).toBe(1.5);
    expect(durationIn('Here', 'timeout', Duration.millis(1500), 'seconds', 'why')).toBe(1.5);
  });
  it.each(['millis', 'seconds', 'minutes'] as const)('passes a deploy-time Duration written in %s through', (unit) => {
    const n = numberToken();
    const d = unit === 'millis' ? Duration.millis(n) : unit === 'seconds' ? Duration.seconds(n) : Duration.minutes(n);
    expect(durationIn('Here', 'timeout', d, unit, 'why')).toBe(n);
  });
  it.each([
    ['millis', Duration.seconds],
    ['seconds', Duration.minutes],
    ['minutes', Duration.seconds],
  ] as const)('rejects a deploy-time Duration not written in %s, naming the unit and why', (unit, make) => {
    const e = orchestrationErrorFrom(() => durationIn('Here', 'timeout', make(numberToken()), unit, "Lambda's Timeout counts seconds"));
    expect(e.message).toMatch(
      new RegExp(`^Here: timeout \\(<token> \\w+\\) must be written as Duration\\.${unit}\\(\\.\\.\\.\\) when its amount is a deploy-time value: Lambda's Timeout counts seconds, and CloudFormation cannot convert units$`),
    );
  });
});
