// The server style's sample stack, synthesized once: fleet, rollout association, nginx,
// security groups, recover alarms, and the files the servers get (read where they live:
// user data and the associations' parameters).
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServerSampleStack } from '../../../apps/server-stack';
import { ENVIRONMENT_SIZES } from '../../../lib/environments';
import { testApp } from '../../helpers';
import { flatten } from './template-text';

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

let stack: ServerSampleStack;
let template: Template;
let resources: Record<string, any>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const routeTableOf = (subnet: string) => ofType('AWS::EC2::SubnetRouteTableAssociation').find(([, a]) => a.Properties.SubnetId.Ref === subnet)![1].Properties.RouteTableId.Ref as string;
const logicalId = (c: { node: { defaultChild?: unknown } } | unknown) => stack.getLogicalId(((c as any).node?.defaultChild ?? c) as any);

beforeAll(() => {
  stack = new ServerSampleStack(testApp(), 'SampleServer-dev', { sizes: ENVIRONMENT_SIZES.dev, env: { account: '123456789012', region: 'eu-west-1' } });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

describe('the fleet', () => {
  it('has 3 app servers and 1 nginx server (plus the NAT instance), none with an SSH key', () => {
    expect(stack.service.fleet.instances).toHaveLength(3);
    const instances = ofType('AWS::EC2::Instance');
    expect(instances).toHaveLength(5);
    for (const [, r] of instances) expect(r.Properties.KeyName).toBeUndefined();
  });

  it('requires IMDSv2, encrypts volumes and runs AL2023 on every app and nginx server', () => {
    const ours = [...stack.service.fleet.instances, stack.service.loadBalancer.instance].map((i) => resources[logicalId(i)]);
    expect(ours).toHaveLength(4);
    for (const r of ours) {
      expect(r.Properties.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
      expect(r.Properties.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' } }]);
      expect(r.Properties.InstanceType).toBe('t3.micro');
    }
  });

  it('resolves the AL2023 image when each server launches, so an AMI release never replaces a running server', () => {
    const ours = [...stack.service.fleet.instances, stack.service.loadBalancer.instance].map((i) => resources[logicalId(i)]);
    // A literal `resolve:ssm:` ImageId: the template does not change when AWS publishes an AMI
    // (a template parameter of type AWS::SSM::Parameter::Value would, at every deploy).
    for (const r of ours) expect(r.Properties.ImageId).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    const imageParameters = Object.values(template.toJSON().Parameters ?? {}).filter((p: any) => String(p.Type).includes('AWS::EC2::Image::Id'));
    expect(imageParameters).toEqual([]);
  });

  it('boots every app server only after its private subnet has its route out (and nginx after its public route)', () => {
    for (const server of stack.service.fleet.instances) {
      const r = resources[logicalId(server)];
      const subnet = r.Properties.SubnetId.Ref as string;
      // the subnet's default route (to the NAT) is a resource of its own, named after the subnet
      const route = ofType('AWS::EC2::Route').find(([, x]) => x.Properties.DestinationCidrBlock === '0.0.0.0/0' && x.Properties.RouteTableId.Ref === routeTableOf(subnet));
      expect(route, `default route of ${subnet}`).toBeDefined();
      expect(route![1].Properties.InstanceId).toBeDefined(); // through the NAT instance
      expect(r.DependsOn ?? []).toContain(route![0]);
    }
    const nginx = resources[logicalId(stack.service.loadBalancer.instance)];
    const publicRoute = ofType('AWS::EC2::Route').find(([, x]) => x.Properties.RouteTableId.Ref === routeTableOf(nginx.Properties.NetworkInterfaces[0].SubnetId.Ref) && x.Properties.GatewayId);
    expect(nginx.DependsOn ?? []).toContain(publicRoute![0]);
  });

  it('spreads the app servers over the private subnets of two AZs', () => {
    const subnets = stack.service.fleet.instances.map((i) => resources[logicalId(i)].Properties.SubnetId.Ref as string);
    expect(new Set(subnets).size).toBe(2);
    for (const s of subnets) expect(s).toMatch(/privateSubnet/);
    expect(resources[logicalId(stack.service.loadBalancer.instance)].Properties.NetworkInterfaces[0]).toMatchObject({ AssociatePublicIpAddress: true, SubnetId: { Ref: expect.stringMatching(/publicSubnet/) } });
  });

  it('bootstraps the servers in user data: Node.js, app-user, log shipping to its log group (no app version in it)', () => {
    const userData = flatten(resources[logicalId(stack.service.fleet.instances[0])].Properties.UserData);
    // the shared runtime install (constructs/shared/assets/install-runtime.sh), with the server's package and paths
    expect(userData).toContain("export NODEJS_PACKAGE=nodejs24 APP_LOG_DIR=/var/log/sample-app APP_HOME=/opt/sample-app");
    expect(userData).toContain('retry dnf install -y "${NODEJS_PACKAGE}" amazon-cloudwatch-agent unzip logrotate');
    expect(userData).toContain('useradd --system --home-dir "${APP_HOME}" --no-create-home --shell /sbin/nologin app-user');
    expect(userData).toContain('"log_stream_name": "{instance_id}/app"');
    expect(userData).toContain(`"log_group_name": "\${${logicalId(stack.service.fleet.logGroup)}}"`);
    expect(userData).toContain('"file_path": "/var/log/sample-app/app.log"');
    expect(userData).not.toContain(stack.service.fleet.appVersion);
  });

  it('gives each server (app and nginx) a system-status-check alarm with the EC2 recover action', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(4);
    for (const [, a] of alarms) {
      expect(a.Properties).toMatchObject({ MetricName: 'StatusCheckFailed_System', Namespace: 'AWS/EC2', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 2, Threshold: 1 });
      expect(flatten(a.Properties.AlarmActions[0])).toBe('arn:aws:automate:eu-west-1:ec2:recover');
    }
    const watched = alarms.map(([, a]) => a.Properties.Dimensions[0].Value.Ref);
    expect(new Set(watched)).toEqual(new Set([...stack.service.fleet.instances, stack.service.loadBalancer.instance].map(logicalId)));
  });

  it('lets the servers read exactly their release in S3 and write to their log group', () => {
    const policy = resources[logicalId(stack.service.fleet.role.node.findChild('DefaultPolicy'))].Properties.PolicyDocument.Statement;
    const s3 = policy.find((s: any) => s.Action === 's3:GetObject');
    expect(flatten(s3.Resource)).toMatch(/^arn:aws:s3:::cdk-hnb659fds-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.zip$/);
    expect(policy.some((s: any) => JSON.stringify(s.Action).includes('s3:List') || JSON.stringify(s.Action).includes('*'))).toBe(false);
  });
});

describe('the rolling update (SSM association)', () => {
  let assoc: any;
  let params: Record<string, string>;
  beforeAll(() => {
    assoc = resources[logicalId(stack.service.fleet.association)];
    params = Object.fromEntries(Object.entries(assoc.Properties.Parameters as Record<string, unknown[]>).map(([k, v]) => [k, flatten(v[0])]));
  });

  it("carries the book's serial 1 and max_fail_percentage 30 as rate controls, and makes CloudFormation wait", () => {
    expect(assoc.Properties.MaxConcurrency).toBe('1');
    expect(assoc.Properties.MaxErrors).toBe('30%');
    expect(assoc.Properties.WaitForSuccessTimeoutSeconds).toBe(stack.service.fleet.rolloutTiming.waitForSuccessTimeout.toSeconds());
    // 3 steps of (install 120 + stop 30 + health 120 + pause 2 + 30) + 600 for the first boot
    expect(assoc.Properties.WaitForSuccessTimeoutSeconds).toBe(3 * 302 + 600);
    expect(assoc.Properties.Targets).toEqual([{ Key: 'InstanceIds', Values: stack.service.fleet.instances.map((i) => ({ Ref: logicalId(i) })) }]);
    expect(assoc.DependsOn).toContain(logicalId(stack.service.fleet.role.node.findChild('DefaultPolicy')));
  });

  it('points at the app code asset and its version, so a code change re-applies it', () => {
    expect(params.source).toMatch(/^s3:\/\/cdk-hnb659fds-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.zip$/);
    expect(params.version).toBe(stack.service.fleet.appVersion);
    expect(params.version).toMatch(/^[0-9a-f]{12}$/);
    expect(stack.node.tryFindChild('Service')?.node.tryFindChild('Fleet')?.node.tryFindChild('Code')).toBeDefined();
  });

  it('installs a systemd unit that runs the app as app-user with Restart=always', () => {
    const unit = decode(params.unitFile!);
    expect(unit).toBe(stack.service.fleet.unitFile);
    expect(unit).toContain('User=app-user');
    expect(unit).toContain('Restart=always');
    expect(unit).toContain('ExecStart=/opt/sample-app/bin/start --exec node server.js');
    expect(unit).toContain('EnvironmentFile=/etc/sample-app/app.env');
    expect(unit).toContain('StandardOutput=append:/var/log/sample-app/app.log');
    expect(unit).toContain('NoNewPrivileges=yes');
    expect(unit).toContain('ReadWritePaths=/var/log/sample-app');
    expect(unit).not.toMatch(/User=root/);
    expect(unit).toMatchSnapshot();
  });

  it('writes the environment file with PORT, APP_VERSION and the configuration', () => {
    expect(decode(params.environmentFile!)).toBe(
      `# Rendered by cdk-orchestration; replaced by every rollout.\nNODE_ENV="production"\nPORT="8080"\nAPP_VERSION="${stack.service.fleet.appVersion}"\n`,
    );
  });

  it('paces each server: healthy on /healthz, then longer than nginx fail_timeout', () => {
    expect(params).toMatchObject({ healthCheckPath: '/healthz', port: '8080', pauseSeconds: '2', healthCheckTimeoutSeconds: '120', stepTimeoutSeconds: '302', keepReleases: '3' });
    const doc = resources[logicalId(stack.service.fleet.document)].Properties;
    expect(doc.DocumentType).toBe('Command');
    const step = doc.Content.mainSteps[0];
    expect(step.inputs.timeoutSeconds).toBe('{{ stepTimeoutSeconds }}');
    const script = (step.inputs.runCommand as string[]).join('\n');
    expect(script).toContain('systemctl restart "${APP}.service"');
    expect(script).toContain('until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PORT}${HEALTH_PATH}" 2>/dev/null; do');
    expect(script).toContain('sleep "${PAUSE}"');
    expect(script.indexOf('systemctl restart')).toBeLessThan(script.indexOf('sleep "${PAUSE}"'));
    // every parameter SSM substitutes into the script is constrained
    for (const [name, p] of Object.entries(doc.Content.parameters as Record<string, any>)) {
      expect(p.allowedPattern, name).toMatch(/^\^.*\$$/);
      if (name !== 'stepTimeoutSeconds') expect(script, name).toContain(`{{ ${name} }}`);
    }
    expect(new RegExp(doc.Content.parameters.version.allowedPattern).test(params.version!)).toBe(true);
    expect(new RegExp(doc.Content.parameters.source.allowedPattern).test(params.source!)).toBe(true);
  });

  it('renders the rollout fragment (snapshot)', () => {
    // base64 parameters decoded and the source-derived version masked, so the snapshot reads (and stays stable)
    const version = stack.service.fleet.appVersion;
    const readable = JSON.parse(
      JSON.stringify({
        ...assoc,
        Properties: {
          ...assoc.Properties,
          Parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, ['unitFile', 'environmentFile', 'launcher'].includes(k) ? decode(v).split('\n') : v])),
        },
      })
        .replace(/[0-9a-f]{64}/g, '[HASH]')
        .replaceAll(version, '[VERSION]'),
    );
    expect({ association: readable, documentParameters: resources[logicalId(stack.service.fleet.document)].Properties.Content.parameters }).toMatchSnapshot();
  });
});

describe('the nginx load balancer', () => {
  let config: string;
  let assoc: any;
  beforeAll(() => {
    assoc = resources[logicalId(stack.service.loadBalancer.association)];
    config = flatten(assoc.Properties.Parameters.config[0]);
  });

  it('gets its nginx.conf from the association: every app server with max_fails, and proxy_next_upstream', () => {
    for (const i of stack.service.fleet.instances) {
      expect(config).toContain(`server \${${logicalId(i)}.PrivateIp}:8080 max_fails=1 fail_timeout=1s;`);
    }
    expect(config).toContain('proxy_next_upstream error timeout http_502 http_503;');
    expect(config).toContain('proxy_next_upstream_tries 3;');
    expect(config).toContain('listen 80 default_server;');
    expect(assoc.Properties.Parameters.config[0]['Fn::Base64']).toBeDefined();
  });

  it('reloads nginx when the membership changes: the addresses are in the parameters, applied after the fleet rollout', () => {
    expect(assoc.DependsOn).toContain(logicalId(stack.service.fleet.association));
    const script = (resources[logicalId(stack.service.loadBalancer.document)].Properties.Content.mainSteps[0].inputs.runCommand as string[]).join('\n');
    expect(script).toContain('nginx -t -q -c "${NEW}"');
    expect(script).toContain('systemctl reload nginx');
    expect(assoc.Properties.WaitForSuccessTimeoutSeconds).toBe(1200);
  });

  it('installs the AL2023 nginx package and ships its logs', () => {
    const userData = flatten(resources[logicalId(stack.service.loadBalancer.instance)].Properties.UserData);
    expect(userData).toContain('dnf install -y nginx amazon-cloudwatch-agent');
    expect(userData).toContain('/var/log/nginx/access.log');
  });

  it('has a stable public address', () => {
    expect(ofType('AWS::EC2::EIP')).toHaveLength(1);
    expect(stack.resolve(stack.service.url)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [logicalId(stack.service.loadBalancer.elasticIp), 'PublicIp'] }]] });
  });
});

describe('security groups', () => {
  const ingressRules = () => {
    const rules: any[] = [];
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type === 'AWS::EC2::SecurityGroup') for (const rule of r.Properties.SecurityGroupIngress ?? []) rules.push({ group: id, ...rule });
      if (r.Type === 'AWS::EC2::SecurityGroupIngress') rules.push({ group: r.Properties.GroupId['Fn::GetAtt'][0], ...r.Properties });
    }
    return rules;
  };

  it('opens only port 80 to the internet, only on nginx', () => {
    const open = ingressRules().filter((r) => r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ group: logicalId(stack.service.loadBalancer.securityGroup), FromPort: 80, ToPort: 80, IpProtocol: 'tcp' });
  });

  it('lets only nginx reach the app port', () => {
    const toFleet = ingressRules().filter((r) => r.group === logicalId(stack.service.fleet.securityGroup));
    expect(toFleet).toHaveLength(1);
    expect(toFleet[0]).toMatchObject({ FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp', SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack.service.loadBalancer.securityGroup), 'GroupId'] } });
  });

  it("lets only the private subnets send through the NAT instance (its forwarding rule), never the world", () => {
    const natGroup = logicalId(stack.service.network!.vpc.node.findChild('NatSecurityGroup'));
    const privateCidrs = stack.service.network!.vpc.privateSubnets.map((s) => s.ipv4CidrBlock).sort();
    const toNat = ingressRules().filter((r) => r.group === natGroup);
    expect(toNat.map((r) => r.CidrIp).sort()).toEqual(privateCidrs);
    for (const r of toNat) expect(r.IpProtocol).toBe('-1');
  });

  it('opens port 22 nowhere (the NAT forwards the private subnets\' traffic and runs no sshd)', () => {
    const natGroup = logicalId(stack.service.network!.vpc.node.findChild('NatSecurityGroup'));
    for (const r of ingressRules().filter((x) => x.group !== natGroup)) {
      const from = r.FromPort ?? 0;
      const to = r.ToPort ?? 65535;
      expect(r.IpProtocol === '-1' || (from <= 22 && 22 <= to), JSON.stringify(r)).toBe(false);
    }
  });
});

describe('the sample stack', () => {
  it('has the outputs the CLI reads', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.Style.Value).toBe('server');
    for (const name of ['NginxUrl', 'InstanceIds', 'AssociationId', 'Region', 'NginxInstanceId', 'NginxAssociationId', 'RolloutDocument', 'AppVersion', 'LogGroup']) {
      expect(outputs[name], name).toBeDefined();
    }
    expect(outputs.InstanceIds.Value['Fn::Join'][0]).toBe(',');
    expect(outputs.AssociationId.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.service.fleet.association), 'AssociationId'] });
  });

  it('leaves nothing behind on `cdk destroy`: every log group, the VPC flow logs included, is deleted with the stack', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id)).toContain(logicalId(stack.service.network!.flowLogGroup));
    for (const [id, r] of groups) expect(r.DeletionPolicy, id).toBe('Delete');
  });

  it('is a Stack named by sampleStackName', () => {
    expect(Stack.of(stack.service).stackName).toBe('SampleServer-dev');
  });
});

describe('the rollout waiter (the association alone may end its wait at the previous run\'s Success)', () => {
  const waiter = () => {
    const id = logicalId(stack.service.fleet.rolloutWaiter.legs[0]);
    return { id, r: resources[id] };
  };
  const associationId = () => logicalId(stack.service.fleet.association);

  it('runs after the fleet association, once per release, with the association\'s own wait budget', () => {
    expect(stack.service.fleet.rolloutWaiter.legs).toHaveLength(1); // 1506 s: one leg of at most 55 minutes
    const { r } = waiter();
    expect(r.DependsOn).toContain(associationId());
    const association = resources[associationId()];
    expect(r.Properties.AssociationId).toEqual({ 'Fn::GetAtt': [associationId(), 'AssociationId'] });
    expect(r.Properties.BudgetSeconds).toBe(String(association.Properties.WaitForSuccessTimeoutSeconds));
    // everything whose change makes SSM run the association again reaches the waiter's properties: a digest of the
    // association's template form, and each deploy-time value in it (the servers' ids, the document, the release URL)
    expect(r.Properties.Release.Digest).toMatch(/^[0-9a-f]{64}$/);
    const values = JSON.stringify(r.Properties.Release.DeployTimeValues);
    for (const v of association.Properties.Targets[0].Values) expect(values).toContain(JSON.stringify(v));
    expect(values).toContain(JSON.stringify(association.Properties.Name));
    // the release URL is literal here (account and region known): it is in the digest, as the version is
    expect(association.Properties.Parameters.source[0]).toMatch(/^s3:\/\//);
    expect(JSON.stringify(r.Properties).length, 'small: the base64 files stay in the association').toBeLessThan(3000);
  });

  it('nginx reloads with the new membership only after the waiter saw the rollout succeed', () => {
    const nginxAssociation = resources[logicalId(stack.service.loadBalancer.association)];
    expect(nginxAssociation.DependsOn).toContain(waiter().id);
  });

  it('nginx\'s config association has its own waiter (a config nginx -t rejects fails the deploy)', () => {
    expect(ofType('Custom::ServerRolloutWaiter')).toHaveLength(2);
    const lb = stack.service.loadBalancer;
    const [leg] = lb.configWaiter.legs;
    const r = resources[logicalId(leg)];
    expect(lb.configWaiter.legs).toHaveLength(1);
    expect(r.DependsOn).toContain(logicalId(lb.association));
    expect(r.Properties.BudgetSeconds).toBe(String(resources[logicalId(lb.association)].Properties.WaitForSuccessTimeoutSeconds));
    expect(r.Properties.AssociationId).toEqual({ 'Fn::GetAtt': [logicalId(lb.association), 'AssociationId'] });
  });

  it('its functions run nodejs24.x from the waiter asset, with a role that may only read this association', () => {
    const fns = ofType('AWS::Lambda::Function').filter(([id, f]) => id.startsWith('ServiceFleetRolloutWaiter') && /Server rollout waiter/.test(f.Properties.Description ?? ''));
    expect(fns.map(([, f]) => f.Properties.Handler).sort()).toEqual(['index.isComplete', 'index.onEvent']);
    for (const [, f] of fns) expect(f.Properties.Runtime).toBe('nodejs24.x');
    const roleId = logicalId(stack.service.fleet.rolloutWaiter.role);
    const statements = ofType('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((x: any) => x.Ref === roleId)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const ssmStatement = statements.find((s: any) => [s.Action].flat().includes('ssm:DescribeAssociation'));
    expect(ssmStatement.Action).toEqual(['ssm:DescribeAssociation', 'ssm:DescribeAssociationExecutions']);
    expect(flatten(ssmStatement.Resource)).toBe(`arn:aws:ssm:eu-west-1:123456789012:association/\${${associationId()}.AssociationId}`);
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:DescribeAssociation', 'ssm:DescribeAssociationExecutions']);
  });
});
