// After `cdk destroy`: is anything billable left? The stack, load balancers, network interfaces, security groups,
// volumes and instances tagged with the stack or the EKS cluster, or inside the VPCs the stack had.
import { allPages, isStackMissing, type AwsCaller } from './aws';
import { leftoverCalls, STACK_NAME_TAG } from './plan';

/** What the suite notes before destroying, to look for leftovers afterwards. */
export interface Snapshot {
  readonly vpcIds: string[];
  readonly clusterName?: string;
}

/** The stack's VPCs (by the stack-name tag CloudFormation puts on them). */
export async function takeSnapshot(aws: AwsCaller, stack: string, clusterName: string | undefined): Promise<Snapshot> {
  const vpcs = await allPages<{ VpcId?: string }>(aws, 'ec2', 'DescribeVpcs', { Filters: [{ Name: `tag:${STACK_NAME_TAG}`, Values: [stack] }] }, 'Vpcs');
  return { vpcIds: vpcs.map((v) => v.VpcId).filter((id): id is string => !!id), clusterName };
}

export interface LeftoverResult {
  /** One line per leftover: `network interface eni-1 (in vpc-1: ELB app/...)`. Empty when clean. */
  readonly leftovers: string[];
  /** What could not be checked, and why. */
  readonly unchecked: string[];
}

const EC2_LISTS: Record<string, { key: string; nested?: string; id: string; label: string; describe?: (r: Record<string, unknown>) => string }> = {
  DescribeNetworkInterfaces: { key: 'NetworkInterfaces', id: 'NetworkInterfaceId', label: 'network interface', describe: (r) => String(r.Description ?? '') },
  DescribeSecurityGroups: { key: 'SecurityGroups', id: 'GroupId', label: 'security group', describe: (r) => String(r.GroupName ?? '') },
  DescribeVolumes: { key: 'Volumes', id: 'VolumeId', label: 'volume', describe: (r) => String(r.State ?? '') },
  DescribeInstances: { key: 'Reservations', nested: 'Instances', id: 'InstanceId', label: 'instance', describe: (r) => String((r.State as { Name?: string } | undefined)?.Name ?? '') },
};

/** Runs the leftover calls of the plan (leftoverCalls) with the snapshot's values. */
export async function checkLeftovers(aws: AwsCaller, stack: string, snapshot: Snapshot): Promise<LeftoverResult> {
  const leftovers: string[] = [];
  const unchecked: string[] = [];
  const seen = new Set<string>();
  const add = (id: string, line: string) => {
    if (!seen.has(id)) leftovers.push(line);
    seen.add(id);
  };
  const clusterTag = snapshot.clusterName ? `kubernetes.io/cluster/${snapshot.clusterName}` : undefined;
  for (const action of leftoverCalls(stack, snapshot.vpcIds, snapshot.clusterName)) {
    if (action.kind !== 'aws') continue;
    if (action.service === 'cloudformation') {
      const res = await aws.call<{ Stacks?: { StackStatus?: string }[] }>('cloudformation', 'DescribeStacks', { StackName: stack }, isStackMissing);
      const status = res?.Stacks?.[0]?.StackStatus;
      if (res && status !== 'DELETE_COMPLETE') add(`stack:${stack}`, `stack ${stack} (${status ?? 'status unknown'})`);
    } else if (action.service === 'elasticloadbalancingv2') {
      if (action.operation !== 'DescribeLoadBalancers') continue; // DescribeTags is called from here
      if (!(await aws.available('elasticloadbalancingv2'))) {
        unchecked.push('load balancers by tag: @aws-sdk/client-elastic-load-balancing-v2 is not installed (a load balancer left in the stack\'s VPCs still shows as its "ELB ..." network interfaces, checked below)');
        continue;
      }
      const lbs = await allPages<{ LoadBalancerArn?: string; LoadBalancerName?: string; VpcId?: string }>(aws, 'elasticloadbalancingv2', 'DescribeLoadBalancers', {}, 'LoadBalancers', 'Marker');
      for (const lb of lbs) if (lb.VpcId && snapshot.vpcIds.includes(lb.VpcId)) add(lb.LoadBalancerArn ?? '', `load balancer ${lb.LoadBalancerName} (in ${lb.VpcId})`);
      const arns = lbs.map((lb) => lb.LoadBalancerArn).filter((a): a is string => !!a);
      for (let i = 0; i < arns.length; i += 20) {
        const res = await aws.call<{ TagDescriptions?: { ResourceArn?: string; Tags?: { Key?: string; Value?: string }[] }[] }>('elasticloadbalancingv2', 'DescribeTags', { ResourceArns: arns.slice(i, i + 20) });
        for (const d of res?.TagDescriptions ?? []) {
          const tagged = (d.Tags ?? []).some((t) => (t.Key === STACK_NAME_TAG && t.Value === stack) || (clusterTag !== undefined && t.Key === clusterTag));
          if (tagged && d.ResourceArn) add(d.ResourceArn, `load balancer ${d.ResourceArn.split('/').slice(-2, -1)[0] ?? d.ResourceArn} (tagged with the ${clusterTag && d.Tags?.some((t) => t.Key === clusterTag) ? 'cluster' : 'stack'})`);
        }
      }
    } else {
      const spec = EC2_LISTS[action.operation];
      if (!spec) continue;
      const page = await allPages<Record<string, unknown>>(aws, 'ec2', action.operation, action.params as Record<string, unknown>, spec.key);
      const items = spec.nested ? page.flatMap((r) => (r[spec.nested!] as Record<string, unknown>[] | undefined) ?? []) : page;
      for (const item of items) {
        const id = String(item[spec.id] ?? '?');
        // The VPC's default security group goes with the VPC; it is never a leftover of its own.
        if (spec.label === 'security group' && item.GroupName === 'default') continue;
        const where = item.VpcId ? ` in ${String(item.VpcId)}` : '';
        const detail = spec.describe?.(item);
        add(id, `${spec.label} ${id}${where}${detail ? `: ${detail}` : ''}`);
      }
    }
  }
  return { leftovers, unchecked };
}
