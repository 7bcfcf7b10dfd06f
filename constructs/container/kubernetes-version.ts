import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete } from '../../lib/validate';

/**
 * The Kubernetes minor versions this library creates clusters with: those in EKS *standard*
 * support in November 2026 for which a kubectl Lambda layer exists on npm
 * (`@aws-cdk/lambda-layer-kubectl-v34`, `-v35`, `-v36`; there is no `-v37` yet, although
 * aws-cdk-lib 2.276 already has `KubernetesVersion.V1_37`).
 * Extended support costs six times the control-plane price, so older versions are refused.
 */
export const SUPPORTED_KUBERNETES_VERSIONS = ['1.34', '1.35', '1.36'] as const;
export type SupportedKubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];

/** The default: the newest supported version (its kubectl layer is a dependency of this package). */
export const DEFAULT_KUBERNETES_VERSION = eks.KubernetesVersion.V1_36;

/** The Kubernetes version of the JSON schemas the tests validate every manifest against (kubernetes-models 5.1). */
export const SCHEMA_KUBERNETES_VERSION = '1.36';

/** The npm package of the kubectl layer for each supported version. */
export const KUBECTL_LAYER_PACKAGES: Record<SupportedKubernetesVersion, { pkg: string; className: string }> = {
  '1.34': { pkg: '@aws-cdk/lambda-layer-kubectl-v34', className: 'KubectlV34Layer' },
  '1.35': { pkg: '@aws-cdk/lambda-layer-kubectl-v35', className: 'KubectlV35Layer' },
  '1.36': { pkg: '@aws-cdk/lambda-layer-kubectl-v36', className: 'KubectlV36Layer' },
};

/** Rejects a version outside {@link SUPPORTED_KUBERNETES_VERSIONS}. */
export function checkKubernetesVersion(where: IConstruct | string, prop: string, version: eks.KubernetesVersion): SupportedKubernetesVersion {
  const v = (version as eks.KubernetesVersion | undefined)?.version;
  if (typeof v !== 'string') {
    throw new OrchestrationError(where, prop, version, 'must be an eks.KubernetesVersion, for example eks.KubernetesVersion.V1_36');
  }
  checkConcrete(where, prop, v, 'it picks the kubectl layer (a package of the matching kubectl) at synth');
  if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(v)) {
    throw new OrchestrationError(
      where,
      prop,
      v,
      `must be a Kubernetes version in EKS standard support with a kubectl layer: one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`,
    );
  }
  return v as SupportedKubernetesVersion;
}

/**
 * The kubectl layer for a version: its own `@aws-cdk/lambda-layer-kubectl-vNN` when installed,
 * else the bundled 1.36 layer when that is within kubectl's version skew (one minor version,
 * so 1.35 works without an extra package). Only the 1.36 layer is a dependency of this package
 * (each layer is ~36 MB): for 1.34, install `@aws-cdk/lambda-layer-kubectl-v34` or pass `kubectlLayer`.
 */
export function kubectlLayerFor(scope: Construct, id: string, version: SupportedKubernetesVersion): lambda.ILayerVersion {
  const load = (v: SupportedKubernetesVersion) => {
    const { pkg, className } = KUBECTL_LAYER_PACKAGES[v];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod: Record<string, new (scope: Construct, id: string) => lambda.ILayerVersion> = require(pkg);
      return new mod[className]!(scope, id);
    } catch {
      return undefined;
    }
  };
  const bundled = DEFAULT_KUBERNETES_VERSION.version as SupportedKubernetesVersion;
  const minor = (v: string) => Number(v.split('.')[1]);
  const layer = load(version) ?? (Math.abs(minor(version) - minor(bundled)) <= 1 ? load(bundled) : undefined);
  if (!layer) {
    const { pkg } = KUBECTL_LAYER_PACKAGES[version];
    throw new OrchestrationError(scope, 'kubectlLayer', undefined, `is required for Kubernetes ${version}: \`npm install ${pkg}\` (this package only depends on the ${bundled} layer, which is outside kubectl's one-minor-version skew) or pass a layer`);
  }
  return layer;
}
