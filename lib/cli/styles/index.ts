// One adapter per style, in a map the compiler checks to be complete: a style missing from the map, or an adapter
// missing a method (status, poll, rollback, render), does not compile. The command files (status.ts, watch.ts,
// rollback.ts, format.ts) only look the adapter up here.
import type { StatusBase, StyleAdapter } from '../adapter';
import type { Style } from '../stack-outputs';
import { container } from './container';
import { server } from './server';
import { serverless } from './serverless';
import { vm } from './vm';

/** Every style's adapter, by style. */
export type AdapterMap = { readonly [S in Style]: StyleAdapter<S, StatusBase<S>> };

export const ADAPTERS = { server, vm, container, serverless } as const satisfies AdapterMap;

/** The status report of a style (`StatusReportOf<Style>`: any style's). */
export type StatusReportOf<S extends Style> = Awaited<ReturnType<(typeof ADAPTERS)[S]['status']>>;

/**
 * The adapter of a style. With a union (`adapterFor<Style>(info.style)`) it takes any style's stack and returns any
 * style's report: the one cast that lets a command dispatch without a switch over the styles.
 */
export function adapterFor<S extends Style>(style: S): StyleAdapter<S, StatusReportOf<S>> {
  return ADAPTERS[style] as unknown as StyleAdapter<S, StatusReportOf<S>>;
}

export type { ContainerStatus } from './container';
export type { AssociationExecutionSummary, AssociationRunStatus, ServerInstanceStatus, ServerStatus } from './server';
export type { DeploymentSummary, ServerlessStatus } from './serverless';
export type { RefreshSummary, VmStatus } from './vm';
