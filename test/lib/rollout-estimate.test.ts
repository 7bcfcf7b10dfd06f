import { describe, expect, it } from 'vitest';
import {
  bookServerRolloutTiming,
  bookVmRolloutTiming,
  DEFAULT_BOOT_AND_START_SECONDS,
  estimateRollout,
  formatSeconds,
  replicasPerBatch,
} from '../../lib/rollout-estimate';

describe('replicasPerBatch (instance refresh percentages)', () => {
  it('replaces the whole group at once with min 100 / max 200 (launch before terminate)', () => {
    expect(replicasPerBatch(3, 100, 200)).toBe(3);
    expect(replicasPerBatch(10, 100, 200)).toBe(10);
  });
  it('adds surge and unavailability, rounded down, and at least one', () => {
    expect(replicasPerBatch(3, 100, 110)).toBe(1); // 10 % of 3 rounds down to 0, then at least 1
    expect(replicasPerBatch(10, 90, 110)).toBe(2);
    expect(replicasPerBatch(4, 50, 150)).toBe(4);
    expect(replicasPerBatch(3, 0, 100)).toBe(3);
  });
  it('never exceeds the group', () => {
    expect(replicasPerBatch(3, 0, 200)).toBe(3);
  });
  it('rejects percentages outside what instance refresh takes', () => {
    expect(() => replicasPerBatch(3, -1, 200)).toThrow('minHealthyPercentage (-1) must be from 0 to 100');
    expect(() => replicasPerBatch(3, 100, 250)).toThrow('maxHealthyPercentage (250) must be from 100 to 200');
    expect(() => replicasPerBatch(0, 100, 200)).toThrow('groupSize (0) must be an integer >= 1');
  });
  it('rejects a min healthy just over 100 and a max healthy just under 100', () => {
    expect(() => replicasPerBatch(3, 101, 200)).toThrow(new RangeError('rollout estimate: minHealthyPercentage (101) must be from 0 to 100'));
    expect(() => replicasPerBatch(3, 100, 99)).toThrow(new RangeError('rollout estimate: maxHealthyPercentage (99) must be from 100 to 200'));
  });
});

describe('estimateRollout', () => {
  const base = { groupSize: 3, replacedPerBatch: 1, bootAndStartSeconds: 60, warmupSeconds: 30, healthCheckIntervalSeconds: 10, healthyThreshold: 2, deregistrationDelaySeconds: 30 };

  it('sums one batch: boot + interval × healthy threshold + warmup + deregistration', () => {
    const e = estimateRollout(base);
    expect(e.perBatchSeconds).toBe(60 + 20 + 30 + 30);
    expect(e.breakdown).toEqual({ bootAndStart: 60, healthChecks: 20, warmup: 30, deregistration: 30, checkpoints: 0, bake: 0 });
  });

  it('multiplies by the number of sequential batches, rounding up', () => {
    expect(estimateRollout(base).batches).toBe(3);
    expect(estimateRollout({ ...base, replacedPerBatch: 2 }).batches).toBe(2);
    expect(estimateRollout({ ...base, replacedPerBatch: 5 }).batches).toBe(1);
    expect(estimateRollout({ ...base, replacedPerBatch: 2 }).totalSeconds).toBe(2 * 140);
  });

  it('adds checkpoint pauses and the bake time once', () => {
    const e = estimateRollout({ ...base, checkpoints: { count: 2, delaySeconds: 300 }, bakeSeconds: 120 });
    expect(e.totalSeconds).toBe(3 * 140 + 600 + 120);
    expect(e.summary).toBe('3 batches × 2 min 20 s + 10 min 0 s of checkpoints + 2 min 0 s bake = 19 min 0 s');
  });

  it('gives the sample default (vm construct defaults) and the book a readable comparison', () => {
    const sample = estimateRollout({
      groupSize: 3,
      replacedPerBatch: replicasPerBatch(3, 100, 200),
      bootAndStartSeconds: DEFAULT_BOOT_AND_START_SECONDS,
      warmupSeconds: 30,
      healthCheckIntervalSeconds: 10,
      healthyThreshold: 2,
      deregistrationDelaySeconds: 30,
    });
    const book = estimateRollout(bookVmRolloutTiming());
    expect(sample.summary).toBe('1 batch × 2 min 50 s = 2 min 50 s');
    expect(book.summary).toBe('1 batch × 12 min 30 s = 12 min 30 s');
    const wide = estimateRollout({ ...bookVmRolloutTiming(), groupSize: 10, replacedPerBatch: replicasPerBatch(10, 90, 110), warmupSeconds: 30, healthCheckIntervalSeconds: 10, deregistrationDelaySeconds: 30 });
    expect(wide.summary).toBe('5 batches × 2 min 50 s = 14 min 10 s'); // the README's third row
    expect(book.breakdown).toEqual({ bootAndStart: 90, healthChecks: 60, warmup: 300, deregistration: 300, checkpoints: 0, bake: 0 });
  });

  it('models the book\'s server rollout (serial: 1, no health checks, no drain)', () => {
    const e = estimateRollout(bookServerRolloutTiming());
    expect(e.batches).toBe(3);
    expect(e.totalSeconds).toBe(3 * (5 + 0 + 0 + 0));
  });

  it('rejects impossible settings with a RangeError naming the input', () => {
    expect(() => estimateRollout({ ...base, groupSize: 2.5 })).toThrow('groupSize (2.5) must be an integer >= 1');
    expect(() => estimateRollout({ ...base, replacedPerBatch: 0 })).toThrow('replacedPerBatch (0) must be an integer >= 1');
    expect(() => estimateRollout({ ...base, warmupSeconds: -1 })).toThrow('warmupSeconds (-1) must be a number >= 0');
    expect(() => estimateRollout({ ...base, healthyThreshold: 0 })).toThrow('healthyThreshold (0) must be an integer >= 1');
    expect(() => estimateRollout({ ...base, deregistrationDelaySeconds: Number.NaN })).toThrow('deregistrationDelaySeconds (NaN)');
  });

  it('accepts fractional seconds and adds them exactly', () => {
    const e = estimateRollout({ ...base, bootAndStartSeconds: 60.5, warmupSeconds: 0.25, healthCheckIntervalSeconds: 2.5, deregistrationDelaySeconds: 0.5, checkpoints: { count: 1, delaySeconds: 0.5 }, bakeSeconds: 1.5 });
    expect(e.perBatchSeconds).toBe(60.5 + 2.5 * 2 + 0.25 + 0.5);
    expect(e.breakdown).toEqual({ bootAndStart: 60.5, healthChecks: 5, warmup: 0.25, deregistration: 0.5, checkpoints: 0.5, bake: 1.5 });
    expect(e.totalSeconds).toBe(3 * 66.25 + 0.5 + 1.5);
  });

  it('rejects a fractional checkpoint count and a negative bake or checkpoint delay, naming the field', () => {
    expect(() => estimateRollout({ ...base, checkpoints: { count: 1.5, delaySeconds: 60 } })).toThrow(new RangeError('rollout estimate: checkpoints.count (1.5) must be an integer >= 0'));
    expect(() => estimateRollout({ ...base, checkpoints: { count: 1, delaySeconds: -1 } })).toThrow(new RangeError('rollout estimate: checkpoints.delaySeconds (-1) must be a number >= 0'));
    expect(() => estimateRollout({ ...base, bakeSeconds: -1 })).toThrow(new RangeError('rollout estimate: bakeSeconds (-1) must be a number >= 0'));
    // Each timing names itself (mutation testing found these two unnamed by any test).
    expect(() => estimateRollout({ ...base, bootAndStartSeconds: -1 })).toThrow(new RangeError('rollout estimate: bootAndStartSeconds (-1) must be a number >= 0'));
    expect(() => estimateRollout({ ...base, healthCheckIntervalSeconds: -1 })).toThrow(new RangeError('rollout estimate: healthCheckIntervalSeconds (-1) must be a number >= 0'));
  });
});

describe('formatSeconds', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatSeconds(45)).toBe('45 s');
    expect(formatSeconds(750)).toBe('12 min 30 s');
    expect(formatSeconds(3720)).toBe('1 h 2 min 0 s');
  });
});
