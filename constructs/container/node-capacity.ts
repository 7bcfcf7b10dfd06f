import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkConcrete, checkInteger, checkKnownProps, checkOrdered, checkType, sizeInGiB } from '../../lib/validate';
import { checkEnumValue } from './private/enum-value';
import { NODEGROUP_CAPACITY_OPTIONS } from './known-props';

/** The operating system of the worker nodes. Never Amazon Linux 2 (end of support, and eks-v2's default). */
export enum NodeOs {
  /** The EKS-optimised Amazon Linux 2023 AMI (`AL2023_ARM_64_STANDARD`, `AL2023_x86_64_STANDARD`). */
  AL2023 = 'al2023',
  /** Bottlerocket (`BOTTLEROCKET_ARM_64`, `BOTTLEROCKET_x86_64`): a minimal, image-based OS for containers. */
  BOTTLEROCKET = 'bottlerocket',
}

/** Options of {@link NodeCapacity.nodegroup}: a managed node group of EC2 instances. */
export interface NodegroupCapacityOptions {
  /**
   * The node group's minimum (and desired) size. May be a deploy-time value.
   * @default 3
   */
  readonly minNodes?: number;
  /**
   * The node group's maximum size. May be a deploy-time value.
   * @default 10
   */
  readonly maxNodes?: number;
  /**
   * The node group's instance types (all of one architecture, known at synth).
   * @default [t4g.medium] (Graviton: 2 vCPU, 4 GiB)
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /**
   * The nodes' operating system. The AMI type follows from it and the instance architecture
   * (e.g. `AL2023_ARM_64_STANDARD`).
   * @default NodeOs.AL2023
   */
  readonly nodeOs?: NodeOs;
  /**
   * The size of each node's encrypted gp3 root volume (Bottlerocket: its data volume, where images
   * and containers live), in whole GiB. May be `Size.gibibytes(param.valueAsNumber)`.
   * @default Size.gibibytes(20)
   */
  readonly rootVolumeSize?: Size;
  /**
   * Let pods reach the node's instance metadata (IMDSv2 hop limit 2). Off, pods cannot use the
   * node role's credentials (hop limit 1); they get their own through EKS Pod Identity. Host-network
   * pods (VPC CNI, kube-proxy, the Pod Identity agent) reach it either way.
   * @default false
   */
  readonly podImdsAccess?: boolean;
  /**
   * EC2 detailed monitoring of the nodes (instance metrics every minute instead of every five, billed per
   * metric; Control Tower's CT.EC2.PR.10 asks launch templates for it).
   * @default false
   */
  readonly detailedMonitoring?: boolean;
}

/** The defaults of a node group (the book's 3..10 nodes). */
export const NODEGROUP_DEFAULTS = { minNodes: 3, maxNodes: 10, rootVolumeGiB: 20 } as const;

/**
 * Where an {@link AppCluster}'s pods run: a managed node group of EC2 instances (the book's), or EKS
 * Auto Mode (AWS chooses, patches and scales the nodes and runs the add-ons; about 12 % on top of the
 * EC2 price).
 *
 * @example
 * new AppCluster(this, 'Cluster', { capacity: NodeCapacity.nodegroup({ minNodes: 2, maxNodes: 6, rootVolumeSize: Size.gibibytes(40) }) });
 * new AppCluster(this, 'AutoCluster', { capacity: NodeCapacity.autoMode() });
 */
export class NodeCapacity {
  /** A managed node group (AL2023 or Bottlerocket, IMDSv2, encrypted root volumes, node auto repair). */
  public static nodegroup(options: NodegroupCapacityOptions = {}): NodeCapacity {
    if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
      throw new OrchestrationError('', 'NodeCapacity.nodegroup()', options, 'takes an object of options, for example { minNodes: 3, maxNodes: 10 }');
    }
    const copy = { ...options };
    checkNodegroupOptions('', copy, '');
    return new NodeCapacity(false, copy);
  }

  /** EKS Auto Mode: no node group; the built-in `system` and `general-purpose` node pools (amd64). */
  public static autoMode(): NodeCapacity {
    return new NodeCapacity(true, undefined);
  }

  /** Whether this is EKS Auto Mode (else a managed node group). */
  public readonly isAutoMode: boolean;
  /** The node group's options, for a node group. */
  public readonly nodegroupOptions?: NodegroupCapacityOptions;

  private constructor(isAutoMode: boolean, nodegroupOptions: NodegroupCapacityOptions | undefined) {
    this.isAutoMode = isAutoMode;
    this.nodegroupOptions = nodegroupOptions;
  }

  /** `NodeCapacity.autoMode()` or `NodeCapacity.nodegroup({...})`. */
  public toString(): string {
    return this.isAutoMode ? 'NodeCapacity.autoMode()' : 'NodeCapacity.nodegroup()';
  }
}

/**
 * Checks a {@link NodeCapacity} prop from any caller: an object literal or a string (plain JavaScript,
 * another language, the 0.x `'auto-mode'`) gets our error naming the factories; a node group's options
 * are checked again with the prop's full name. Returns the capacity, or the default node group.
 */
export function checkNodeCapacity(where: IConstruct | string, prop: string, value: unknown): NodeCapacity {
  if (value === undefined) return NodeCapacity.nodegroup();
  if (!(value instanceof NodeCapacity)) {
    throw new OrchestrationError(where, prop, value, 'must be made with NodeCapacity.nodegroup() or NodeCapacity.autoMode()');
  }
  if (value.nodegroupOptions) checkNodegroupOptions(where, value.nodegroupOptions, `${prop}.`);
  return value;
}

/**
 * The node group's options, named `${prefix}minNodes` etc. Deploy-time sizes pass through; what
 * decides the AMI type and the image's architecture must be known at synth.
 */
export function checkNodegroupOptions(where: IConstruct | string, options: NodegroupCapacityOptions, prefix: string): void {
  const p = (k: string) => `${prefix}${k}`;
  const diskSize = (options as { nodeDiskSize?: unknown }).nodeDiskSize;
  if (diskSize !== undefined) throw new OrchestrationError(where, p('nodeDiskSize'), diskSize, 'is now rootVolumeSize, a Size: rootVolumeSize: Size.gibibytes(...)');
  checkKnownProps(where, options, NODEGROUP_CAPACITY_OPTIONS, prefix);
  for (const k of ['minNodes', 'maxNodes'] as const) checkType(where, p(k), options[k], 'number');
  checkType(where, p('podImdsAccess'), options.podImdsAccess, 'boolean');
  checkType(where, p('detailedMonitoring'), options.detailedMonitoring, 'boolean');
  checkConcrete(where, p('detailedMonitoring'), options.detailedMonitoring, "it decides at synth whether the launch template asks for detailed monitoring");
  checkInteger(where, p('minNodes'), options.minNodes, { min: 1, max: 100 });
  checkInteger(where, p('maxNodes'), options.maxNodes, { min: 1, max: 100 });
  checkOrdered(where, p('minNodes'), options.minNodes ?? NODEGROUP_DEFAULTS.minNodes, p('maxNodes'), options.maxNodes ?? NODEGROUP_DEFAULTS.maxNodes);
  checkConcrete(where, p('nodeOs'), options.nodeOs, "it decides the node group's AMI type and root device name at synth");
  checkEnumValue(where, p('nodeOs'), options.nodeOs, NodeOs, 'NodeOs');
  rootVolumeGiB(where, p('rootVolumeSize'), options.rootVolumeSize);
  checkInstanceTypes(where, options.instanceTypes, p('instanceTypes'));
}

/** The root volume's size in GiB (a token passes through when written `Size.gibibytes(token)`). */
export function rootVolumeGiB(where: IConstruct | string, prop: string, size: Size | undefined): number {
  return sizeInGiB(where, prop, size, { min: 8, max: 16384 }) ?? Size.gibibytes(NODEGROUP_DEFAULTS.rootVolumeGiB).toGibibytes();
}

/** The node group's instance types: `ec2.InstanceType`s known at synth (they decide the AMI type and the image's architecture), of one architecture. */
function checkInstanceTypes(where: IConstruct | string, instanceTypes: ec2.InstanceType[] | undefined, prop: string): void {
  if (instanceTypes === undefined) return;
  if (!Array.isArray(instanceTypes) || instanceTypes.length === 0 || instanceTypes.some((t) => !(t instanceof ec2.InstanceType))) {
    throw new OrchestrationError(where, prop, instanceTypes, "must be a non-empty list of ec2.InstanceType, for example [new ec2.InstanceType('t4g.medium')]");
  }
  instanceTypes.forEach((t, i) => checkConcrete(where, `${prop}[${i}]`, t.toString(), "it decides the nodes' architecture (the AMI type and the image's platform) at synth"));
  const archs = new Set(instanceTypes.map((t) => t.architecture));
  if (archs.size !== 1) throw new OrchestrationError(where, prop, instanceTypes.map(String), 'must all have the same architecture');
}
