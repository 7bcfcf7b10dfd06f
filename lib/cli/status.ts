// `cdk-orchestrate status`: the style's adapter (styles/) reads the stack's status.
import type { AdapterOptions } from './adapter';
import type { AwsContext } from './aws';
import type { StackInfo } from './outputs';
import type { Style } from './stack-outputs';
import { adapterFor, type StatusReportOf } from './styles';

export type { ContainerStatus, ServerlessStatus, ServerStatus, VmStatus } from './styles';

/** Any style's status report. */
export type StatusReport = StatusReportOf<Style>;

export type StatusOptions = AdapterOptions;

/** The status of a deployed stack, by its style. */
export function stackStatus(ctx: AwsContext, info: StackInfo, options: StatusOptions = {}): Promise<StatusReport> {
  return adapterFor<Style>(info.style).status(ctx, info, options);
}
