// The worst case a sample's rollout is compared with in the report, per style.
import type { Style } from '../cli/stack-outputs';
import { estimateRollout, formatSeconds } from '../rollout-estimate';
import { SAMPLE_REPLICAS, type E2eEnv } from './plan';

export interface WorstCase {
  /** Seconds, or undefined when not known before the deploy (vm: a stack output). */
  readonly seconds?: number;
  /** Where the number comes from. */
  readonly source: string;
}

/** The server fleet's defaults (constructs/server/server-fleet.ts): install 2 min, health wait 2 min, 2 s pause, 30 s stop. */
export function serverWorstCase(env: E2eEnv): WorstCase {
  const e = estimateRollout({
    groupSize: SAMPLE_REPLICAS[env],
    replacedPerBatch: 1,
    bootAndStartSeconds: 120 + 120,
    warmupSeconds: 2,
    healthCheckIntervalSeconds: 0,
    healthyThreshold: 1,
    deregistrationDelaySeconds: 30,
  });
  return { seconds: e.totalSeconds, source: `rollout estimator, the server fleet's defaults: ${e.summary}` };
}

/** The worst case of a style's rollout; `outputs` (the stack's) supply the vm style's own estimate. */
export function worstCase(style: Style, env: E2eEnv, outputs: Readonly<Record<string, string>> = {}): WorstCase {
  switch (style) {
    case 'server':
      return serverWorstCase(env);
    case 'vm': {
      const s = Number(outputs.RolloutEstimateSeconds);
      return Number.isFinite(s) && s > 0
        ? { seconds: s, source: `rollout estimator, the stack's RolloutEstimateSeconds output (VmService.rolloutEstimate): ${formatSeconds(s)}` }
        : { source: "rollout estimator: the stack's RolloutEstimateSeconds output, read after the deploy" };
    }
    case 'container':
      return { seconds: 600, source: "no estimator for Kubernetes: the Deployment's progressDeadline (10 min), past which the rollout fails" };
    case 'serverless':
      return { seconds: 300, source: 'TrafficShift.canary() default: 10 % for 5 min, then 100 % (plus CloudFormation\'s own update time)' };
  }
}
