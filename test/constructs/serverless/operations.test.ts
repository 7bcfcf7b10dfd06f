// alarmTopic, dashboard and logEncryptionKey: what the production profile adds to operating a FunctionService
// (CT.CLOUDWATCH.PR.1 alarm actions, CT.CLOUDWATCH.PR.3 a KMS key on the log group), and nothing of it by default.
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { FunctionService } from '../../../constructs/serverless';
import { AlarmTopic } from '../../../constructs/shared/alarm-topic';
import { LogsKey } from '../../../constructs/shared/log-encryption';
import { AppSource } from '../../../lib/app';
import { onlyResource, SAMPLE_APP_DIR, testStack } from '../../helpers';

const app = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };

describe('FunctionService alarmTopic', () => {
  it('makes every alarm it creates (errors and p99 latency) notify the topic on ALARM and on OK', () => {
    const stack = testStack();
    const topic = new AlarmTopic(stack, 'Alarms').topic;
    const service = new FunctionService(stack, 'Service', { app, alarmTopic: topic, p99DurationThreshold: Duration.millis(800) });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms).toHaveLength(2);
    expect(service.alarms).toHaveLength(2);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(a.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
  });

  it('takes any topic, imported ones included', () => {
    const stack = testStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:123456789012:ops');
    new FunctionService(stack, 'Service', { app, alarmTopic: topic });
    expect(onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops']);
  });

  it('notifies nobody without one (the dev default)', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app });
    const alarm = onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Alarm');
    expect(alarm.Properties.AlarmActions).toBeUndefined();
    expect(alarm.Properties.OKActions).toBeUndefined();
  });
});

describe('FunctionService dashboard', () => {
  const bodyOf = (t: Template) => JSON.stringify(onlyResource(t, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);

  it('shows requests, errors, p50/p99 latency, concurrent executions as healthy replicas, throttles, and the rollout alarms', () => {
    const stack = testStack();
    const service = new FunctionService(stack, 'Service', { app, dashboard: true });
    const body = bodyOf(Template.fromStack(stack));
    for (const metric of ['UrlRequestCount', 'Url5xxCount', 'UrlRequestLatency', 'ConcurrentExecutions', 'Throttles']) expect(body).toContain(metric);
    for (const title of ['Requests', 'Errors', 'Latency (ms)', 'Healthy replicas', 'Scaling activity', 'Rollout alarms']) expect(body).toContain(title);
    expect(body).toContain('\\"stat\\":\\"p50\\"');
    expect(body).toContain('\\"stat\\":\\"p99\\"');
    expect(body).not.toContain('ProvisionedConcurrentExecutions');
    expect(service.dashboard?.dashboard).toBeDefined();
  });

  it('adds executions on provisioned concurrency when the alias has some', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app: { ...app, replicas: { min: 2 } }, dashboard: true });
    expect(bodyOf(Template.fromStack(stack))).toContain('ProvisionedConcurrentExecutions');
  });

  it('makes none by default', () => {
    const stack = testStack();
    const service = new FunctionService(stack, 'Service', { app });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(service.dashboard).toBeUndefined();
  });
});

describe('FunctionService logEncryptionKey', () => {
  it('encrypts the log group with the key, whose policy lets CloudWatch Logs of this account and region use it', () => {
    const stack = testStack();
    const key = new LogsKey(stack, 'LogsKey').key;
    new FunctionService(stack, 'Service', { app, logEncryptionKey: key });
    const t = Template.fromStack(stack);
    expect(onlyResource(t, 'AWS::Logs::LogGroup').Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
    const statements = onlyResource(t, 'AWS::KMS::Key').Properties.KeyPolicy.Statement as any[];
    const logs = statements.filter((s) => s.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(logs).toHaveLength(1); // LogsKey grants it, the service does not add a second one
    expect(logs[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:*');
  });

  it('uses CloudWatch Logs\' own encryption without one (the dev default)', () => {
    const stack = testStack();
    new FunctionService(stack, 'Service', { app });
    expect(onlyResource(Template.fromStack(stack), 'AWS::Logs::LogGroup').Properties.KmsKeyId).toBeUndefined();
  });
});
