// The container style's optional peer dependencies, loaded on first use: cdk8s (the chart) and the
// kubectl layer packages (`@aws-cdk/lambda-layer-kubectl-vNN`, ~37 MB each). Importing the package,
// any entry point, the container style included, loads neither: a user of another style does not
// need them installed and does not pay for loading them. A container user without them gets an
// OrchestrationError naming the package to install.
import type * as Cdk8s from 'cdk8s';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';

/** The command that installs cdk8s (an optional peer dependency of this package, `^2`). */
export const CDK8S_INSTALL = 'npm install cdk8s@^2';

/** How the container style loads an optional package (`require` by default; tests pass another). */
export type PeerLoader = (pkg: string) => unknown;

const nodeRequire: PeerLoader = (pkg) => require(pkg);
let loader: PeerLoader = nodeRequire;

/**
 * Replaces the loader (undefined restores `require`), so that tests can simulate a package that is not
 * installed. Only for tests.
 */
export function setPeerLoaderForTesting(load: PeerLoader | undefined): void {
  loader = load ?? nodeRequire;
  cdk8sModule = undefined;
}

/** True when `err` says that `pkg` itself cannot be found (not a module it requires). */
export function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const notFound = e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND';
  const message = typeof e?.message === 'string' ? e.message : '';
  return notFound && (message.startsWith(`Cannot find module '${pkg}'`) || message.startsWith(`Cannot find package '${pkg}'`));
}

/** Loads `pkg`, or undefined when it is not installed; any other error (a broken install) is thrown. */
export function loadOptionalPeer<T>(pkg: string): T | undefined {
  try {
    return loader(pkg) as T;
  } catch (err) {
    if (isMissingPackage(err, pkg)) return undefined;
    throw err;
  }
}

let cdk8sModule: typeof Cdk8s | undefined;

/**
 * cdk8s, loaded on first use. Without it: an OrchestrationError at `where` saying what to install.
 */
export function loadCdk8s(where: IConstruct | string | undefined): typeof Cdk8s {
  cdk8sModule ??= loadOptionalPeer<typeof Cdk8s>('cdk8s');
  if (!cdk8sModule) {
    throw new OrchestrationError(
      where,
      'cdk8s',
      undefined,
      `is required by the container style, which writes the app's Kubernetes manifests with it (an optional peer dependency of cdk-orchestration, not installed with it): \`${CDK8S_INSTALL}\``,
    );
  }
  return cdk8sModule;
}

/**
 * cdk8s's `Chart` as a base class resolved on first use, so that declaring a class that extends it
 * does not load cdk8s: `class AppChart extends lazyChart()`. The type is cdk8s's own (jsii and
 * TypeScript see `extends cdk8s.Chart`). The first construction or static call loads cdk8s and puts
 * the real `Chart` under the stand-in (prototype and statics), so that `instanceof Chart`,
 * `Chart.isChart` and `Chart.of` hold for the instances; constructing without cdk8s throws
 * {@link loadCdk8s}'s error, naming the chart's id.
 */
export function lazyChart(): typeof Cdk8s.Chart {
  const real = (where: string | undefined): typeof Cdk8s.Chart => {
    const { Chart } = loadCdk8s(where);
    if (Object.getPrototypeOf(LazyChart) !== Chart) {
      Object.setPrototypeOf(LazyChart, Chart);
      Object.setPrototypeOf(LazyChart.prototype, Chart.prototype);
    }
    return Chart;
  };
  class LazyChart {
    static isChart(x: unknown): boolean {
      return real(undefined).isChart(x);
    }
    static of(c: IConstruct): Cdk8s.Chart {
      return real(undefined).of(c);
    }
    static isConstruct(x: unknown): boolean {
      return real(undefined).isConstruct(x);
    }
    static [Symbol.hasInstance](o: unknown): boolean {
      return (real(undefined) as unknown as { [Symbol.hasInstance](o: unknown): boolean })[Symbol.hasInstance](o);
    }
    constructor(...args: unknown[]) {
      // A base constructor that returns an object: it becomes the subclass's `this` (new.target keeps the subclass's prototype).
      return Reflect.construct(real(typeof args[1] === 'string' ? args[1] : undefined), args, new.target) as LazyChart;
    }
  }
  return LazyChart as unknown as typeof Cdk8s.Chart;
}
