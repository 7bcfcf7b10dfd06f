// One snapshot per sample stack, built exactly as `cdk synth` builds them (cdk.json's context),
// normalised by test/setup.ts. Rollout settings are asserted in each style's own suite.
import { Template } from 'aws-cdk-lib/assertions';
import { App, type Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp, DEFAULT_MONTHLY_BUDGET_USD, ProductionContextError, productionSettings } from '../../apps/sample-app-stacks';
import { OrchestrationError } from '../../lib/errors';
import { CDK_CONTEXT } from '../helpers';
import { REGION_OUTPUT, STACK_OUTPUTS, STYLE_OUTPUT } from '../../lib/cli/stack-outputs';

const { stacks } = createSampleApp({ context: CDK_CONTEXT, gate: false });

/** Stack names end with `-<env>`; the constructs set no physical names. */
function expectEnvNames(envStacks: Record<string, Stack>, env: string) {
  for (const stack of Object.values(envStacks)) {
    expect(stack.stackName).toMatch(new RegExp(`-${env}$`));
    const json = JSON.stringify(Template.fromStack(stack).toJSON().Resources);
    expect(json).not.toMatch(/"(FunctionName|RoleName|LogGroupName|BucketName|ClusterName|RepositoryName|LoadBalancerName|AutoScalingGroupName)":"/);
  }
}

describe('sample stacks', () => {
  it.each(Object.entries(stacks as Record<string, Stack>))('%s matches its snapshot', (_style, stack) => {
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  it.each(['dev', 'stage'])('-c env=%s changes stack names, not physical names', (env) => {
    const { stacks: envStacks } = createSampleApp({ context: { ...CDK_CONTEXT, env }, gate: false });
    expectEnvNames(envStacks as Record<string, Stack>, env);
  });

  it('rejects an unknown environment', () => {
    expect(() => createSampleApp({ context: { env: 'qa' }, gate: false })).toThrow('-c env=qa is not an environment: use one of dev, stage, prod (default dev)');
  });
});

describe('sample stack outputs match what cdk-orchestrate reads', () => {
  it.each(Object.entries(stacks as Record<string, Stack>))('%s has a Style output and every output the CLI requires for it', (_key, stack) => {
    const outputs = Template.fromStack(stack).toJSON().Outputs as Record<string, { Value: unknown }>;
    const style = outputs[STYLE_OUTPUT]?.Value as keyof typeof STACK_OUTPUTS;
    expect(Object.keys(STACK_OUTPUTS)).toContain(style);
    expect(outputs[REGION_OUTPUT]).toBeDefined();
    for (const [field, spec] of Object.entries(STACK_OUTPUTS[style])) {
      if (spec.required) expect(outputs[spec.output], `${style}: ${field} (${spec.output})`).toBeDefined();
    }
  });
});

/** The prod sample's required context, as `-c domainName=example.com -c hostedZoneId=Z0EXAMPLE` gives it. */
const PROD = { ...CDK_CONTEXT, env: 'prod', domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE' };

describe('-c env=prod reads its settings from the context', () => {
  const settings = (context: Record<string, unknown>) => productionSettings(new App({ context: { ...PROD, ...context } }));

  it('fails without the domain, saying exactly what to pass (bin/app.ts prints the message alone and exits 1)', () => {
    const expected =
      '-c env=prod needs the domain its services answer on (<style>.<domainName>: TLS certificates and alias records in that hosted zone, no lookup, ' +
      'no AWS account needed to synth): missing -c domainName and -c hostedZoneId. Pass them: npx cdk synth -c env=prod -c domainName=example.com ' +
      '-c hostedZoneId=Z0EXAMPLE [-c alarmEmail=ops@example.com] (the other prod options: README.md, "Production profile")';
    expect(() => createSampleApp({ context: { ...CDK_CONTEXT, env: 'prod' }, gate: false })).toThrow(expected);
    expect(() => createSampleApp({ context: { ...CDK_CONTEXT, env: 'prod' }, gate: false })).toThrow(ProductionContextError);
    expect(() => settings({ hostedZoneId: undefined })).toThrow('missing -c hostedZoneId. Pass them:');
    expect(() => settings({ domainName: '' })).toThrow('missing -c domainName. Pass them:');
  });

  it('reads -c values (strings) and cdk.json values (JSON) alike, with a default budget', () => {
    expect(settings({})).toEqual({ domainName: 'example.com', hostedZoneId: 'Z0EXAMPLE', monthlyBudgetUsd: DEFAULT_MONTHLY_BUDGET_USD, teardown: false });
    expect(settings({
      alarmEmail: 'ops@example.com',
      cloudFrontCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
      eksApiCidrs: '203.0.113.0/24, 198.51.100.7/32',
      monthlyBudgetUsd: '450',
      teardown: 'true',
    })).toEqual({
      domainName: 'example.com',
      hostedZoneId: 'Z0EXAMPLE',
      alarmEmail: 'ops@example.com',
      cloudFrontCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
      eksApiCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      monthlyBudgetUsd: 450,
      teardown: true,
    });
    expect(settings({ eksApiCidrs: ['203.0.113.0/24'], monthlyBudgetUsd: 99.5, teardown: false })).toMatchObject({ eksApiCidrs: ['203.0.113.0/24'], monthlyBudgetUsd: 99.5, teardown: false });
  });

  it.each([
    ['domainName', 'Example.com', 'must be the hosted zone\'s domain name in lower case'],
    ['domainName', 'example.com.', 'must be the hosted zone\'s domain name in lower case'],
    ['domainName', 'localhost', 'must be the hosted zone\'s domain name in lower case'],
    ['domainName', 'https://example.com', 'must be the hosted zone\'s domain name in lower case'],
    ['domainName', `${'a'.repeat(50)}.com`, 'must be at most 53 characters: ACM certificates name serverless.<domainName>'],
    ['hostedZoneId', '/hostedzone/Z0EXAMPLE', 'must be the id alone, without /hostedzone/: -c hostedZoneId=Z0EXAMPLE'],
    ['hostedZoneId', 'z0example', 'must be a Route 53 hosted zone id'],
    ['hostedZoneId', `Z${'A'.repeat(32)}`, 'must be a Route 53 hosted zone id'],
    ['alarmEmail', 'ops', 'must be one e-mail address'],
    ['alarmEmail', 'a@example.com,b@example.com', 'must be one e-mail address'],
    ['cloudFrontCertificateArn', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', 'must be the ARN of an ACM certificate in us-east-1'],
    ['eksApiCidrs', '203.0.113.0', 'must be comma-separated IPv4 CIDRs'],
    ['eksApiCidrs', '2001:db8::/32', 'must be comma-separated IPv4 CIDRs (the EKS API of an IPv4 cluster takes no IPv6 ones)'],
    ['eksApiCidrs', '203.0.113.0/24,0.0.0.0/0', 'would open the EKS API to the whole internet'],
    ['teardown', 'yes', 'must be true or false'],
    ['monthlyBudgetUsd', '0', 'must be a number of US dollars of at least 1'],
    ['monthlyBudgetUsd', '$300', 'must be a number of US dollars of at least 1'],
  ])('rejects -c %s=%s, naming the option as typed', (key, value, allowed) => {
    let error: unknown;
    try {
      settings({ [key]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OrchestrationError);
    const e = error as OrchestrationError;
    expect(e.prop).toBe(`-c ${key}`); // bin/app.ts prints `-c ...` errors alone and exits 1
    expect(e.message.startsWith(`-c ${key} (`)).toBe(true);
    expect(e.message).toContain(allowed);
  });
});

describe('the prod sample stacks, and their teardown variant', () => {
  let prod: Record<string, Stack>;
  let teardown: Record<string, Stack>;
  beforeAll(() => {
    prod = createSampleApp({ context: { ...PROD, alarmEmail: 'ops@example.com' }, gate: false }).stacks as Record<string, Stack>;
    teardown = createSampleApp({ context: { ...PROD, alarmEmail: 'ops@example.com', teardown: 'true' }, gate: false }).stacks as Record<string, Stack>;
  });

  type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;
  const resources = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Resources;
  const ofType = (stack: Stack, type: string) => Object.entries(resources(stack)).filter(([, r]) => r.Type === type);

  it.each(['server', 'vm', 'container', 'serverless'])('%s: answers at <style>.example.com through an alias record in the imported zone', (style) => {
    const records = ofType(prod[style], 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties?.AliasTarget);
    expect(records.map(([, r]) => r.Properties!.Name)).toContain(`${style}.example.com.`);
    for (const [, r] of records) expect(r.Properties!.HostedZoneId).toBe('Z0EXAMPLE');
  });

  it.each(['server', 'vm', 'container', 'serverless'])('%s: a budget of the default limit alerting the alarm topic, a dashboard, and every alarm notifying the topic', (style) => {
    const budgets = ofType(prod[style], 'AWS::Budgets::Budget');
    expect(budgets).toHaveLength(1);
    const budget = budgets[0][1].Properties!;
    expect(budget.Budget.BudgetLimit).toEqual({ Amount: DEFAULT_MONTHLY_BUDGET_USD, Unit: 'USD' });
    const topics = ofType(prod[style], 'AWS::SNS::Topic');
    expect(topics.length, 'one alarm topic').toBeGreaterThan(0);
    for (const [, t] of topics) expect(JSON.stringify(t.Properties?.KmsMasterKeyId ?? null), 'a customer-managed key, not alias/aws/sns').not.toMatch(/null|alias\/aws\/sns/);
    const topicIds = topics.map(([id]) => id);
    const subscribers = budget.NotificationsWithSubscribers.flatMap((n: { Subscribers: { SubscriptionType: string; Address: unknown }[] }) => n.Subscribers);
    expect(subscribers.some((x: { SubscriptionType: string; Address: unknown }) => x.SubscriptionType === 'SNS' && topicIds.some((id) => JSON.stringify(x.Address).includes(id)))).toBe(true);
    expect(ofType(prod[style], 'AWS::SNS::Subscription').map(([, x]) => [x.Properties!.Protocol, x.Properties!.Endpoint])).toContainEqual(['email', 'ops@example.com']);
    expect(ofType(prod[style], 'AWS::CloudWatch::Dashboard').length).toBeGreaterThan(0);
    const alarms = ofType(prod[style], 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, a] of alarms) {
      const notifies = (actions: unknown) => Array.isArray(actions) && actions.some((x) => topicIds.some((t) => JSON.stringify(x).includes(t)));
      expect(notifies(a.Properties!.AlarmActions), `${id} AlarmActions`).toBe(true);
      expect(notifies(a.Properties!.OKActions), `${id} OKActions`).toBe(true);
    }
  });

  it.each(['server', 'vm', 'container'])('%s: a NAT gateway per AZ, no NAT instance', (style) => {
    expect(ofType(prod[style], 'AWS::EC2::NatGateway')).toHaveLength(2);
    const natInstances = ofType(prod[style], 'AWS::EC2::Instance').filter(([, r]) => r.Properties?.SourceDestCheck === false);
    expect(natInstances).toEqual([]);
  });

  it.each(['server', 'vm', 'container', 'serverless'])('%s: nothing but 443 and 80 open to the internet', (style) => {
    const open: string[] = [];
    const check = (where: string, rule: Record<string, any>) => {
      const world = rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0';
      const web = (rule.IpProtocol === 'tcp' || rule.IpProtocol === '6') && rule.FromPort === rule.ToPort && [80, 443].includes(rule.FromPort);
      if (world && !web) open.push(`${where}: ${JSON.stringify(rule)}`);
    };
    for (const [id, sg] of ofType(prod[style], 'AWS::EC2::SecurityGroup')) for (const rule of sg.Properties?.SecurityGroupIngress ?? []) check(id, rule);
    for (const [id, rule] of ofType(prod[style], 'AWS::EC2::SecurityGroupIngress')) check(id, rule.Properties!);
    expect(open).toEqual([]);
  });

  it('-c env=prod changes stack names, not physical names', () => {
    expectEnvNames(prod, 'prod');
  });

  it('protects the prod stacks from deletion, and teardown does not', () => {
    for (const stack of Object.values(prod)) expect(stack.terminationProtection, stack.stackName).toBe(true);
    for (const stack of Object.values(teardown)) expect(stack.terminationProtection, stack.stackName).toBe(false);
  });

  /** A template without its deletion-protection settings (what -c teardown=true may change). */
  function withoutProtection(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.filter((v) => !(v && typeof v === 'object' && (v as { Key?: unknown }).Key === 'deletion_protection.enabled')).map(withoutProtection);
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => !['DeletionProtection', 'DeletionProtectionEnabled', 'DisableApiTermination'].includes(k))
          .map(([k, v]) => [k, withoutProtection(v)]),
      );
    }
    return value;
  }

  it.each(['server', 'vm', 'container', 'serverless'])('%s: a teardown synth differs from prod only in its deletion protection', (style) => {
    const a = Template.fromStack(prod[style]).toJSON();
    const b = Template.fromStack(teardown[style]).toJSON();
    expect(withoutProtection(b)).toEqual(withoutProtection(a));
  });

  it('a teardown synth turns deletion protection off where prod turns it on', () => {
    const protectedResources = (stacks: Record<string, Stack>) =>
      Object.values(stacks).flatMap((stack) =>
        Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>)
          .filter(([, r]) => {
            const p = r.Properties ?? {};
            const attrs = (p.LoadBalancerAttributes as { Key: string; Value: unknown }[] | undefined) ?? [];
            return p.DeletionProtection === true || p.DeletionProtectionEnabled === true || p.DisableApiTermination === true ||
              attrs.some((x) => x.Key === 'deletion_protection.enabled' && String(x.Value) === 'true');
          })
          .map(([id]) => `${stack.stackName}/${id}`),
      );
    expect(protectedResources(prod).length).toBeGreaterThan(0);
    expect(protectedResources(teardown)).toEqual([]);
  });
});
