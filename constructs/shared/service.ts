import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { ResolvedApp } from '../../lib/app';
import type { RolloutEstimate } from '../../lib/rollout-estimate';

/**
 * What every style's main service construct offers under the same names, so that a caller (a
 * dashboard, an alarm, a grant, a test) can swap one style for another: the app it runs, the
 * version it reports, the URL users call, how its rollout is bounded and stopped, and three
 * metrics with the same meaning in every style. Each implementation documents which AWS service
 * (or which metric filter of ours) publishes each metric.
 */
export interface IAppService extends IConstruct, iam.IGrantable {
  /** The app description with its defaults filled in. */
  readonly app: ResolvedApp;
  /** The version the app reports (`APP_VERSION`, the `x-app-version` header). */
  readonly appVersion: string;
  /** The URL users call. */
  readonly url: string;
  /**
   * The rollout's worst-case duration, where the style can compute one.
   * @default - none (the platform bounds the rollout itself)
   */
  readonly rolloutEstimate?: RolloutEstimate;
  /** The alarms that stop a rollout (and roll it back); empty where a rollout stops on failed steps alone. */
  readonly rolloutAlarms: cloudwatch.IAlarm[];
  /** Requests the service answered (Sum per period, one minute by default). */
  metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
  /** Requests answered with a server error: 5xx answers, failed invocations (Sum per period). */
  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
  /** The time to answer a request, in milliseconds (p99 per period by default). */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
}
