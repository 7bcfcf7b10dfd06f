import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../../constructs/shared/alarm-topic';
import { BUDGET_TAG_KEY, EnvironmentBudget } from '../../../constructs/shared/budget';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom } from '../../helpers';

function newStack(id = 'SampleVm-prod'): Stack {
  return new Stack(new App({ context: CDK_CONTEXT }), id);
}

describe('EnvironmentBudget', () => {
  it('is a monthly USD cost budget filtered on the stack tag, alerting at 80 % actual and 100 % forecasted', () => {
    const stack = newStack();
    const alarms = new AlarmTopic(stack, 'Alarms');
    new EnvironmentBudget(stack, 'Budget', { limitUsd: 500, emails: ['ops@example.com'], topic: alarms.topic });
    const t = Template.fromStack(stack);
    const b = onlyResource(t, 'AWS::Budgets::Budget').Properties;
    expect(b.Budget).toEqual({
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: 500, Unit: 'USD' },
      // The Budgets API's format for a user-defined cost-allocation tag: user:<key>$<value>.
      CostFilters: { TagKeyValue: [`user:${BUDGET_TAG_KEY}$SampleVm-prod`] },
    });
    const subscribers = [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }, { SubscriptionType: 'SNS', Address: { Ref: stack.getLogicalId(alarms.topic.node.defaultChild as never) } }];
    expect(b.NotificationsWithSubscribers).toEqual([
      { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
      { Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
    ]);
  });

  it("tags the stack's resources with the tag it filters on", () => {
    const stack = newStack();
    new EnvironmentBudget(stack, 'Budget', { limitUsd: 50, emails: ['ops@example.com'] });
    const topic = new sns.Topic(stack, 'Other');
    void topic;
    const t = Template.fromStack(stack);
    expect(onlyResource(t, 'AWS::SNS::Topic').Properties.Tags).toContainEqual({ Key: BUDGET_TAG_KEY, Value: 'SampleVm-prod' });
  });

  it('takes its own tag, thresholds and name', () => {
    const stack = newStack();
    new EnvironmentBudget(stack, 'Budget', { limitUsd: 12.5, emails: ['ops@example.com'], tagKey: 'env', tagValue: 'prod', actualThresholdPercent: 50, forecastedThresholdPercent: 90, budgetName: 'prod-budget' });
    const b = onlyResource(Template.fromStack(stack), 'AWS::Budgets::Budget').Properties;
    expect(b.Budget.CostFilters).toEqual({ TagKeyValue: ['user:env$prod'] });
    expect(b.Budget.BudgetName).toBe('prod-budget');
    expect(b.Budget.BudgetLimit.Amount).toBe(12.5);
    expect(b.NotificationsWithSubscribers.map((n: any) => n.Notification.Threshold)).toEqual([50, 90]);
    expect(b.NotificationsWithSubscribers[0].Subscribers).toEqual([{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }]);
  });

  it('rejects bad input', () => {
    const stack = newStack();
    const ok = { limitUsd: 10, emails: ['ops@example.com'] };
    const err = (id: string, props: unknown) => orchestrationErrorFrom(() => new EnvironmentBudget(stack, id, props as never)).message;
    for (const [i, limitUsd] of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '100', 2e9].entries()) {
      expect(err(`L${i}`, { ...ok, limitUsd }), String(limitUsd)).toContain('limitUsd');
    }
    expect(err('L9', { ...ok, limitUsd: 0 })).toContain('must be a number of US dollars above 0');
    expect(err('N1', { limitUsd: 10 })).toContain('or topic must be given');
    expect(err('N2', { limitUsd: 10, emails: [] })).toContain('or topic must be given');
    expect(err('E1', { limitUsd: 10, emails: Array.from({ length: 11 }, (_, i) => `a${i}@x.com`) })).toContain('at most 10 addresses');
    expect(err('E2', { limitUsd: 10, emails: ['nope'] })).toContain('emails[0] ("nope") must be an email address');
    expect(err('T1', { ...ok, topic: 'arn:aws:sns:eu-west-1:1:x' })).toContain('topic ("arn:aws:sns:eu-west-1:1:x") must be an SNS topic');
    expect(err('P1', { ...ok, actualThresholdPercent: 0 })).toContain('actualThresholdPercent (0) must be a number from 1 to 1000');
    expect(err('P2', { ...ok, forecastedThresholdPercent: 5000 })).toContain('forecastedThresholdPercent');
    expect(err('K1', { ...ok, tagKey: 'a$b' })).toContain('tagKey ("a$b")');
    expect(err('K2', { ...ok, tagKey: 'aws:cost' })).toContain("not starting with 'aws:'");
    expect(err('K3', { ...ok, tagValue: '' })).toContain('tagValue ("")');
    expect(err('K4', { ...ok, tagValue: 7 })).toContain('tagValue (7) must be a string');
    expect(err('B1', { ...ok, budgetName: 'a:b' })).toContain('budgetName ("a:b")');
    expect(err('U1', { ...ok, limit: 5 })).toContain('limit');
    expect(err('U2', undefined)).toContain('props (undefined) must be given');
  });
});
