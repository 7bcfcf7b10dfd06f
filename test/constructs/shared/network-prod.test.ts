// The network's production settings: a NAT gateway per AZ, an encrypted flow log group, and the
// Control Tower acknowledgement of aws-cdk-lib's default-security-group provider.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CONTROL_TOWER_PLUGIN } from '../../../constructs/shared/compliance';
import { LogsKey } from '../../../constructs/shared/log-encryption';
import { AppNetwork, NetworkEgress } from '../../../constructs/shared/network';
import { CDK_CONTEXT, onlyResource, orchestrationErrorFrom, testStack } from '../../helpers';

const tagOf = (r: any, key: string) => r.Properties.Tags?.find((t: any) => t.Key === key)?.Value;

describe.each([2, 3])('NetworkEgress.natGateway() over %i AZs', (maxAzs) => {
  const stack = testStack();
  new AppNetwork(stack, 'Network', { maxAzs, egress: NetworkEgress.natGateway() });
  const t = Template.fromStack(stack);
  const resources = t.toJSON().Resources as Record<string, any>;

  it('makes one NAT gateway per AZ, each in its own AZ\'s public subnet, and no NAT instance', () => {
    const gateways = Object.values(t.findResources('AWS::EC2::NatGateway')) as any[];
    expect(gateways).toHaveLength(maxAzs);
    t.resourceCountIs('AWS::EC2::Instance', 0);
    const azs = gateways.map((g) => resources[g.Properties.SubnetId.Ref].Properties.AvailabilityZone);
    expect(new Set(azs).size).toBe(maxAzs);
    for (const g of gateways) expect(tagOf(resources[g.Properties.SubnetId.Ref], 'aws-cdk:subnet-type')).toBe('Public');
  });

  it("routes each private subnet's internet traffic to the NAT gateway of its own AZ", () => {
    const privateSubnets = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::EC2::Subnet' && tagOf(r, 'aws-cdk:subnet-type') === 'Private');
    expect(privateSubnets).toHaveLength(maxAzs);
    const associations = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SubnetRouteTableAssociation');
    const defaultRoutes = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::Route' && r.Properties.DestinationCidrBlock === '0.0.0.0/0');
    const tables = new Set<string>();
    for (const [id, subnet] of privateSubnets) {
      const assoc = associations.filter((a) => a.Properties.SubnetId.Ref === id);
      expect(assoc).toHaveLength(1);
      const table = assoc[0].Properties.RouteTableId.Ref;
      tables.add(table);
      const route = defaultRoutes.filter((r) => r.Properties.RouteTableId.Ref === table);
      expect(route).toHaveLength(1);
      const gateway = resources[route[0].Properties.NatGatewayId.Ref];
      expect(gateway.Type).toBe('AWS::EC2::NatGateway');
      expect(resources[gateway.Properties.SubnetId.Ref].Properties.AvailabilityZone).toEqual(subnet.Properties.AvailabilityZone);
    }
    expect(tables.size).toBe(maxAzs); // a route table per private subnet
  });
});

describe('NetworkEgress.natInstance() stays the default', () => {
  it('one NAT instance, no gateway', () => {
    const stack = testStack();
    new AppNetwork(stack, 'Network');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::Instance', 1);
  });
});

describe('flowLogEncryptionKey', () => {
  it('encrypts the flow log group with the key and lets CloudWatch Logs use it', () => {
    const stack = testStack();
    const key = new LogsKey(stack, 'LogsKey');
    new AppNetwork(stack, 'Network', { flowLogEncryptionKey: key.key, flowLogRetention: logs.RetentionDays.ONE_YEAR });
    const t = Template.fromStack(stack);
    const group = onlyResource(t, 'AWS::Logs::LogGroup').Properties;
    expect(group.KmsKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.key.node.defaultChild as never), 'Arn'] });
    expect(group.RetentionInDays).toBe(365);
    const statements = onlyResource(t, 'AWS::KMS::Key').Properties.KeyPolicy.Statement;
    expect(statements.filter((s: any) => s.Sid === 'AllowCloudWatchLogsForThisAccountsLogGroups')).toHaveLength(1);
  });

  it('adds the CloudWatch Logs statement to a plain key of the app', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new AppNetwork(stack, 'Network', { flowLogEncryptionKey: key });
    const statements = onlyResource(Template.fromStack(stack), 'AWS::KMS::Key').Properties.KeyPolicy.Statement;
    expect(statements.find((s: any) => s.Sid === 'AllowCloudWatchLogsForThisAccountsLogGroups').Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
  });

  it('is left out by default (dev: CloudWatch Logs encryption, one month)', () => {
    const stack = testStack();
    new AppNetwork(stack, 'Network');
    const group = onlyResource(Template.fromStack(stack), 'AWS::Logs::LogGroup').Properties;
    expect(group.KmsKeyId).toBeUndefined();
    expect(group.RetentionInDays).toBe(30);
  });

  it('rejects what is not a key', () => {
    const stack = testStack();
    const e = orchestrationErrorFrom(() => new AppNetwork(stack, 'Network', { flowLogEncryptionKey: 'alias/logs' as never }));
    expect(e.message).toContain('Test/Network: flowLogEncryptionKey ("alias/logs") must be a KMS key');
  });
});

describe('Control Tower acknowledgement', () => {
  it("acknowledges CT.LAMBDA.PR.3 on aws-cdk-lib's restrict-default-security-group provider, with its reason", () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'S');
    new AppNetwork(stack, 'Network');
    const provider = stack.node.findChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    const acks = provider.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => JSON.stringify(m.data));
    expect(acks).toHaveLength(1);
    expect(acks[0]).toContain(`${CONTROL_TOWER_PLUGIN}::CT.LAMBDA.PR.3`);
    expect(acks[0]).toContain('restrictDefaultSecurityGroup');
  });
});
