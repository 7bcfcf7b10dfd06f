// ServerService as an IAppService: nginx's metrics, published by metric filters on its access
// log (template), the metric objects callers get, and the service used through the interface
// alone. nginx-metrics.test.ts runs the same patterns against the real nginx's log lines.
import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { NGINX_ACCESS_LOG_FIELDS, NGINX_METRICS, NginxLoadBalancer, nginxMetricFilterPattern, renderNginxConfig, ServerService } from '../../../constructs/server';
import type { IAppService } from '../../../constructs/shared/service';
import { SAMPLE_APP_DIR, testStack } from '../../helpers';
import { matchSpaceDelimited, metricValueOf, parsePattern, tokenize } from './filter-pattern';
import { AppSource } from '../../../lib/app';

let stack: Stack;
let service: ServerService;
let template: Template;

beforeAll(() => {
  stack = testStack();
  service = new ServerService(stack, 'Svc', { app: { name: 'demo', version: '1.2.3', source: AppSource.fromDirectory(SAMPLE_APP_DIR) } });
  template = Template.fromStack(stack);
});

const LOG_GROUP = () => ({ Ref: stack.getLogicalId(service.loadBalancer.logGroup.node.defaultChild as any) });

describe('the metric filters on nginx\'s log group', () => {
  it('names the load balancer by its unique id, in nginx.conf\'s log_format and in the dimension', () => {
    expect(service.loadBalancer.logTag).toBe('TestSvcLoadBalancer795F9A4A');
    expect(service.loadBalancer.metricDimensions).toEqual({ LoadBalancer: 'TestSvcLoadBalancer795F9A4A' });
    expect(service.loadBalancer.config).toContain(
      "log_format upstreams '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $request_time TestSvcLoadBalancer795F9A4A '",
    );
  });

  it('creates exactly three filters on nginx\'s log group, none on the app\'s', () => {
    const filters = template.findResources('AWS::Logs::MetricFilter');
    expect(Object.keys(filters)).toHaveLength(3);
    for (const f of Object.values(filters) as any[]) expect(f.Properties.LogGroupName).toEqual(LOG_GROUP());
  });

  it.each([
    ['Requests', '[client, time, request, status >= 100 && status <= 599, bytes, rt >= 0, lb = "TestSvcLoadBalancer795F9A4A", ...]', '1', 'Count'],
    ['ServerErrors', '[client, time, request, status >= 500 && status <= 599, bytes, rt >= 0, lb = "TestSvcLoadBalancer795F9A4A", ...]', '1', 'Count'],
    ['RequestTime', '[client, time, request, status >= 100 && status <= 599, bytes, rt >= 0, lb = "TestSvcLoadBalancer795F9A4A", ...]', '$rt', 'Seconds'],
  ])('publishes %s: pattern, namespace, value, unit and the LoadBalancer dimension from the lb field', (metricName, pattern, value, unit) => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: LOG_GROUP(),
      FilterPattern: pattern,
      MetricTransformations: [{ MetricNamespace: 'CdkOrchestration/Nginx', MetricName: metricName, MetricValue: value, Unit: unit, Dimensions: [{ Key: 'LoadBalancer', Value: '$lb' }] }],
    });
  });

  it('keeps CloudFormation\'s limits: namespace and names ≤ 255 characters without : * $, no default value', () => {
    expect(NGINX_METRICS).toEqual({ namespace: 'CdkOrchestration/Nginx', dimension: 'LoadBalancer', requests: 'Requests', errors: 'ServerErrors', latency: 'RequestTime' });
    for (const f of Object.values(template.findResources('AWS::Logs::MetricFilter')) as any[]) {
      const [t] = f.Properties.MetricTransformations;
      for (const s of [t.MetricNamespace, t.MetricName]) expect(s).toMatch(/^[^:*$]{1,255}$/);
      expect(t.DefaultValue).toBeUndefined();
      expect(f.Properties.FilterName).toBeUndefined(); // CloudFormation generates one
      expect(f.Properties.FilterPattern.length).toBeLessThanOrEqual(1024);
    }
  });

  it('the pattern names one field per access-log field, the last one "..." for the upstream part', () => {
    expect(parsePattern(nginxMetricFilterPattern('requests')).map((c) => c.name)).toEqual([...NGINX_ACCESS_LOG_FIELDS]);
    expect(() => nginxMetricFilterPattern('requests', 'two words')).toThrow(/logTag \("two words"\) must be letters, digits/);
    expect(() => renderNginxConfig({ upstreams: [{ address: '10.0.0.1', port: 80 }], logTag: "x';" })).toThrow(/logTag/);
  });

  it('gives two load balancers in one stack different tags, so their metrics never mix', () => {
    const s = testStack();
    const a = new NginxLoadBalancer(s, 'A', { upstreams: [{ address: '10.0.0.1', port: 8080 }] });
    const b = new NginxLoadBalancer(s, 'B', { upstreams: [{ address: '10.0.0.1', port: 8080 }], vpc: a.vpc });
    expect(a.logTag).not.toBe(b.logTag);
    const line = `10.0.0.9 [29/Nov/2026:19:00:00 +0000] "GET / HTTP/1.1" 200 5 0.004 ${a.logTag} upstream=10.0.0.1:8080 upstream_status=200 urt=0.004`;
    expect(matchSpaceDelimited(nginxMetricFilterPattern('requests', a.logTag), line)).toBeDefined();
    expect(matchSpaceDelimited(nginxMetricFilterPattern('requests', b.logTag), line)).toBeUndefined();
  });
});

describe('the metrics', () => {

  it('counts requests and 5xx answers: Sum per minute, in CdkOrchestration/Nginx, with the LoadBalancer dimension', () => {
    const requests = service.metricRequests() as cloudwatch.Metric;
    expect([requests.namespace, requests.metricName, requests.statistic, requests.period.toSeconds()]).toEqual(['CdkOrchestration/Nginx', 'Requests', 'Sum', 60]);
    expect(requests.dimensions).toEqual({ LoadBalancer: service.loadBalancer.logTag });
    const errors = service.metricErrors() as cloudwatch.Metric;
    expect([errors.namespace, errors.metricName, errors.statistic, errors.period.toSeconds()]).toEqual(['CdkOrchestration/Nginx', 'ServerErrors', 'Sum', 60]);
    expect(errors.dimensions).toEqual({ LoadBalancer: service.loadBalancer.logTag });
  });

  it('gives the latency in milliseconds: rt * 1000 over RequestTime (seconds), p99 per minute', () => {
    const latency = service.metricLatency() as cloudwatch.MathExpression;
    expect(latency.expression).toBe('rt * 1000');
    expect(latency.period.toSeconds()).toBe(60);
    const rt = latency.usingMetrics.rt as cloudwatch.Metric;
    expect([rt.namespace, rt.metricName, rt.statistic, rt.period.toSeconds()]).toEqual(['CdkOrchestration/Nginx', 'RequestTime', 'p99', 60]);
    expect(rt.dimensions).toEqual({ LoadBalancer: service.loadBalancer.logTag });
  });

  it('accepts MetricOptions (statistic, period, label) without losing the dimension', () => {
    const r = service.metricRequests({ statistic: 'Average', period: Duration.minutes(5), label: 'req' }) as cloudwatch.Metric;
    expect([r.statistic, r.period.toSeconds(), r.label]).toEqual(['Average', 300, 'req']);
    expect(r.dimensions).toEqual({ LoadBalancer: service.loadBalancer.logTag });
    const l = service.metricLatency({ statistic: 'p50', label: 'median ms' }) as cloudwatch.MathExpression;
    expect((l.usingMetrics.rt_p50 as cloudwatch.Metric).statistic).toBe('p50');
    expect(l.expression).toBe('rt_p50 * 1000'); // its own id: p50 and p99 share the dashboard's latency graph
    expect(l.label).toBe('median ms');
  });

  it('an alarm on the errors renders the metric in the template', () => {
    const s = testStack();
    const svc = new ServerService(s, 'Svc', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, fleetSize: 1 });
    new cloudwatch.Alarm(s, 'Errors', { metric: svc.metricErrors(), threshold: 1, evaluationPeriods: 1 });
    new cloudwatch.Alarm(s, 'Slow', { metric: svc.metricLatency(), threshold: 500, evaluationPeriods: 1 });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'CdkOrchestration/Nginx', MetricName: 'ServerErrors', Statistic: 'Sum', Period: 60, Dimensions: [{ Name: 'LoadBalancer', Value: svc.loadBalancer.logTag }] });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        { Expression: 'rt * 1000', Id: 'expr_1' },
        { Id: 'rt', ReturnData: false, MetricStat: { Metric: { Namespace: 'CdkOrchestration/Nginx', MetricName: 'RequestTime', Dimensions: [{ Name: 'LoadBalancer', Value: svc.loadBalancer.logTag }] }, Period: 60, Stat: 'p99' } },
      ],
    });
  });
});

describe('ServerService through IAppService only', () => {
  it('grants, measures and answers on its url like any other style', () => {
    const s = testStack();
    const appService: IAppService = new ServerService(s, 'Svc', { app: { name: 'demo', version: '1.2.3', source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, fleetSize: 2 });
    const table = new dynamodb.Table(s, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    table.grantReadData(appService);
    expect([appService.app.name, appService.appVersion, appService.rolloutAlarms]).toEqual(['demo', '1.2.3', []]);
    expect(appService.rolloutEstimate?.batches).toBe(2); // 2 servers, serial 1
    expect(appService.rolloutEstimate).toBe((appService as ServerService).fleet.rolloutEstimate);
    expect(s.resolve(appService.url)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [expect.stringMatching(/^SvcLoadBalancerAddress/), 'PublicIp'] }]] });
    const metrics = [appService.metricRequests(), appService.metricErrors(), appService.metricLatency()];
    expect(metrics.map((m) => m.toMetricConfig().metricStat?.metricName ?? m.toMetricConfig().mathExpression?.expression)).toEqual(['Requests', 'ServerErrors', 'rt * 1000']);
    const t = Template.fromStack(s);
    const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p: any) => JSON.stringify(p.Properties.PolicyDocument).includes('dynamodb:GetItem')) as any;
    const svc = appService as ServerService;
    expect(policy.Properties.Roles).toEqual([{ Ref: s.getLogicalId(svc.fleet.role.node.defaultChild as any) }]);
  });
});

describe('the local space-delimited matcher (what nginx-metrics.test.ts applies to real lines)', () => {
  it('tokenizes "..." and [...] as one field each', () => {
    expect(tokenize('1.2.3.4 [29/Nov/2026:19:00:00 +0000] "GET /a b HTTP/1.1" 200 5 0.001 lb upstream=1.1.1.1:80, 2.2.2.2:80 x')).toEqual([
      '1.2.3.4', '29/Nov/2026:19:00:00 +0000', 'GET /a b HTTP/1.1', '200', '5', '0.001', 'lb', 'upstream=1.1.1.1:80,', '2.2.2.2:80', 'x',
    ]);
    expect(tokenize('a "" b')).toEqual(['a', '', 'b']);
  });

  it('applies numeric and text conditions, and requires the field count without "..."', () => {
    expect(matchSpaceDelimited('[a, b >= 500 && b <= 599, c = "x*"]', 'q 502 xyz')).toEqual({ a: 'q', b: '502', c: 'xyz' });
    expect(matchSpaceDelimited('[a, b >= 500 && b <= 599, c = "x*"]', 'q 200 xyz')).toBeUndefined();
    expect(matchSpaceDelimited('[a, b >= 500, c]', 'q 12#12: xyz')).toBeUndefined(); // not a number
    expect(matchSpaceDelimited('[a, b, c]', 'q 1 xyz more')).toBeUndefined();
    expect(matchSpaceDelimited('[a, b, ...]', 'q 1 xyz more')).toEqual({ a: 'q', b: '1' });
    expect(metricValueOf('[a, rt >= 0, ...]', '$rt', 'q 0.250 z')).toBe(0.25);
    expect(() => parsePattern('[a, b ~ 3]')).toThrow(/unsupported condition/);
  });
});
