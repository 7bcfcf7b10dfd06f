import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../../lib/errors';
import { checkKnownProps, checkType } from '../../../lib/validate';
import type { AppClusterProps } from '../app-cluster';
import { APP_CLUSTER_PROPS } from '../known-props';
import { checkKubernetesVersion, DEFAULT_KUBERNETES_VERSION, type SupportedKubernetesVersion } from '../kubernetes-version';
import { checkNodeCapacity, type NodeCapacity } from '../node-capacity';

/** The 0.x node-group props of AppClusterProps, now options of `NodeCapacity.nodegroup()`. */
const MOVED_TO_NODEGROUP: Record<string, string> = {
  minNodes: 'minNodes: ...',
  maxNodes: 'maxNodes: ...',
  instanceTypes: 'instanceTypes: [...]',
  nodeOs: 'nodeOs: NodeOs....',
  nodeDiskSize: 'rootVolumeSize: Size.gibibytes(...)',
  podImdsAccess: 'podImdsAccess: ...',
};

/** What {@link checkAppClusterProps} derives: the Kubernetes version and the capacity (the default node group when none). */
export interface CheckedClusterProps {
  readonly version: SupportedKubernetesVersion;
  readonly capacity: NodeCapacity;
}

/**
 * Checks {@link AppClusterProps} (for plain-JavaScript callers too) and returns the Kubernetes version
 * and the capacity. `prefix` is how the caller names them (`'clusterProps.'` for {@link ContainerService}),
 * so that errors name the prop as the caller wrote it; `where` is the construct that received them.
 */
export function checkAppClusterProps(where: IConstruct, props: AppClusterProps, prefix = ''): CheckedClusterProps {
  const p = (k: string) => `${prefix}${k}`;
  checkMovedProps(where, props, prefix);
  checkKnownProps(where, props, APP_CLUSTER_PROPS, prefix);
  checkType(where, p('adminPrincipalArn'), props.adminPrincipalArn, 'string');
  checkType(where, p('albController'), props.albController, 'boolean');
  const version = checkKubernetesVersion(where, p('version'), props.version ?? DEFAULT_KUBERNETES_VERSION);
  const capacity = checkNodeCapacity(where, p('capacity'), props.capacity);
  checkAdminPrincipalArn(where, p('adminPrincipalArn'), props.adminPrincipalArn);
  return { version, capacity };
}

/** A 0.x node-group prop (plain JavaScript, an old example) gets an error saying where it went. */
function checkMovedProps(where: IConstruct, props: AppClusterProps, prefix: string): void {
  if (props === null || typeof props !== 'object') return;
  for (const [old, now] of Object.entries(MOVED_TO_NODEGROUP)) {
    const value = (props as Record<string, unknown>)[old];
    if (value === undefined) continue;
    throw new OrchestrationError(where, `${prefix}${old}`, value, `is no longer a prop: pass ${prefix}capacity: NodeCapacity.nodegroup({ ${now} })`);
  }
}

/** An IAM role ARN (its path included) or user ARN, as an EKS access entry names its principal. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/(?:[\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/;
/** An STS assumed-role session ARN (what `aws sts get-caller-identity` prints for a role session). */
const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[^/]+$/;

/**
 * Checks an admin principal for an EKS access entry: an IAM role ARN, with its path if it has one
 * (access entries keep the path, unlike the aws-auth ConfigMap), or an IAM user ARN. An assumed-role
 * session ARN is not an IAM principal: the error names the role ARN to pass instead.
 */
export function checkAdminPrincipalArn(where: IConstruct, prop: string, arn: unknown): void {
  if (arn === undefined || Token.isUnresolved(arn)) return;
  checkType(where, prop, arn, 'string');
  const session = ASSUMED_ROLE_ARN.exec(arn as string);
  if (session) {
    throw new OrchestrationError(
      where,
      prop,
      arn,
      `is an assumed-role session (what \`aws sts get-caller-identity\` prints), not an IAM principal an EKS access entry can name: pass the role's ARN, arn:aws:iam::${session[1]}:role/<path/>${session[2]} (\`aws iam get-role --role-name ${session[2]} --query Role.Arn --output text\` prints it with its path; IAM Identity Center roles have the path aws-reserved/sso.amazonaws.com/...)`,
    );
  }
  if (!PRINCIPAL_ARN.test(arn as string)) {
    throw new OrchestrationError(where, prop, arn, 'must be an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME, with the role\'s path if it has one: arn:aws:iam::ACCOUNT:role/PATH/NAME)');
  }
}
