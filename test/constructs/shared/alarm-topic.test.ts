import { App, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AlarmTopic, notifyOnAlarms } from '../../../constructs/shared/alarm-topic';
import { ACCOUNT, type CfnTemplate, REGION } from '../../iam/engine';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom } from '../../helpers';
import { resolved, resourcePolicyDecision, withRefAs } from './policy-decision';

function newStack(): Stack {
  return new Stack(new App({ context: CDK_CONTEXT }), 'TestStack');
}

function alarm(stack: Stack, id: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, { metric: new cloudwatch.Metric({ namespace: 'Test', metricName: id, period: Duration.minutes(1) }), threshold: 1, evaluationPeriods: 1 });
}

describe('AlarmTopic', () => {
  const stack = newStack();
  const alarms = new AlarmTopic(stack, 'Alarms', { emails: ['ops@example.com', 'oncall@example.org'] });
  const t = Template.fromStack(stack);
  const template = t.toJSON() as CfnTemplate;
  const keyId = stack.getLogicalId(alarms.key.node.defaultChild as never);
  const topicId = stack.getLogicalId(alarms.topic.node.defaultChild as never);

  it('encrypts the topic with its own customer-managed key, rotation on (not alias/aws/sns)', () => {
    const topic = onlyResource(t, 'AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(JSON.stringify(template)).not.toContain('alias/aws/sns');
    expect(onlyResource(t, 'AWS::KMS::Key').Properties.EnableKeyRotation).toBe(true);
  });

  it('subscribes each email', () => {
    const subs = Object.values(t.findResources('AWS::SNS::Subscription')).map((s: any) => s.Properties);
    expect(subs.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([['email', 'oncall@example.org'], ['email', 'ops@example.com']]);
  });

  it('lets CloudWatch (the service principal) use the key for the topic; a random principal may not (policy engine)', async () => {
    const policy = resolved(template, keyId, 'KeyPolicy');
    const ask = (principal: string, action: string) => resourcePolicyDecision(template, { resourceId: keyId, policy, action, principal });
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(await ask('cloudwatch.amazonaws.com', action), action).toBe('Allowed');
      expect(await ask('arn:aws:iam::444455556666:role/intruder', action), action).not.toBe('Allowed');
      expect(await ask('events.amazonaws.com', action), action).not.toBe('Allowed');
    }
    expect(await ask('cloudwatch.amazonaws.com', 'kms:ScheduleKeyDeletion')).not.toBe('Allowed');
    expect(await ask('cloudwatch.amazonaws.com', 'kms:Encrypt')).not.toBe('Allowed');
  });

  it('lets AWS Budgets use the key; a random principal may not (policy engine)', async () => {
    const policy = resolved(template, keyId, 'KeyPolicy');
    const ask = (principal: string) => resourcePolicyDecision(template, { resourceId: keyId, policy, action: 'kms:GenerateDataKey', principal });
    expect(await ask('budgets.amazonaws.com')).toBe('Allowed');
    expect(await ask('arn:aws:iam::444455556666:root')).not.toBe('Allowed');
  });

  it('topic policy: CloudWatch alarms and budgets of this account may publish over TLS; others and plain HTTP may not (policy engine)', async () => {
    // The engine's resolver knows no SNS ARNs: the topic's Ref (its ARN) is replaced by one first.
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`;
    const withArn = withRefAs(template, topicId, topicArn);
    const policyId = Object.keys(t.findResources('AWS::SNS::TopicPolicy'))[0]!;
    const policy = resolved(withArn, policyId, 'PolicyDocument');
    expect(policy.Statement.every((st: any) => [st.Resource].flat().includes(topicArn))).toBe(true);
    const ask = (principal: string, context: Record<string, string>) => resourcePolicyDecision(withArn, { resourceId: topicId, resourceArn: topicArn, policy, action: 'sns:Publish', principal, context: { 'aws:SecureTransport': 'true', ...context } });
    const alarmArn = (account: string, region = REGION) => `arn:aws:cloudwatch:${region}:${account}:alarm:web-5xx`;
    const budgetArn = (account: string) => `arn:aws:budgets::${account}:budget/prod`;
    expect(await ask('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarmArn(ACCOUNT), 'aws:SourceAccount': ACCOUNT })).toBe('Allowed');
    expect(await ask('budgets.amazonaws.com', { 'aws:SourceArn': budgetArn(ACCOUNT), 'aws:SourceAccount': ACCOUNT })).toBe('Allowed');
    expect(await ask('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarmArn('444455556666'), 'aws:SourceAccount': '444455556666' })).not.toBe('Allowed');
    expect(await ask('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarmArn(ACCOUNT, 'us-east-1'), 'aws:SourceAccount': ACCOUNT })).not.toBe('Allowed');
    expect(await ask('budgets.amazonaws.com', { 'aws:SourceArn': budgetArn('444455556666'), 'aws:SourceAccount': '444455556666' })).not.toBe('Allowed');
    expect(await ask('budgets.amazonaws.com', { 'aws:SourceArn': budgetArn(ACCOUNT), 'aws:SourceAccount': '444455556666' })).not.toBe('Allowed');
    expect(await ask('cloudwatch.amazonaws.com', { 'aws:SourceArn': alarmArn(ACCOUNT), 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'false' })).toBe('ExplicitlyDenied');
    expect(await ask('arn:aws:iam::444455556666:root', {})).not.toBe('Allowed');
  });

  it('has the grant restriction Control Tower asks for (CT.KMS.PR.3)', () => {
    const statements = onlyResource(t, 'AWS::KMS::Key').Properties.KeyPolicy.Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'kms:CreateGrant', Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } } }));
  });

  it('is destroyed with the stack by default, retained on request', () => {
    expect(onlyResource(t, 'AWS::KMS::Key').DeletionPolicy).toBe('Delete');
    expect(onlyResource(t, 'AWS::SNS::Topic').DeletionPolicy).toBe('Delete');
    const s = newStack();
    new AlarmTopic(s, 'Alarms', { removalPolicy: RemovalPolicy.RETAIN });
    const t2 = Template.fromStack(s);
    expect(onlyResource(t2, 'AWS::KMS::Key').DeletionPolicy).toBe('Retain');
    expect(onlyResource(t2, 'AWS::SNS::Topic').DeletionPolicy).toBe('Retain');
    t2.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('accepts a deploy-time email', () => {
    const s = newStack();
    new AlarmTopic(s, 'Alarms', { emails: [Token.asString({ Ref: 'Email' })] });
    Template.fromStack(s).resourceCountIs('AWS::SNS::Subscription', 1);
  });

  it('rejects bad input', () => {
    const s = newStack();
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'A', { emails: 'ops@example.com' as never })).message).toContain('emails ("ops@example.com") must be a list of email addresses');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'B', { emails: ['ops@example'] })).message).toContain('emails[0] ("ops@example") must be an email address');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'C', { emails: ['ops example@x.com'] })).message).toContain('emails[0]');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'D', { emails: ['a@x.com', 'A@x.com'] })).message).toContain('emails[1] ("A@x.com") is listed twice');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'E', { emails: [42 as never] })).message).toContain('emails[0] (42) must be an email address string');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'F', { removalPolicy: 'keep' as never })).message).toContain('removalPolicy ("keep") must be a RemovalPolicy');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'G', { email: ['a@x.com'] } as never)).message).toContain('email');
    expect(orchestrationErrorFrom(() => new AlarmTopic(s, 'H', { emails: ['bad'] })).path).toBe('TestStack/H');
  });
});

describe('notifyOnAlarms', () => {
  it('adds the topic as alarm and OK action of every alarm, once', () => {
    const stack = newStack();
    const topic = new AlarmTopic(stack, 'Alarms').topic;
    const a = alarm(stack, 'A');
    const b = alarm(stack, 'B');
    notifyOnAlarms(topic, [a, b]);
    notifyOnAlarms(topic, [a]);
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as never) };
    const found = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((r: any) => r.Properties);
    expect(found).toHaveLength(2);
    for (const p of found) {
      expect(p.AlarmActions).toEqual([topicRef]);
      expect(p.OKActions).toEqual([topicRef]);
    }
  });

  it('does nothing without a topic', () => {
    const stack = newStack();
    const a = alarm(stack, 'A');
    notifyOnAlarms(undefined, [a]);
    const p = onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').Properties;
    expect(p.AlarmActions).toBeUndefined();
    expect(p.OKActions).toBeUndefined();
  });

  it('takes an imported topic', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:111122223333:ops');
    const a = alarm(stack, 'A');
    notifyOnAlarms(topic, [a]);
    expect(onlyResource(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:111122223333:ops']);
  });

  it('rejects what is not a topic', () => {
    const stack = newStack();
    expect(orchestrationErrorFrom(() => notifyOnAlarms('arn:aws:sns:eu-west-1:1:x' as never, [alarm(stack, 'A')])).message).toContain('alarmTopic ("arn:aws:sns:eu-west-1:1:x") must be an SNS topic');
  });
});
