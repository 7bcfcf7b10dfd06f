import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import { checkInteger, checkType } from '../../lib/validate';

/**
 * What {@link VmService}'s Auto Scaling group tracks: average CPU (the default) or the load
 * balancer's requests per instance. One target tracking policy either way.
 *
 * @example
 * new VmService(this, 'Service', { app, scaling: VmScaling.requestsPerTarget(600) });
 */
export class VmScaling {
  /**
   * Track the group's average CPU utilization.
   * @param targetPercent the CPU the group aims for, an integer from 1 to 100; may be a deploy-time
   *   value. The same setting as the shared `app.replicas.targetCpuPercent`: set one of them, or make
   *   them agree. Default: `app.replicas.targetCpuPercent`, else 50.
   */
  public static cpuUtilization(targetPercent?: number): VmScaling {
    checkTargetPercent('', 'VmScaling.cpuUtilization(targetPercent)', targetPercent);
    return new VmScaling(targetPercent, undefined);
  }

  /**
   * Track the load balancer's requests per instance per minute (`ALBRequestCountPerTarget`).
   * @param perMinute requests per instance per minute the group aims for, an integer from 1 to
   *   1,000,000; may be a deploy-time value.
   */
  public static requestsPerTarget(perMinute: number): VmScaling {
    checkPerMinute('', 'VmScaling.requestsPerTarget(perMinute)', perMinute);
    return new VmScaling(undefined, perMinute);
  }

  /**
   * The CPU target, with {@link VmScaling.cpuUtilization} when given a value (without one the
   * construct takes `app.replicas.targetCpuPercent`, else 50).
   */
  public readonly targetCpuPercent?: number;
  /** The requests per target per minute, with {@link VmScaling.requestsPerTarget}. */
  public readonly targetRequestsPerMinute?: number;

  private constructor(targetCpuPercent: number | undefined, targetRequestsPerMinute: number | undefined) {
    this.targetCpuPercent = targetCpuPercent;
    this.targetRequestsPerMinute = targetRequestsPerMinute;
  }
}

/**
 * The `scaling` prop of a construct: a {@link VmScaling} (not an object literal or a string such as
 * `'requests'` from plain JavaScript), its arguments checked again under the construct's path.
 * Not exported from the package.
 */
export function checkVmScaling(where: IConstruct, prop: string, scaling: unknown): asserts scaling is VmScaling | undefined {
  if (scaling === undefined) return;
  if (!(scaling instanceof VmScaling)) {
    throw new OrchestrationError(where, prop, scaling, 'must be made with VmScaling.cpuUtilization() or VmScaling.requestsPerTarget()');
  }
  checkTargetPercent(where, `${prop}.targetCpuPercent`, scaling.targetCpuPercent);
  if (scaling.targetRequestsPerMinute !== undefined) checkPerMinute(where, `${prop}.targetRequestsPerMinute`, scaling.targetRequestsPerMinute);
}

function checkTargetPercent(where: IConstruct | string, prop: string, value: unknown): void {
  checkType(where, prop, value, 'number');
  checkInteger(where, prop, value as number | undefined, { min: 1, max: 100 });
}

function checkPerMinute(where: IConstruct | string, prop: string, value: unknown): void {
  if (value === undefined) throw new OrchestrationError(where, prop, value, 'must be a number of requests per instance per minute, an integer from 1 to 1000000');
  checkType(where, prop, value, 'number');
  checkInteger(where, prop, value as number, { min: 1, max: 1_000_000 });
}
