import type { AwsContext } from './aws';
import type { Kubectl } from './kubectl';
import type { StackInfo } from './outputs';
import type { Colors } from './paint';
import type { Style } from './stack-outputs';

/** What the CLI knows about a deployed stack of one style (from its outputs). */
export type StackInfoOf<S extends Style> = Extract<StackInfo, { style: S }>;

/** One observation of a rollout (`watch`). */
export interface Progress {
  /** What is being followed, e.g. `instance refresh 0a1b…`. */
  readonly subject: string;
  /** The provider's status word (InProgress, Successful, RollbackSuccessful, ...). */
  readonly status: string;
  /** 0-100 when known. */
  readonly percent?: number;
  /** One line for people. */
  readonly message: string;
  /** True when the rollout has ended. */
  readonly done: boolean;
  /** When done: true only if it succeeded (not failed, cancelled or rolled back). */
  readonly ok: boolean;
  /** True when nothing was in progress and the report is about the last rollout. */
  readonly idle?: boolean;
}

/** What `rollback` did, and what it could not do, in sentences for people. */
export interface RollbackResult {
  readonly style: Style;
  readonly stack: string;
  /** True when something was changed. */
  readonly changed: boolean;
  /** What was done. */
  readonly done: string[];
  /** What could not be done, and why. */
  readonly cannot: string[];
  /** What to run next. */
  readonly next: string[];
}

/** What every command that reads a stack may get besides AWS. */
export interface AdapterOptions {
  /** @default - none: the container style prints the kubectl commands instead */
  readonly kubectl?: Kubectl;
}

/** The fields every status report has, whatever its style. */
export interface StatusBase<S extends Style> {
  readonly style: S;
  readonly stack: string;
  readonly region: string;
}

/**
 * Everything the CLI does for one style: read its status, follow its rollout (`watch`), roll it back, and print the
 * status for people. `styles/index.ts` collects one adapter per style in a map the compiler checks to be complete.
 */
export interface StyleAdapter<S extends Style, R extends StatusBase<Style>> {
  /** `status`: what the stack runs now and the rollout in progress (or the last one). */
  status(ctx: AwsContext, info: StackInfoOf<S>, options: AdapterOptions): Promise<R>;
  /** `watch`: one observation of the rollout; `follow` calls it until `done`. */
  poll(ctx: AwsContext, info: StackInfoOf<S>, options: AdapterOptions): Promise<Progress>;
  /** `rollback`: undoes what the platform allows, and says what it did and could not do. */
  rollback(ctx: AwsContext, info: StackInfoOf<S>, options: AdapterOptions): Promise<RollbackResult>;
  /** The status report's lines for people, below the common header. */
  render(report: R, c: Colors): string[];
}

/** The newest of a list by a date field (SSM and ASG do not promise an order). */
export function newest<T>(items: readonly T[] | undefined, date: (item: T) => Date | undefined): T | undefined {
  let best: T | undefined;
  for (const item of items ?? []) {
    if (best === undefined || (date(item)?.getTime() ?? 0) > (date(best)?.getTime() ?? 0)) best = item;
  }
  return best;
}

/** True when `value` is one of `set`: narrows an SDK's loosely typed string to the statuses we name. */
export function isOneOf<T extends string>(set: ReadonlySet<T>, value: string | undefined): value is T {
  return value !== undefined && set.has(value as T);
}
