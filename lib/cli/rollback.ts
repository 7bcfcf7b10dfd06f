// `cdk-orchestrate rollback`: the style's adapter (styles/) rolls back what the platform allows.
import type { AdapterOptions, RollbackResult } from './adapter';
import type { AwsContext } from './aws';
import type { StackInfo } from './outputs';
import type { Style } from './stack-outputs';
import { adapterFor } from './styles';

export type { RollbackResult } from './adapter';

export type RollbackOptions = AdapterOptions;

/** Rolls back what can be rolled back for a stack's style, and says what it did. */
export function rollback(ctx: AwsContext, info: StackInfo, options: RollbackOptions = {}): Promise<RollbackResult> {
  return adapterFor<Style>(info.style).rollback(ctx, info, options);
}
