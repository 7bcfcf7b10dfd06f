/**
 * Worst-case duration of a rolling replacement of a fleet, from its settings.
 *
 * Pure arithmetic, shared by the vm style (instance refresh of an Auto Scaling group behind an
 * ALB) and the server style (an in-place rollout in batches behind a load balancer). The model:
 * the fleet is replaced in `ceil(groupSize / replacedPerBatch)` sequential batches, and one batch
 * takes, at worst,
 *
 *     bootAndStart + healthCheckInterval × healthyThreshold + warmup + deregistrationDelay
 *
 * (a new replica boots and starts its app; the load balancer needs `healthyThreshold` passing
 * checks `healthCheckInterval` apart before it routes to it; the rollout waits `warmup` before
 * counting it; the replica it replaces drains for `deregistrationDelay` before it is gone and the
 * next batch starts). Checkpoint pauses and the final bake time are added once each.
 *
 * "Worst case" means every step takes its full time: a health check that passes on its first
 * try still waits for `healthyThreshold` checks, and a drain lasts its whole delay (the ALB cuts
 * it short once in-flight requests finish, so real rollouts are often faster).
 */

/** The settings that determine how long a rollout takes. All durations in seconds. */
export interface RolloutTiming {
  /** Replicas in the fleet when the rollout starts (the group's desired capacity). */
  readonly groupSize: number;
  /** Replicas replaced at once (see {@link replicasPerBatch} for instance refresh percentages). */
  readonly replacedPerBatch: number;
  /** From the start of a replacement until the app answers its health check (boot + start). */
  readonly bootAndStartSeconds: number;
  /** Time a replica must stay healthy before the rollout counts it (instance warmup, bake per server). */
  readonly warmupSeconds: number;
  /** The load balancer's health check interval. */
  readonly healthCheckIntervalSeconds: number;
  /** Consecutive passing checks before the load balancer routes to a replica. */
  readonly healthyThreshold: number;
  /** How long a replaced replica drains before it is removed. */
  readonly deregistrationDelaySeconds: number;
  /**
   * Pauses at checkpoints (instance refresh checkpoints): how many, and how long each.
   * @default - no checkpoints
   */
  readonly checkpoints?: RolloutCheckpoints;
  /**
   * Time waited once after the last batch before the rollout counts as done
   * (instance refresh's bake time).
   * @default 0
   */
  readonly bakeSeconds?: number;
}

/** Pauses at checkpoints of a rollout (instance refresh checkpoints). */
export interface RolloutCheckpoints {
  /** How many checkpoints. */
  readonly count: number;
  /** How long each pause lasts, in seconds. */
  readonly delaySeconds: number;
}

/** The parts of a rollout estimate, in seconds: the four steps of one batch, then the once-only waits. */
export interface RolloutBreakdown {
  /** A new replica boots and starts its app. */
  readonly bootAndStart: number;
  /** The load balancer's passing health checks (interval × healthy threshold). */
  readonly healthChecks: number;
  /** The rollout waits before counting the replica. */
  readonly warmup: number;
  /** The replaced replica drains. */
  readonly deregistration: number;
  /** All checkpoint pauses together (once per rollout). */
  readonly checkpoints: number;
  /** The final bake time (once per rollout). */
  readonly bake: number;
}

/** An estimate and how it was reached. */
export interface RolloutEstimate {
  /** Sequential batches. */
  readonly batches: number;
  /** Worst-case seconds per batch. */
  readonly perBatchSeconds: number;
  /** Worst-case seconds for the whole rollout. */
  readonly totalSeconds: number;
  /** The parts of the estimate, in seconds. */
  readonly breakdown: RolloutBreakdown;
  /** The estimate as a short human string, e.g. "1 batch × 3 min 0 s = 3 min 0 s". */
  readonly summary: string;
}

function check(name: string, value: number | undefined, min: number, integer: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(`rollout estimate: ${name} (${String(value)}) must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
}

/**
 * How many replicas an instance refresh replaces at once: the surge it may add
 * (`maxHealthyPercentage - 100`) plus the replicas it may take out of service
 * (`100 - minHealthyPercentage`), each rounded down, and at least one.
 */
export function replicasPerBatch(groupSize: number, minHealthyPercentage: number, maxHealthyPercentage: number): number {
  check('groupSize', groupSize, 1, true);
  if (!(minHealthyPercentage >= 0 && minHealthyPercentage <= 100)) throw new RangeError(`rollout estimate: minHealthyPercentage (${minHealthyPercentage}) must be from 0 to 100`);
  if (!(maxHealthyPercentage >= 100 && maxHealthyPercentage <= 200)) throw new RangeError(`rollout estimate: maxHealthyPercentage (${maxHealthyPercentage}) must be from 100 to 200`);
  const surge = Math.floor((groupSize * (maxHealthyPercentage - 100)) / 100);
  const unavailable = Math.floor((groupSize * (100 - minHealthyPercentage)) / 100);
  return Math.min(groupSize, Math.max(1, surge + unavailable));
}

/** The worst-case duration of a rollout. Throws RangeError on impossible settings. */
export function estimateRollout(t: RolloutTiming): RolloutEstimate {
  check('groupSize', t.groupSize, 1, true);
  check('replacedPerBatch', t.replacedPerBatch, 1, true);
  check('bootAndStartSeconds', t.bootAndStartSeconds, 0, false);
  check('warmupSeconds', t.warmupSeconds, 0, false);
  check('healthCheckIntervalSeconds', t.healthCheckIntervalSeconds, 0, false);
  check('healthyThreshold', t.healthyThreshold, 1, true);
  check('deregistrationDelaySeconds', t.deregistrationDelaySeconds, 0, false);
  check('checkpoints.count', t.checkpoints?.count, 0, true);
  check('checkpoints.delaySeconds', t.checkpoints?.delaySeconds, 0, false);
  check('bakeSeconds', t.bakeSeconds, 0, false);

  const batches = Math.ceil(t.groupSize / Math.min(t.replacedPerBatch, t.groupSize));
  const healthChecks = t.healthCheckIntervalSeconds * t.healthyThreshold;
  const perBatchSeconds = t.bootAndStartSeconds + healthChecks + t.warmupSeconds + t.deregistrationDelaySeconds;
  const checkpoints = (t.checkpoints?.count ?? 0) * (t.checkpoints?.delaySeconds ?? 0);
  const bake = t.bakeSeconds ?? 0;
  const totalSeconds = batches * perBatchSeconds + checkpoints + bake;
  const extras = [checkpoints ? `${formatSeconds(checkpoints)} of checkpoints` : '', bake ? `${formatSeconds(bake)} bake` : ''].filter(Boolean);
  return {
    batches,
    perBatchSeconds,
    totalSeconds,
    breakdown: { bootAndStart: t.bootAndStartSeconds, healthChecks, warmup: t.warmupSeconds, deregistration: t.deregistrationDelaySeconds, checkpoints, bake },
    summary: `${batches} batch${batches === 1 ? '' : 'es'} × ${formatSeconds(perBatchSeconds)}${extras.length ? ` + ${extras.join(' + ')}` : ''} = ${formatSeconds(totalSeconds)}`,
  };
}

/** "12 min 30 s", "45 s", "1 h 2 min 0 s". */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h} h ${m} min ${r} s`;
  if (m) return `${m} min ${r} s`;
  return `${r} s`;
}

/**
 * Boot-and-start time the estimates assume for an Amazon Linux 2023 instance running a small
 * Node.js app: launch, boot, user data and the app's start (typically 40-70 s; 90 s is a
 * deliberately pessimistic default).
 */
export const DEFAULT_BOOT_AND_START_SECONDS = 90;

/**
 * The timing of the book's vm rollout (chapter 3's OpenTofu module): 3 instances, instance
 * refresh with min healthy 100 % and max healthy 200 %, no warmup set (so instance refresh uses
 * the group's health check grace period, left at its 300 s default), target group health check
 * every 30 s with a healthy threshold of 2, and the default 300 s deregistration delay.
 */
export function bookVmRolloutTiming(bootAndStartSeconds = DEFAULT_BOOT_AND_START_SECONDS): RolloutTiming {
  return {
    groupSize: 3,
    replacedPerBatch: replicasPerBatch(3, 100, 200),
    bootAndStartSeconds,
    warmupSeconds: 300,
    healthCheckIntervalSeconds: 30,
    healthyThreshold: 2,
    deregistrationDelaySeconds: 300,
  };
}

/**
 * The timing of the book's server rollout (Ansible `serial: 1` behind nginx): 3 servers, one at
 * a time, no warmup, no load balancer health checks (nginx has none: passive checks only) and no
 * drain (nginx keeps sending requests until a connection fails).
 */
export function bookServerRolloutTiming(bootAndStartSeconds = 5): RolloutTiming {
  return {
    groupSize: 3,
    replacedPerBatch: 1,
    bootAndStartSeconds,
    warmupSeconds: 0,
    healthCheckIntervalSeconds: 0,
    healthyThreshold: 1,
    deregistrationDelaySeconds: 0,
  };
}
