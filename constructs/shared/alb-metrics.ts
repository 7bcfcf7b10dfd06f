import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/**
 * The three {@link IAppService} metrics of a service behind an Application Load Balancer that
 * CloudFormation owns, in one place for every style that has one (vm, container). All are
 * published by Elastic Load Balancing in `AWS/ApplicationELB` under the load balancer's
 * `LoadBalancer` dimension (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 * Not part of the public API.
 */

/** Requests the load balancer answered (`RequestCount`), Sum per minute. */
export function albMetricRequests(loadBalancer: elbv2.IApplicationLoadBalancer, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
  return loadBalancer.metrics.requestCount({ period: Duration.minutes(1), ...props });
}

/**
 * 5xx answers: the targets' (`HTTPCode_Target_5XX_Count`) plus the load balancer's own
 * (`HTTPCode_ELB_5XX_Count`, e.g. no healthy target), Sum per minute.
 */
export function albMetricErrors(loadBalancer: elbv2.IApplicationLoadBalancer, targets: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
  const options = { period: Duration.minutes(1), ...props };
  return new cloudwatch.MathExpression({
    expression: 'FILL(target5xx, 0) + FILL(elb5xx, 0)',
    usingMetrics: {
      target5xx: loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, options),
      elb5xx: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, options),
    },
    period: options.period,
    label: props?.label ?? `5xx answers of the ${targets} and the load balancer`,
  });
}

/**
 * Time the targets take to answer, in milliseconds (`TargetResponseTime`, published in seconds, × 1000), p99 per minute.
 * The seconds metric's id is `seconds` for p99 and `seconds_<statistic>` for any other (`seconds_p50`): two
 * statistics in one graph (the service dashboard's p50 and p99) must not share an id, which aws-cdk-lib
 * refuses (`CannotShareSameIdForDifferentMetrics`).
 */
export function albMetricLatency(loadBalancer: elbv2.IApplicationLoadBalancer, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
  const options = { period: Duration.minutes(1), statistic: 'p99', ...props };
  const id = options.statistic === 'p99' ? 'seconds' : `seconds_${options.statistic.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
  return new cloudwatch.MathExpression({
    expression: `${id} * 1000`,
    usingMetrics: { [id]: loadBalancer.metrics.targetResponseTime(options) },
    period: options.period,
    label: props?.label ?? 'Target response time (ms)',
  });
}
