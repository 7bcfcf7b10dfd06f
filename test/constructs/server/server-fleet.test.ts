// ServerFleet and NginxLoadBalancer used on their own, and how the shared app description maps onto them.
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoadBalancingAlgorithm, NginxLoadBalancer, renderNginxConfig, ServerFleet, ServerService } from '../../../constructs/server';
import { SAMPLE_APP_DIR, testStack } from '../../helpers';
import { flatten } from './template-text';
import { AppSecret, AppSource } from '../../../lib/app';

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
const params = (t: Template) => {
  const a = Object.values(t.findResources('AWS::SSM::Association'))[0] as any;
  return Object.fromEntries(Object.entries(a.Properties.Parameters as Record<string, unknown[]>).map(([k, v]) => [k, flatten(v[0])]));
};

function fleetStack(props: Partial<ConstructorParameters<typeof ServerFleet>[2]> = {}, dir = SAMPLE_APP_DIR) {
  const stack = testStack();
  const fleet = new ServerFleet(stack, 'Fleet', { ...props, app: { source: AppSource.fromDirectory(dir), ...(props.app ?? {}) } });
  return { stack, fleet, template: Template.fromStack(stack) };
}

describe('ServerFleet alone', () => {
  let alone: ReturnType<typeof fleetStack>;
  beforeAll(() => {
    alone = fleetStack();
  });

  it('builds its own AppNetwork and opens no inbound port until told', () => {
    expect(alone.fleet.network).toBeDefined();
    alone.template.resourceCountIs('AWS::EC2::VPC', 1);
    alone.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const sg = alone.template.toJSON().Resources[alone.stack.getLogicalId(alone.fleet.securityGroup.node.defaultChild as any)];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    alone.template.resourceCountIs('AWS::SSM::Association', 1);
    alone.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  it('allowFrom opens the app port to one peer only', () => {
    const stack = testStack();
    const fleet = new ServerFleet(stack, 'Fleet', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), port: 3000 } });
    const other = new ec2.SecurityGroup(stack, 'Other', { vpc: fleet.vpc });
    fleet.allowFrom(other);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 3000,
      ToPort: 3000,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Other'), 'GroupId'] },
    });
  });
});

describe('a new app version re-applies the association and nothing else', () => {
  it('changes only the association parameters and its waiter (never user data, which would stop every server at once)', () => {
    const v1 = fleetStack({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), version: 'v1' } }).template.toJSON().Resources;
    const v2 = fleetStack({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), version: 'v2' } }).template.toJSON().Resources;
    const changed = Object.keys(v1).filter((id) => JSON.stringify(v1[id]) !== JSON.stringify(v2[id]));
    const ofType = (type: string) => Object.keys(v1).filter((id) => v1[id].Type === type);
    // the waiter's properties change with the release, so CloudFormation runs it again on every release
    expect(changed.sort()).toEqual([...ofType('AWS::SSM::Association'), ...ofType('Custom::ServerRolloutWaiter')].sort());
    expect(ofType('Custom::ServerRolloutWaiter')).toHaveLength(1); // a fleet alone: no nginx, no config waiter
  });

  it('a code change gives a new asset, a new version and new parameters', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'server-fleet-'));
    try {
      const a = path.join(tmp, 'a');
      const b = path.join(tmp, 'b');
      fs.cpSync(SAMPLE_APP_DIR, a, { recursive: true });
      fs.cpSync(SAMPLE_APP_DIR, b, { recursive: true });
      fs.appendFileSync(path.join(b, 'server.js'), '\n// a change\n');
      const pa = params(fleetStack({}, a).template);
      const pb = params(fleetStack({}, b).template);
      expect(pa.source).not.toBe(pb.source);
      expect(pa.version).not.toBe(pb.version);
      expect(decode(pb.environmentFile!)).toContain(`APP_VERSION="${pb.version}"`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('the shared app description maps onto the fleet', () => {
  it('replicas.min is the fleet size, maxUnavailablePercent the serial, maxFailurePercent MaxErrors, bakeTime the pause', () => {
    const { fleet, template } = fleetStack({
      app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), replicas: { min: 4 }, rollout: { maxUnavailablePercent: 50, maxFailurePercent: 25, bakeTime: Duration.seconds(10) } },
    });
    expect(fleet.instances).toHaveLength(4);
    template.hasResourceProperties('AWS::SSM::Association', { MaxConcurrency: '2', MaxErrors: '25%', WaitForSuccessTimeoutSeconds: 2 * (120 + 30 + 120 + 10 + 30) + 600 });
    expect(params(template).pauseSeconds).toBe('10');
    expect(fleet.rolloutTiming).toMatchObject({ servers: 4, serial: 2, steps: 2 });
    expect(fleet.rolloutTiming.pause.toSeconds()).toBe(10);
  });

  it('the server style props say the same in its own words', () => {
    const { template } = fleetStack({ fleetSize: 2, serial: 2, maxFailPercentage: 0, loadBalancerFailTimeout: Duration.seconds(5), waitForSuccessTimeout: Duration.minutes(30) });
    template.hasResourceProperties('AWS::SSM::Association', { MaxConcurrency: '2', MaxErrors: '0%', WaitForSuccessTimeoutSeconds: 1800 });
    expect(params(template).pauseSeconds).toBe('6');
  });

  it('secrets reach the server as references, read at start by the launcher with the servers role', () => {
    const { template } = fleetStack({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), secrets: { DB_PASSWORD: AppSecret.fromSecretName('prod/db', { jsonField: 'password' }), API_KEY: AppSecret.fromParameterName('/app/api-key') } } });
    const env = decode(params(template).environmentFile!);
    expect(env).toContain('DB_PASSWORD_SECRET_REF="secretsmanager:prod/db#password"');
    expect(env).toContain('API_KEY_SECRET_REF="ssm:/app/api-key"');
    expect(env).not.toMatch(/^DB_PASSWORD=/m);
    const launcher = decode(params(template).launcher!);
    expect(launcher).toContain('aws secretsmanager get-secret-value');
    expect(launcher).toContain('exec "$@"');
    const statements = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(statements).toContain('secretsmanager:GetSecretValue');
    expect(statements).toContain('ssm:GetParameter');
  });

  it('hardening defaults can be switched off explicitly', () => {
    const { template } = fleetStack({ fleetSize: 1, requireImdsv2: false, encryptVolumes: false, systemdHardening: false, instanceType: new ec2.InstanceType('t4g.small') });
    template.hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'optional' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: false }) }],
      ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    });
    expect(decode(params(template).unitFile!)).not.toContain('ProtectSystem');
  });

  it('warns that maxSurgePercent does not apply to in-place updates', () => {
    const { stack } = fleetStack({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR), rollout: { maxSurgePercent: 50 } } });
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('maxSurgePercent \\(50\\) is ignored'));
  });
});

describe('NginxLoadBalancer alone', () => {
  const upstreams = [
    { address: '10.0.2.10', port: 8080 },
    { address: '10.0.3.11', port: 8080 },
  ];

  it('installs exactly renderNginxConfig(options) and opens only its port', () => {
    const stack = testStack();
    const lb = new NginxLoadBalancer(stack, 'Lb', { upstreams, algorithm: LoadBalancingAlgorithm.LEAST_CONN, listenPort: 8081, allowFrom: ec2.Peer.ipv4('203.0.113.0/24'), elasticIp: false });
    const template = Template.fromStack(stack);
    const config = decode(params(template).config!);
    expect(config).toBe(renderNginxConfig({ upstreams, algorithm: LoadBalancingAlgorithm.LEAST_CONN, listenPort: 8081, logTag: lb.logTag }));
    expect(lb.logTag).toBe('TestLb3E1057D6'); // Names.uniqueId: the stack and the construct path
    expect(config).toContain('least_conn;');
    expect(lb.config).toBe(config);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: [{ CidrIp: '203.0.113.0/24', FromPort: 8081, ToPort: 8081, IpProtocol: 'tcp', Description: 'HTTP to nginx on 8081' }] });
    template.resourceCountIs('AWS::EC2::EIP', 0);
    expect(Stack.of(lb).resolve(lb.url)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [stack.getLogicalId(lb.instance.node.defaultChild as ec2.CfnInstance), 'PublicIp'] }, ':8081']] });
  });

  it('renders the nginx association (snapshot)', () => {
    const stack = testStack();
    new NginxLoadBalancer(stack, 'Lb', { upstreams });
    const assoc = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Association'))[0] as any;
    const readable = { ...assoc, Properties: { ...assoc.Properties, Parameters: { ...assoc.Properties.Parameters, config: decode(assoc.Properties.Parameters.config[0]).split('\n') } } };
    expect(readable).toMatchSnapshot();
  });
});

describe('ServerService passes one fail timeout to both halves', () => {
  it('loadBalancerFailTimeout alone reaches nginx.conf too (nginx kept its 1 s default before)', () => {
    const stack = testStack();
    const svc = new ServerService(stack, 'Svc', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR) }, fleetSize: 1, loadBalancerFailTimeout: Duration.seconds(5) });
    expect(svc.loadBalancer.config).toContain('max_fails=1 fail_timeout=5s;');
    expect(svc.fleet.rolloutTiming.pause.toSeconds()).toBe(6);
  });
});

describe('ServerService as a connectable, grantable service', () => {
  it('grants to the app servers\' role and connects through their security group', () => {
    const stack = testStack();
    const service = new ServerService(stack, 'Svc', { app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR) } });
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    table.grantReadData(service);
    const db = new ec2.SecurityGroup(stack, 'Db', { vpc: service.vpc });
    db.connections.allowFrom(service, ec2.Port.tcp(5432));
    const t = Template.fromStack(stack);
    const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p: any) => JSON.stringify(p.Properties.PolicyDocument).includes('dynamodb:GetItem')) as any;
    expect(policy.Properties.Roles).toEqual([{ Ref: stack.getLogicalId(service.fleet.role.node.defaultChild as any) }]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(service.fleet.securityGroup.node.defaultChild as any), 'GroupId'] } });
  });
});
