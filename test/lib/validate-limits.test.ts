// The shared limit helpers of lib/validate.ts, without a synth: each limit at the boundary (at the
// limit accepted, one past rejected) and deploy-time parts counted as 0 bytes.
import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { checkDocumentParameter, checkDuration, checkInteger, checkMaxBytes, checkNumber, checkUserDataSize, knownBytes, USER_DATA_MAX_BYTES } from '../../lib/validate';
import { orchestrationErrorFrom } from '../helpers';

describe('knownBytes', () => {
  it('counts UTF-8 bytes, and a deploy-time part as 0', () => {
    expect(knownBytes('abc')).toBe(3);
    expect(knownBytes('é')).toBe(2);
    expect(knownBytes(`ab${Token.asString({ Ref: 'P' })}cd`)).toBe(4);
  });
});

describe('checkMaxBytes', () => {
  it('accepts the limit, rejects one byte past it', () => {
    expect(() => checkMaxBytes('Here', 'p', 'x'.repeat(10), 10, 'is too long')).not.toThrow();
    const e = orchestrationErrorFrom(() => checkMaxBytes('Here', 'p', 'x'.repeat(11), 10, 'is too long'));
    expect(e.message).toBe('Here: p ("11 bytes") is too long');
  });
  it('says "at least" when deploy-time parts were not counted', () => {
    const e = orchestrationErrorFrom(() => checkMaxBytes('Here', 'p', `${'x'.repeat(11)}${Token.asString({ Ref: 'P' })}`, 10, 'is too long'));
    expect(e.value).toBe('at least 11 bytes');
  });
});

describe('checkUserDataSize: EC2 user data, 16 KB raw (at most 21,847 base64 characters: 16,383 bytes)', () => {
  function userDataOf(bytes: number): ec2.UserData {
    const probe = ec2.UserData.forLinux();
    probe.addCommands('');
    const ud = ec2.UserData.forLinux();
    ud.addCommands('x'.repeat(bytes - Buffer.byteLength(probe.render())));
    return ud;
  }
  it('the limit is the largest raw size whose base64 fits 21,847 characters', () => {
    const b64 = (n: number) => Math.ceil(n / 3) * 4;
    expect(b64(USER_DATA_MAX_BYTES)).toBeLessThanOrEqual(21_847);
    expect(b64(USER_DATA_MAX_BYTES + 1)).toBeGreaterThan(21_847);
  });
  it('accepts 16,383 bytes, rejects 16,384', () => {
    expect(Buffer.byteLength(userDataOf(USER_DATA_MAX_BYTES).render())).toBe(USER_DATA_MAX_BYTES);
    expect(() => checkUserDataSize('Here', 'p', userDataOf(USER_DATA_MAX_BYTES))).not.toThrow();
    const e = orchestrationErrorFrom(() => checkUserDataSize('Here', 'p', userDataOf(USER_DATA_MAX_BYTES + 1)));
    expect(e.message).toBe('Here: p ("16384 bytes") makes the instances\' user data exceed EC2\'s limit of 16383 bytes (16 KB before base64): shorten p');
  });
});

describe('checkDocumentParameter: the SSM document parameter\'s allowedPattern, checked first', () => {
  const PATH = '^/[A-Za-z0-9._~/-]*$';
  it('accepts what the pattern accepts, an absent value, and deploy-time values', () => {
    expect(() => checkDocumentParameter('Here', 'app.healthCheckPath', '/health/live-1_.~', 'healthCheckPath', PATH)).not.toThrow();
    expect(() => checkDocumentParameter('Here', 'app.healthCheckPath', undefined, 'healthCheckPath', PATH)).not.toThrow();
    expect(() => checkDocumentParameter('Here', 'app.healthCheckPath', Token.asString({ Ref: 'P' }), 'healthCheckPath', PATH)).not.toThrow();
  });
  it('rejects what SSM would reject at CreateAssociation (a ":" in a path)', () => {
    const e = orchestrationErrorFrom(() => checkDocumentParameter('Here', 'app.healthCheckPath', '/health:live', 'healthCheckPath', PATH));
    expect(e.message).toBe('Here: app.healthCheckPath ("/health:live") must match ^/[A-Za-z0-9._~/-]*$, the allowedPattern of the SSM document\'s healthCheckPath parameter (SSM rejects the association otherwise)');
  });
});

describe('checkInteger, checkNumber, checkDuration: both ends of the range accepted, one past rejected', () => {
  it('checkInteger accepts min and max, rejects one past each', () => {
    expect(() => checkInteger('Here', 'n', 1, { min: 1, max: 100 })).not.toThrow();
    expect(() => checkInteger('Here', 'n', 100, { min: 1, max: 100 })).not.toThrow();
    expect(orchestrationErrorFrom(() => checkInteger('Here', 'n', 0, { min: 1, max: 100 })).message).toBe('Here: n (0) must be an integer from 1 to 100');
    expect(orchestrationErrorFrom(() => checkInteger('Here', 'n', 101, { min: 1, max: 100 })).message).toBe('Here: n (101) must be an integer from 1 to 100');
  });

  it('checkNumber accepts min, max and fractions between, rejects just past each and NaN', () => {
    for (const n of [0, 0.5, 100]) expect(() => checkNumber('Here', 'pct', n, { min: 0, max: 100 })).not.toThrow();
    expect(orchestrationErrorFrom(() => checkNumber('Here', 'pct', -0.5, { min: 0, max: 100 })).message).toBe('Here: pct (-0.5) must be a number from 0 to 100');
    expect(orchestrationErrorFrom(() => checkNumber('Here', 'pct', 100.5, { min: 0, max: 100 })).message).toBe('Here: pct (100.5) must be a number from 0 to 100');
    expect(orchestrationErrorFrom(() => checkNumber('Here', 'pct', Number.NaN, { min: 0, max: 100 })).message).toBe('Here: pct (NaN) must be a number from 0 to 100');
  });

  it('checkDuration accepts min and max, rejects a millisecond past each', () => {
    const range = { min: Duration.seconds(1), max: Duration.minutes(1) };
    expect(() => checkDuration('Here', 'd', Duration.seconds(1), range)).not.toThrow();
    expect(() => checkDuration('Here', 'd', Duration.millis(60_000), range)).not.toThrow();
    expect(orchestrationErrorFrom(() => checkDuration('Here', 'd', Duration.millis(999), range)).message).toBe('Here: d (999 millis) must be from 1 second to 1 minute');
    expect(orchestrationErrorFrom(() => checkDuration('Here', 'd', Duration.millis(60_001), range)).message).toBe('Here: d (1 minute 1 milli) must be from 1 second to 1 minute');
  });
});
