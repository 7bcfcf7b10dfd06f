import { Duration } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServerFleet } from '../../../constructs/server';
import { bookServerRolloutTiming, estimateRollout } from '../../../lib/rollout-estimate';
import { SAMPLE_APP_DIR, testStack } from '../../helpers';
import { AppSource } from '../../../lib/app';

// Made in beforeAll, not at import: a mistake in AppSource then fails these tests instead of the file's loading.
let app: { source: AppSource };
beforeAll(() => {
  app = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };
});

describe('server rollout duration, from the shared estimator', () => {
  it('gives the sample defaults: 3 steps of install + health wait + pause + graceful stop', () => {
    const fleet = new ServerFleet(testStack(), 'Fleet', { app });
    const e = fleet.rolloutEstimate;
    expect(e.batches).toBe(3);
    expect(e.breakdown).toEqual({ bootAndStart: 240, healthChecks: 0, warmup: 2, deregistration: 30, checkpoints: 0, bake: 0 });
    expect(e.totalSeconds).toBe(3 * 272);
    expect(e.summary).toBe('3 batches × 4 min 32 s = 13 min 36 s');
    // the book's playbook is "faster" only because it waits for nothing (and drops requests)
    expect(estimateRollout(bookServerRolloutTiming()).totalSeconds).toBe(15);
  });

  it('lets CloudFormation wait at least the worst case before it fails the deploy', () => {
    for (const props of [{}, { serial: 2 }, { fleetSize: 5 }, { fleetSize: 6, serial: 3 }]) {
      const fleet = new ServerFleet(testStack(), 'Fleet', { app, ...props });
      expect(fleet.rolloutTiming.waitForSuccessTimeout.toSeconds(), JSON.stringify(props)).toBeGreaterThanOrEqual(fleet.rolloutEstimate.totalSeconds);
    }
  });

  it('shrinks with serial: two servers at a time halves the steps', () => {
    const one = new ServerFleet(testStack(), 'Fleet', { app, fleetSize: 4 });
    const two = new ServerFleet(testStack(), 'Fleet', { app, fleetSize: 4, serial: 2 });
    expect(two.rolloutEstimate.batches).toBe(one.rolloutEstimate.batches / 2);
    expect(two.rolloutEstimate.totalSeconds).toBe(one.rolloutEstimate.totalSeconds / 2);
    expect(Duration.seconds(one.rolloutEstimate.totalSeconds).toMinutes({ integral: false })).toBeGreaterThan(15);
  });
});
