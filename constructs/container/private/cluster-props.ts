import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';
import { checkConcrete, checkInteger, checkKnownProps, checkOneOf, checkOrdered, checkType } from '../../../lib/validate';
import type { AppClusterProps } from '../app-cluster';
import { APP_CLUSTER_PROPS } from '../known-props';
import { checkKubernetesVersion, DEFAULT_KUBERNETES_VERSION, type SupportedKubernetesVersion } from '../kubernetes-version';

/**
 * Checks {@link AppClusterProps} (for plain-JavaScript callers too) and returns the Kubernetes version.
 * `prefix` is how the caller names them (`'clusterProps.'` for {@link ContainerService}), so that
 * errors name the prop as the caller wrote it; `where` is the construct that received them.
 */
export function checkAppClusterProps(where: IConstruct, props: AppClusterProps, prefix = ''): SupportedKubernetesVersion {
  const p = (k: string) => `${prefix}${k}`;
  checkKnownProps(where, props, APP_CLUSTER_PROPS, prefix);
  for (const k of ['capacity', 'nodeOs', 'adminPrincipalArn'] as const) checkType(where, p(k), props[k], 'string');
  for (const k of ['minNodes', 'maxNodes', 'nodeDiskSize'] as const) checkType(where, p(k), props[k], 'number');
  for (const k of ['podImdsAccess', 'albController'] as const) checkType(where, p(k), props[k], 'boolean');
  const version = checkKubernetesVersion(where, p('version'), props.version ?? DEFAULT_KUBERNETES_VERSION);
  checkOneOf(where, p('capacity'), props.capacity, ['nodegroup', 'auto-mode'] as const);
  checkConcrete(where, p('capacity'), props.capacity, 'it decides at synth whether the cluster has a node group or runs EKS Auto Mode');
  checkOneOf(where, p('nodeOs'), props.nodeOs, ['al2023', 'bottlerocket'] as const);
  checkConcrete(where, p('nodeOs'), props.nodeOs, "it decides the node group's AMI type and root device name at synth");
  checkInteger(where, p('minNodes'), props.minNodes, { min: 1, max: 100 });
  checkInteger(where, p('maxNodes'), props.maxNodes, { min: 1, max: 100 });
  checkOrdered(where, p('minNodes'), props.minNodes ?? 3, p('maxNodes'), props.maxNodes ?? 10);
  checkInteger(where, p('nodeDiskSize'), props.nodeDiskSize, { min: 8, max: 16384 });
  if (props.capacity === 'auto-mode') {
    for (const [k, v] of Object.entries({ podImdsAccess: props.podImdsAccess, minNodes: props.minNodes, maxNodes: props.maxNodes, instanceTypes: props.instanceTypes, nodeOs: props.nodeOs, nodeDiskSize: props.nodeDiskSize })) {
      if (v !== undefined) throw new OrchestrationError(where, p(k), v, `applies to ${p('capacity')} 'nodegroup' only (Auto Mode chooses and scales its nodes)`);
    }
  }
  if (props.adminPrincipalArn !== undefined && !Token.isUnresolved(props.adminPrincipalArn) && !/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(props.adminPrincipalArn)) {
    throw new OrchestrationError(where, p('adminPrincipalArn'), props.adminPrincipalArn, 'must be an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME)');
  }
  checkInstanceTypes(where, props.instanceTypes, p('instanceTypes'));
  return version;
}

/** The node group's instance types: `ec2.InstanceType`s known at synth (they decide the AMI type and the image's architecture), of one architecture. */
function checkInstanceTypes(where: IConstruct, instanceTypes: ec2.InstanceType[] | undefined, prop: string): void {
  if (instanceTypes === undefined) return;
  if (!Array.isArray(instanceTypes) || instanceTypes.length === 0 || instanceTypes.some((t) => !(t instanceof ec2.InstanceType))) {
    throw new OrchestrationError(where, prop, instanceTypes, "must be a non-empty list of ec2.InstanceType, for example [new ec2.InstanceType('t4g.medium')]");
  }
  instanceTypes.forEach((t, i) => checkConcrete(where, `${prop}[${i}]`, t.toString(), "it decides the nodes' architecture (the AMI type and the image's platform) at synth"));
  const archs = new Set(instanceTypes.map((t) => t.architecture));
  if (archs.size !== 1) throw new OrchestrationError(where, prop, instanceTypes.map(String), 'must all have the same architecture');
}
