// Every style's main construct used only through the shared contract (IAppService): a grant, the
// three metrics with the AWS service that publishes each (metric names as the AWS docs list them),
// alarms on them that render into a template, the URL and the rollout alarms.
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { ContainerService } from '../../../constructs/container';
import type { IAppService } from '../../../constructs/shared/service';
import { ServerService } from '../../../constructs/server';
import { FunctionService } from '../../../constructs/serverless';
import { VmImage, VmService } from '../../../constructs/vm';
import { SAMPLE_APP_DIR, testStack } from '../../helpers';
import { AppSource } from '../../../lib/app';

/** The [namespace, metric name] pairs a metric (or math expression) reads. */
function published(metric: cloudwatch.IMetric): string[][] {
  const config = metric.toMetricConfig();
  if (config.metricStat) return [[config.metricStat.namespace, config.metricStat.metricName]];
  return Object.values(config.mathExpression!.usingMetrics).flatMap(published);
}

/** Uses a service only through the contract; returns what a caller sees. */
function throughContract(stack: Stack, service: IAppService) {
  const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  table.grantReadData(service);
  const metrics = { requests: service.metricRequests(), errors: service.metricErrors(), latency: service.metricLatency({ period: Duration.minutes(5) }) };
  for (const [name, metric] of Object.entries(metrics)) new cloudwatch.Alarm(stack, `${name}Alarm`, { metric, threshold: 1, evaluationPeriods: 1 });
  const t = Template.fromStack(stack);
  expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((k) => /^(requests|errors|latency)Alarm/.test(k))).toHaveLength(3);
  const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p: any) => JSON.stringify(p.Properties.PolicyDocument).includes('dynamodb:GetItem')) as any;
  return {
    grantedTo: policy.Properties.Roles,
    publishers: Object.fromEntries(Object.entries(metrics).map(([k, m]) => [k, published(m)])),
    latencyPeriod: metrics.latency.toMetricConfig().mathExpression?.period ?? metrics.latency.toMetricConfig().metricStat?.period.toSeconds(),
    url: service.url,
    version: service.appVersion,
    app: service.app.name,
  };
}

/** The database's security group lets the service's own security groups in on the port, and nothing else. */
function expectIngressFrom(stack: Stack, db: ec2.SecurityGroup, service: ec2.IConnectable, port: number) {
  const sources = service.connections.securityGroups.map((g) => stack.resolve(g.securityGroupId));
  expect(sources.length).toBeGreaterThan(0);
  const rules = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties)
    .filter((r) => JSON.stringify(r.GroupId) === JSON.stringify(stack.resolve(db.securityGroupId)));
  expect(rules.map((r) => ({ from: r.SourceSecurityGroupId, port: r.FromPort }))).toEqual(sources.map((from) => ({ from, port })));
}

describe('IAppService', () => {
  it('serverless: URL metrics of the live alias, published by Lambda', () => {
    const stack = testStack();
    const service = new FunctionService(stack, 'Svc', { app: { name: 'api', source: AppSource.fromDirectory(SAMPLE_APP_DIR) } });
    const seen = throughContract(stack, service);
    expect(seen.grantedTo).toEqual([{ Ref: stack.getLogicalId(service.role.node.defaultChild as any) }]);
    expect(seen.publishers).toEqual({ requests: [['AWS/Lambda', 'UrlRequestCount']], errors: [['AWS/Lambda', 'Url5xxCount']], latency: [['AWS/Lambda', 'UrlRequestLatency']] });
    expect(seen.latencyPeriod).toBe(300);
    expect(service.rolloutAlarms).toBe(service.alarms);
    expect(stack.resolve(seen.url)).toEqual(stack.resolve(service.functionUrl.url));
    expect(seen.app).toBe('api');
  });

  it('vm: the load balancer\'s metrics, published by Elastic Load Balancing, latency in ms', () => {
    const stack = testStack();
    const service = new VmService(stack, 'Svc', { app: { name: 'web', source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, image: VmImage.fromAmiId('ami-0123456789abcdef0') });
    // the contract's connections: a database lets the instances in on its port
    const db = new ec2.SecurityGroup(stack, 'Db', { vpc: service.vpc });
    db.connections.allowFrom(service as ec2.IConnectable, ec2.Port.tcp(5432));
    const seen = throughContract(stack, service);
    expectIngressFrom(stack, db, service, 5432);
    expect(seen.grantedTo).toEqual([{ Ref: stack.getLogicalId(service.role.node.defaultChild as any) }]);
    expect(seen.publishers).toEqual({
      requests: [['AWS/ApplicationELB', 'RequestCount']],
      errors: [['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'], ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count']],
      latency: [['AWS/ApplicationELB', 'TargetResponseTime']],
    });
    // seconds × 1000, the seconds metric's id named after a non-default statistic (p50 and p99 share a dashboard graph)
    expect((service.metricLatency().toMetricConfig().mathExpression as any).expression).toMatch(/^seconds(_p99)? \* 1000$/);
    expect((service.metricLatency({ statistic: 'p50' }).toMetricConfig().mathExpression as any).expression).toBe('seconds_p50 * 1000');
    expect(service.rolloutAlarms).toBe(service.refreshAlarms);
    expect(service.rolloutAlarms.length).toBeGreaterThan(0);
    expect(seen.url).toBe(service.url);
    expect(service.rolloutEstimate!.totalSeconds).toBeGreaterThan(0);
  });

  it('server: nginx\'s metrics, published by our metric filters over its access log', () => {
    const stack = testStack();
    const service = new ServerService(stack, 'Svc', { app: { name: 'web', source: AppSource.fromDirectory(SAMPLE_APP_DIR) } });
    // the contract's connections: a database lets the app servers in on its port
    const db = new ec2.SecurityGroup(stack, 'Db', { vpc: service.fleet.vpc });
    db.connections.allowFrom(service as ec2.IConnectable, ec2.Port.tcp(5432));
    const seen = throughContract(stack, service);
    expectIngressFrom(stack, db, service, 5432);
    expect(seen.grantedTo).toEqual([{ Ref: stack.getLogicalId(service.fleet.role.node.defaultChild as any) }]);
    expect(seen.publishers).toEqual({
      requests: [['CdkOrchestration/Nginx', 'Requests']],
      errors: [['CdkOrchestration/Nginx', 'ServerErrors']],
      latency: [['CdkOrchestration/Nginx', 'RequestTime']],
    });
    // the publisher exists: one metric filter per metric on nginx's log group
    const filters = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter')) as any[];
    expect(filters.map((f) => f.Properties.MetricTransformations[0].MetricName).sort()).toEqual(['RequestTime', 'Requests', 'ServerErrors']);
    expect(service.rolloutAlarms).toEqual([]);
    expect(seen.url).toBe(service.url);
  });

  it('container: the load balancer CloudFormation owns in front of the pods (published by Elastic Load Balancing), the pods\' role and security group', () => {
    const stack = testStack();
    const service = new ContainerService(stack, 'Svc', { app: { name: 'web', source: AppSource.fromImage('public.ecr.aws/nginx/nginx:1.27'), port: 8080 } });
    // the contract's connections: a database lets the pods in on its port
    const db = new ec2.SecurityGroup(stack, 'Db', { vpc: service.cluster.vpc });
    db.connections.allowFrom(service as ec2.IConnectable, ec2.Port.tcp(5432));
    const seen = throughContract(stack, service);
    expect(seen.grantedTo).toEqual([{ Ref: stack.getLogicalId(service.podRole.node.defaultChild as any) }]);
    expect(seen.publishers).toEqual({
      requests: [['AWS/ApplicationELB', 'RequestCount']],
      errors: [['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'], ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count']],
      latency: [['AWS/ApplicationELB', 'TargetResponseTime']],
    });
    // the publisher exists: the metrics' LoadBalancer dimension is the template's load balancer
    const t = Template.fromStack(stack);
    const albs = Object.keys(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    expect(albs).toHaveLength(1);
    expect(stack.resolve(service.metricRequests().toMetricConfig().metricStat!.dimensions)).toEqual([{ name: 'LoadBalancer', value: { 'Fn::GetAtt': [albs[0], 'LoadBalancerFullName'] } }]);
    expect((service.metricLatency().toMetricConfig().mathExpression as any).expression).toBe('seconds * 1000');
    expect(stack.resolve(seen.url)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [albs[0], 'DNSName'] }]] });
    expect(service.rolloutAlarms).toEqual([]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [stack.getLogicalId(db.node.defaultChild as any), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Object.keys(t.findResources('AWS::EKS::Cluster'))[0], 'ClusterSecurityGroupId'] },
      FromPort: 5432,
    });
  });
});
