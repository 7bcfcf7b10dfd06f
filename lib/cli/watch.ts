// `cdk-orchestrate watch`: polls the style's adapter (styles/) until the rollout ends.
import type { Progress } from './adapter';
import { sleep as realSleep, type AwsContext } from './aws';
import { CliError } from './errors';
import type { Kubectl } from './kubectl';
import type { StackInfo } from './outputs';
import type { Style } from './stack-outputs';
import { adapterFor } from './styles';

export type { Progress } from './adapter';

export interface FollowOptions {
  /** Between polls. @default 10000 */
  readonly intervalMs?: number;
  /** Give up after. @default 3600000 (1 h) */
  readonly timeoutMs?: number;
  /** Called on every observation. */
  readonly onProgress?: (p: Progress) => void;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Polls until the rollout ends or the timeout passes (a CliError). Returns the last observation. */
export async function follow(poll: () => Promise<Progress>, options: FollowOptions = {}): Promise<Progress> {
  const interval = options.intervalMs ?? 10_000;
  const timeout = options.timeoutMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? realSleep;
  const start = now();
  for (;;) {
    const p = await poll();
    options.onProgress?.(p);
    if (p.done) return p;
    if (now() - start + interval > timeout) {
      throw new CliError(`gave up after ${Math.round(timeout / 1000)} s: ${p.subject} is still ${p.status}.`, 1, 'Run watch again, or raise --timeout.');
    }
    await wait(interval);
  }
}

/** The poll function for a stack's style. The container style follows the rollout through kubectl. */
export function pollerFor(ctx: AwsContext, info: StackInfo, kubectl: Kubectl | undefined): () => Promise<Progress> {
  const adapter = adapterFor<Style>(info.style);
  return () => adapter.poll(ctx, info, { kubectl });
}
