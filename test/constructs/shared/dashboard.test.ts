import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { albMetricLatency } from '../../../constructs/shared/alb-metrics';
import { ServiceDashboard } from '../../../constructs/shared/dashboard';
import type { IAppService } from '../../../constructs/shared/service';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom } from '../../helpers';

/** A service with the contract's metrics, each in a namespace of its own so the body shows which is which. */
class FakeService extends Construct implements IAppService {
  public readonly app = {} as never;
  public readonly appVersion = '1';
  public readonly url = 'https://x.example.com';
  public readonly grantPrincipal: iam.IPrincipal = new iam.AnyPrincipal();
  public readonly rolloutAlarms: cloudwatch.IAlarm[];
  constructor(scope: Construct, id: string, withAlarms: boolean) {
    super(scope, id);
    this.rolloutAlarms = withAlarms ? [new cloudwatch.Alarm(this, 'Rollout', { metric: this.metric('Fake/Errors', 'Errors'), threshold: 1, evaluationPeriods: 1 })] : [];
  }
  private metric(namespace: string, metricName: string, props?: cloudwatch.MetricOptions) {
    return new cloudwatch.Metric({ namespace, metricName, statistic: 'Sum', period: Duration.minutes(1), ...props });
  }
  metricRequests(props?: cloudwatch.MetricOptions) { return this.metric('Fake/Requests', 'Requests', props); }
  metricErrors(props?: cloudwatch.MetricOptions) { return this.metric('Fake/Errors', 'Errors', props); }
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.IMetric { return this.metric('Fake/Latency', 'Latency', { statistic: 'p99', ...props }); }
}

function body(stack: Stack): any {
  const d = onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Dashboard');
  const parts = d.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p).replace(/"/g, "'"))).join(''));
}

function metricsOf(widget: any): string[][] {
  return (widget.properties.metrics ?? []).map((m: any[]) => m.filter((x) => typeof x === 'string'));
}

describe('ServiceDashboard', () => {
  it('shows requests, errors, p50 and p99 latency, healthy replicas, scaling and the rollout alarms', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    const service = new FakeService(stack, 'Service', true);
    const d = new ServiceDashboard(stack, 'Dashboard', {
      service,
      healthyReplicas: new cloudwatch.Metric({ namespace: 'Fake/Health', metricName: 'Healthy' }),
      scalingActivity: [new cloudwatch.Metric({ namespace: 'Fake/Scaling', metricName: 'Desired' }), new cloudwatch.Metric({ namespace: 'Fake/Scaling', metricName: 'InService' })],
      dashboardName: 'my-service',
    });
    expect(d.dashboard).toBeInstanceOf(cloudwatch.Dashboard);
    const b = body(stack);
    const byTitle = Object.fromEntries(b.widgets.map((w: any) => [w.properties.title, w]));
    expect(Object.keys(byTitle)).toEqual(['Requests', 'Errors', 'Latency (ms)', 'Healthy replicas', 'Scaling activity', 'Rollout alarms']);
    expect(metricsOf(byTitle.Requests)[0]).toEqual(expect.arrayContaining(['Fake/Requests', 'Requests']));
    expect(metricsOf(byTitle.Errors)[0]).toEqual(expect.arrayContaining(['Fake/Errors', 'Errors']));
    const latency = byTitle['Latency (ms)'].properties.metrics.map((m: any[]) => m[m.length - 1]);
    expect(latency.map((o: any) => [o.stat, o.label])).toEqual([['p50', 'p50'], ['p99', 'p99']]);
    expect(metricsOf(byTitle['Healthy replicas'])[0]).toEqual(['Fake/Health', 'Healthy']);
    expect(metricsOf(byTitle['Scaling activity'])).toEqual([['Fake/Scaling', 'Desired'], ['Fake/Scaling', 'InService']]);
    expect(byTitle['Rollout alarms'].type).toBe('alarm');
    expect(byTitle['Rollout alarms'].properties.alarms).toHaveLength(1);
    expect(onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Dashboard').Properties.DashboardName).toBe('my-service');
  });

  it('leaves out the alarm widget without rollout alarms and the scaling widget without metrics', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    new ServiceDashboard(stack, 'Dashboard', { service: new FakeService(stack, 'Service', false), healthyReplicas: new cloudwatch.Metric({ namespace: 'Fake/Health', metricName: 'Healthy' }) });
    const titles = body(stack).widgets.map((w: any) => w.properties.title);
    expect(titles).toEqual(['Requests', 'Errors', 'Latency (ms)', 'Healthy replicas']);
    expect(onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Dashboard').Properties.DashboardName).toBeUndefined();
  });

  it("puts p50 and p99 of a load balancer's latency (a math expression per statistic) in one graph", () => {
    // aws-cdk-lib refuses two different metrics under one id in a graph: albMetricLatency names its ids per statistic.
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2 });
    const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc });
    const service = new FakeService(stack, 'Service', false);
    service.metricLatency = (props?: cloudwatch.MetricOptions) => albMetricLatency(lb, props);
    new ServiceDashboard(stack, 'Dashboard', { service, healthyReplicas: new cloudwatch.Metric({ namespace: 'Fake/Health', metricName: 'Healthy' }) });
    const latency = body(stack).widgets.find((w: any) => w.properties.title === 'Latency (ms)');
    const expressions = latency.properties.metrics.filter((m: any[]) => m[0]?.expression).map((m: any[]) => m[0].expression);
    expect(expressions).toEqual(['seconds_p50 * 1000', 'seconds * 1000']);
  });

  it('rejects bad input', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    const service = new FakeService(stack, 'Service', false);
    const healthyReplicas = new cloudwatch.Metric({ namespace: 'Fake/Health', metricName: 'Healthy' });
    const err = (id: string, props: unknown) => orchestrationErrorFrom(() => new ServiceDashboard(stack, id, props as never)).message;
    expect(err('A', { service: {}, healthyReplicas })).toContain('service ({}) must be a service of this library');
    expect(err('B', { service, healthyReplicas: 'Healthy' })).toContain('healthyReplicas ("Healthy") must be a CloudWatch metric');
    expect(err('C', { service, healthyReplicas, scalingActivity: healthyReplicas })).toContain('scalingActivity');
    expect(err('D', { service, healthyReplicas, scalingActivity: [healthyReplicas, 'x'] })).toContain('scalingActivity[1] ("x")');
    expect(err('E', { service, healthyReplicas, dashboardName: 'my service' })).toContain('dashboardName ("my service") must be letters, digits, - and _ only');
    expect(err('F', { service, healthyReplicas, dashboardname: 'x' })).toContain('dashboardname');
  });
});
