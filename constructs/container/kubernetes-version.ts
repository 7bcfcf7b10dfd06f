import { Annotations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete } from '../../lib/validate';
import { loadOptionalPeer } from './private/optional-peers';

/** When EKS stops standard and extended support of a Kubernetes minor version (UTC dates, `YYYY-MM-DD`). */
export interface KubernetesVersionSupport {
  /** The first day EKS bills extended support (the end of standard support). */
  readonly endOfStandardSupport: string;
  /** The end of extended support: EKS no longer creates clusters of the version and upgrades existing ones itself. */
  readonly endOfExtendedSupport: string;
  /**
   * The dates are an estimate: EKS's calendar did not list the version when this table was written. The
   * end of standard support is then the earliest the rule (14 months after the EKS release, which follows
   * the upstream release) allows, so the warning never comes late, and the end of extended support the
   * latest, so a version is never refused while EKS still runs it.
   */
  readonly estimated?: boolean;
}

/**
 * EKS's Kubernetes release calendar (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 * "Amazon EKS Kubernetes release calendar"; dates in UTC). Billing for extended support starts at the
 * beginning of the end-of-standard-support day.
 */
export const KUBERNETES_VERSION_CALENDAR = {
  '1.29': { endOfStandardSupport: '2025-03-23', endOfExtendedSupport: '2026-03-23' },
  '1.30': { endOfStandardSupport: '2025-07-23', endOfExtendedSupport: '2026-07-23' },
  '1.31': { endOfStandardSupport: '2025-11-26', endOfExtendedSupport: '2026-11-26' },
  '1.32': { endOfStandardSupport: '2026-03-23', endOfExtendedSupport: '2027-03-23' },
  '1.33': { endOfStandardSupport: '2026-07-29', endOfExtendedSupport: '2027-07-29' },
  '1.34': { endOfStandardSupport: '2026-12-02', endOfExtendedSupport: '2027-12-02' },
  '1.35': { endOfStandardSupport: '2027-03-27', endOfExtendedSupport: '2028-03-27' },
  // Upstream 1.36 was released on 2026-04-22 and EKS ran it by 2026-06-28: its EKS release lies between,
  // so standard support ends between 2027-06-22 and 2027-08-28 (14 months on), extended 12 months later.
  '1.36': { endOfStandardSupport: '2027-06-22', endOfExtendedSupport: '2028-08-28', estimated: true },
} as const satisfies Record<string, KubernetesVersionSupport>;

/** The Kubernetes minor versions this library creates clusters with: those in the calendar, each with a kubectl layer on npm. */
export const SUPPORTED_KUBERNETES_VERSIONS = Object.keys(KUBERNETES_VERSION_CALENDAR) as SupportedKubernetesVersion[];
export type SupportedKubernetesVersion = keyof typeof KUBERNETES_VERSION_CALENDAR;

/** The default: the newest version in the calendar (its kubectl layer, `@aws-cdk/lambda-layer-kubectl-v36`, is an optional peer dependency of this package). */
export const DEFAULT_KUBERNETES_VERSION = eks.KubernetesVersion.V1_36;

/** The Kubernetes version of the JSON schemas the tests validate every manifest against (kubernetes-models 5.1). */
export const SCHEMA_KUBERNETES_VERSION = '1.36';

/** The npm package of the kubectl layer for each version (`@aws-cdk/lambda-layer-kubectl-vNN`, class `KubectlVNNLayer`). */
export const KUBECTL_LAYER_PACKAGES = Object.fromEntries(
  SUPPORTED_KUBERNETES_VERSIONS.map((v) => {
    const nn = v.split('.')[1];
    return [v, { pkg: `@aws-cdk/lambda-layer-kubectl-v${nn}`, className: `KubectlV${nn}Layer` }];
  }),
) as Record<SupportedKubernetesVersion, { pkg: string; className: string }>;

/**
 * The context key that sets "today" for the support check (`YYYY-MM-DD`, UTC), e.g.
 * `cdk synth -c cdk-orchestration:today=2027-01-01`; tests pin it so they do not change with the calendar.
 * Without it, the environment variable `CDK_ORCHESTRATION_TODAY`, else the clock.
 */
export const TODAY_CONTEXT_KEY = 'cdk-orchestration:today';

/** EKS's control-plane prices per cluster-hour, "a total of $0.60" in extended support (https://aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing/, https://aws.amazon.com/eks/pricing/). */
export const EKS_CLUSTER_HOUR_USD = { standard: 0.1, extended: 0.6 } as const;

/** Where a version stands on a day: in standard support, in extended support (billed extra), or past it. */
export type KubernetesSupportStatus = 'standard' | 'extended' | 'ended';

/** The support status of a calendar version on `today` (`YYYY-MM-DD`). Pure. */
export function kubernetesSupportStatus(version: SupportedKubernetesVersion, today: string): KubernetesSupportStatus {
  const s: KubernetesVersionSupport = KUBERNETES_VERSION_CALENDAR[version];
  if (today >= s.endOfExtendedSupport) return 'ended';
  if (today >= s.endOfStandardSupport) return 'extended';
  return 'standard';
}

/** "Today" for `scope`: the context key, the environment variable, else the clock (UTC). */
export function todayFor(scope: IConstruct): string {
  const value: unknown = scope.node.tryGetContext(TODAY_CONTEXT_KEY) ?? process.env.CDK_ORCHESTRATION_TODAY;
  if (value === undefined || value === '') return new Date().toISOString().slice(0, 10);
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new OrchestrationError(scope, TODAY_CONTEXT_KEY, value, 'must be a date YYYY-MM-DD (context or CDK_ORCHESTRATION_TODAY)');
  }
  return value;
}

/** Rejects a version outside the calendar, and one past EKS extended support on `today`. */
export function checkKubernetesVersion(where: IConstruct, prop: string, version: eks.KubernetesVersion): SupportedKubernetesVersion {
  const v = (version as eks.KubernetesVersion | undefined)?.version;
  if (typeof v !== 'string') {
    throw new OrchestrationError(where, prop, version, 'must be an eks.KubernetesVersion, for example eks.KubernetesVersion.V1_36');
  }
  checkConcrete(where, prop, v, 'it picks the kubectl layer (a package of the matching kubectl) at synth');
  if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(v)) {
    throw new OrchestrationError(where, prop, v, `must be a Kubernetes version in EKS's release calendar with a kubectl layer: one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`);
  }
  const version_ = v as SupportedKubernetesVersion;
  const today = todayFor(where);
  if (kubernetesSupportStatus(version_, today) === 'ended') {
    const s = KUBERNETES_VERSION_CALENDAR[version_];
    throw new OrchestrationError(
      where,
      prop,
      v,
      `is past EKS extended support (it ended on ${s.endOfExtendedSupport}; today is ${today}): EKS creates no cluster of it and upgrades existing ones itself. Use one of ${inStandardSupport(today).join(', ') || DEFAULT_KUBERNETES_VERSION.version}`,
    );
  }
  return version_;
}

/** The calendar versions in standard support on `today`. */
function inStandardSupport(today: string): string[] {
  return SUPPORTED_KUBERNETES_VERSIONS.filter((v) => kubernetesSupportStatus(v, today) === 'standard');
}

/**
 * A synth warning on `scope` when `version` is in EKS extended support on its "today", naming the extra
 * cost; nothing in standard support. (Past extended support {@link checkKubernetesVersion} already threw.)
 */
export function warnOnExtendedSupport(scope: IConstruct, version: SupportedKubernetesVersion): void {
  const today = todayFor(scope);
  if (kubernetesSupportStatus(version, today) !== 'extended') return;
  const s: KubernetesVersionSupport = KUBERNETES_VERSION_CALENDAR[version];
  const extraPerMonth = Math.round((EKS_CLUSTER_HOUR_USD.extended - EKS_CLUSTER_HOUR_USD.standard) * 730);
  const upgrade = inStandardSupport(today);
  Annotations.of(scope).addWarningV2(
    'cdk-orchestration:kubernetes-extended-support',
    `Kubernetes ${version} left EKS standard support on ${s.endOfStandardSupport}${s.estimated ? ' (an estimate)' : ''}: EKS bills extended support, $${EKS_CLUSTER_HOUR_USD.extended.toFixed(2)} instead of $${EKS_CLUSTER_HOUR_USD.standard.toFixed(2)} per cluster-hour (about $${extraPerMonth} more a month per cluster), until ${s.endOfExtendedSupport}, when EKS upgrades the control plane itself.${upgrade.length ? ` Upgrade to ${upgrade.join(' or ')}.` : ''}`,
  );
}

/**
 * The kubectl layer for a version: its own `@aws-cdk/lambda-layer-kubectl-vNN` when installed, else
 * the 1.36 layer when that is installed and within kubectl's version skew (one minor version, so 1.35
 * works with it). The layer packages (~37 MB each) are optional peer dependencies, loaded here on first
 * use only: without one, an OrchestrationError names the package to install (or pass `kubectlLayer`).
 */
export function kubectlLayerFor(scope: Construct, id: string, version: SupportedKubernetesVersion): lambda.ILayerVersion {
  type LayerClass = new (scope: Construct, id: string) => lambda.ILayerVersion;
  const load = (v: SupportedKubernetesVersion) => {
    const { pkg, className } = KUBECTL_LAYER_PACKAGES[v];
    const Layer = loadOptionalPeer<Record<string, LayerClass>>(pkg)?.[className];
    return Layer ? new Layer(scope, id) : undefined;
  };
  const bundled = DEFAULT_KUBERNETES_VERSION.version as SupportedKubernetesVersion;
  const minor = (v: string) => Number(v.split('.')[1]);
  const withinSkew = version !== bundled && Math.abs(minor(version) - minor(bundled)) <= 1;
  const layer = load(version) ?? (withinSkew ? load(bundled) : undefined);
  if (!layer) {
    const { pkg } = KUBECTL_LAYER_PACKAGES[version];
    const alternative = withinSkew ? ` (or ${KUBECTL_LAYER_PACKAGES[bundled].pkg}, within kubectl's one-minor-version skew)` : '';
    throw new OrchestrationError(
      scope,
      'kubectlLayer',
      undefined,
      `is required for Kubernetes ${version}: \`npm install ${pkg}\`${alternative}, an optional peer dependency of cdk-orchestration that the container style needs and that is not installed with it; or pass a layer`,
    );
  }
  return layer;
}
