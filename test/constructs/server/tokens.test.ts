// Deploy-time values (tokens) in the server style: one test per numeric, Duration and string prop.
// Each asserts the parameter's { Ref } at the exact template property it reaches, or our error
// (path, prop, why the value must be known at synth). Props the style ignores assert the warning.
import { CfnParameter, Duration, Size, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { type AppDescription, AppSecret, AppSource } from '../../../lib/app';
import { NginxLoadBalancer, type NginxLoadBalancerOptions, renderNginxConfig, ServerFleet, type ServerFleetProps, ServerService } from '../../../constructs/server';
import { orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';
import { flatten } from './template-text';

const source = AppSource.fromDirectory(SAMPLE_APP_DIR);
const REF = { Ref: 'P' };
type Kind = 'number' | 'string';

function parameter(stack: Stack, kind: Kind): any {
  const p = new CfnParameter(stack, 'P', { type: kind === 'number' ? 'Number' : 'String' });
  return kind === 'number' ? p.valueAsNumber : p.valueAsString;
}

type FleetInput = Partial<Omit<ServerFleetProps, 'app'>> & { app?: Partial<AppDescription> };

/** A one-server fleet whose props come from the parameter; its template's resources. */
function fleetWith(kind: Kind, make: (value: any) => FleetInput, then?: (fleet: ServerFleet, stack: Stack) => void) {
  const stack = testStack();
  const props = make(parameter(stack, kind));
  const fleet = new ServerFleet(stack, 'Fleet', { fleetSize: 1, ...props, app: { source, ...(props.app ?? {}) } } as ServerFleetProps);
  then?.(fleet, stack);
  return { stack, fleet, json: Template.fromStack(stack).toJSON() as { Resources: Record<string, any> } };
}

function only(json: { Resources: Record<string, any> }, type: string): any {
  const found = Object.values(json.Resources).filter((r) => r.Type === type);
  expect(found, type).toHaveLength(1);
  return found[0];
}

/** The logical ID of the fleet's one server (the NAT instance is an AWS::EC2::Instance too). */
const server = (stack: Stack, fleet: ServerFleet) => stack.getLogicalId(fleet.instances[0]!.node.defaultChild as ec2.CfnInstance);
/** The servers' role statement that reads secrets. */
const secretStatement = (json: { Resources: Record<string, any> }, stack: Stack, fleet: ServerFleet) => {
  const policy = json.Resources[stack.getLogicalId(fleet.role.node.findChild('DefaultPolicy').node.defaultChild as any)];
  return (policy.Properties.PolicyDocument.Statement as any[]).find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
};
const association = (json: { Resources: Record<string, any> }) => only(json, 'AWS::SSM::Association').Properties;
const parameterText = (json: { Resources: Record<string, any> }, name: string) => {
  const value = association(json).Parameters[name][0];
  return flatten(value['Fn::Base64'] !== undefined ? value['Fn::Base64'] : value);
};

/** Our error for a fleet prop that must be known at synth. */
function expectFleetError(kind: Kind, make: (value: any) => FleetInput, prop: string, why: RegExp) {
  const e = orchestrationErrorFrom(() => fleetWith(kind, make));
  expect(e.path).toBe('Test/Fleet');
  expect(e.prop).toBe(prop);
  expect(e.message).toMatch(new RegExp(`^Test/Fleet: ${prop.replace(/[.[\]]/g, '\\$&')} \\(.*\\) must be a concrete value, not a deploy-time value \\(token\\): `));
  expect(e.message).toMatch(why);
}

/** Our error for a ServerService prop (checked before anything is created). */
function expectServiceError(kind: Kind, make: (value: any) => { app?: Partial<AppDescription>; loadBalancer?: NginxLoadBalancerOptions }, prop: string, why: RegExp) {
  const e = orchestrationErrorFrom(() => {
    const stack = testStack();
    const props = make(parameter(stack, kind));
    new ServerService(stack, 'Svc', { ...props, app: { source, ...(props.app ?? {}) } });
  });
  expect(e.path).toBe('Test/Svc');
  expect(e.prop).toBe(prop);
  expect(e.message).toMatch(/must be a concrete value, not a deploy-time value \(token\): /);
  expect(e.message).toMatch(why);
}

describe('ServerFleet: deploy-time values CloudFormation accepts pass through', () => {
  it('serial → the association MaxConcurrency; the wait covers one server per step', () => {
    const { json, fleet } = fleetWith('number', (v) => ({ fleetSize: 2, serial: v }));
    expect(association(json).MaxConcurrency).toEqual(REF);
    expect(fleet.rolloutTiming.steps).toBe(2);
    expect(association(json).WaitForSuccessTimeoutSeconds).toBe(2 * (120 + 30 + 120 + 2 + 30) + 600);
  });

  it('maxFailPercentage → the association MaxErrors, as "<value>%"', () => {
    const { json } = fleetWith('number', (v) => ({ maxFailPercentage: v }));
    expect(association(json).MaxErrors).toEqual({ 'Fn::Join': ['', [REF, '%']] });
  });

  it('app.rollout.maxFailurePercent → the association MaxErrors (not rounded, not compared with a known maxFailPercentage)', () => {
    const { json } = fleetWith('number', (v) => ({ app: { rollout: { maxFailurePercent: v } } }));
    expect(association(json).MaxErrors).toEqual({ 'Fn::Join': ['', [REF, '%']] });
  });

  it('healthCheckTimeout → the healthCheckTimeoutSeconds parameter; the step timeout counts its maximum (1 hour)', () => {
    const { json } = fleetWith('number', (v) => ({ healthCheckTimeout: Duration.seconds(v) }));
    expect(association(json).Parameters.healthCheckTimeoutSeconds).toEqual([REF]);
    expect(association(json).Parameters.stepTimeoutSeconds).toEqual([String(120 + 30 + 3600 + 2 + 30)]);
  });

  it('waitForSuccessTimeout → the association WaitForSuccessTimeoutSeconds', () => {
    const { json } = fleetWith('number', (v) => ({ waitForSuccessTimeout: Duration.seconds(v) }));
    expect(association(json).WaitForSuccessTimeoutSeconds).toEqual(REF);
  });

  it('keepReleases → the keepReleases parameter', () => {
    const { json } = fleetWith('number', (v) => ({ keepReleases: v }));
    expect(association(json).Parameters.keepReleases).toEqual([REF]);
  });

  it('rootVolumeSize: Size.gibibytes(param) → each server root volume VolumeSize', () => {
    const { json, fleet, stack } = fleetWith('number', (v) => ({ rootVolumeSize: Size.gibibytes(v) }));
    expect(json.Resources[server(stack, fleet)].Properties.BlockDeviceMappings[0].Ebs.VolumeSize).toEqual(REF);
  });

  it('rootVolumeSize: Size.mebibytes(param) → our error (CloudFormation cannot convert units), not aws-cdk-lib\'s unscoped one', () => {
    const e = orchestrationErrorFrom(() => fleetWith('number', (v) => ({ rootVolumeSize: Size.mebibytes(v) })));
    expect(e.path).toBe('Test/Fleet');
    expect(e.prop).toBe('rootVolumeSize');
    expect(e.allowed).toMatch(/^must be written as Size\.gibibytes\(\.\.\.\) when its amount is a deploy-time value/);
  });

  it('logRetention → the log group RetentionInDays', () => {
    const { json } = fleetWith('number', (v) => ({ logRetention: v as logs.RetentionDays }));
    const groups = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup' && r.Properties.RetentionInDays?.Ref === 'P');
    expect(groups).toHaveLength(2); // the app's log group and the rollout waiter's
  });

  it('app.port → the port parameter, PORT in the environment file and the app-port ingress rule (fleet alone)', () => {
    const { json } = fleetWith('number', (v) => ({ app: { port: v } }), (fleet, stack) => fleet.allowFrom(new ec2.SecurityGroup(stack, 'Peer', { vpc: fleet.vpc })));
    expect(association(json).Parameters.port).toEqual([REF]);
    expect(parameterText(json, 'environmentFile')).toContain('PORT="${P}"');
    const ingress = only(json, 'AWS::EC2::SecurityGroupIngress').Properties;
    expect([ingress.FromPort, ingress.ToPort]).toEqual([REF, REF]);
  });

  it('app.healthCheckPath → the healthCheckPath parameter', () => {
    const { json } = fleetWith('string', (v) => ({ app: { healthCheckPath: v } }));
    expect(association(json).Parameters.healthCheckPath).toEqual([REF]);
  });

  it('app.version → the version parameter and APP_VERSION in the environment file', () => {
    const { json, fleet, stack } = fleetWith('string', (v) => ({ app: { version: v } }));
    expect(association(json).Parameters.version).toEqual([REF]);
    expect(parameterText(json, 'environmentFile')).toContain('APP_VERSION="${P}"');
    expect(stack.resolve(fleet.appVersion)).toEqual(REF);
  });

  it('app.environment values → the environment file', () => {
    const { json } = fleetWith('string', (v) => ({ app: { environment: { TABLE: v } } }));
    expect(parameterText(json, 'environmentFile')).toContain('TABLE="${P}"');
  });

  it('app.secrets.<name>.secretName → the reference in the environment file and the read grant', () => {
    const { json, fleet, stack } = fleetWith('string', (v) => ({ app: { secrets: { DB: AppSecret.fromSecretName(v) } } }));
    expect(parameterText(json, 'environmentFile')).toContain('DB_SECRET_REF="secretsmanager:${P}"');
    expect(JSON.stringify(secretStatement(json, stack, fleet).Resource)).toContain('{"Ref":"P"},"-??????"');
  });

  it('app.secrets.<name>.secretArn → the reference in the environment file and the read grant', () => {
    const { json, fleet, stack } = fleetWith('string', (v) => ({ app: { secrets: { DB: AppSecret.fromSecretArn(v) } } }));
    expect(parameterText(json, 'environmentFile')).toContain('DB_SECRET_REF="secretsmanager:${P}"');
    expect(secretStatement(json, stack, fleet).Resource).toEqual(REF);
  });

  it('app.secrets.<name>.parameterName → the reference in the environment file and the read grant\'s parameter ARN (aws-cdk-lib threw before)', () => {
    const { json } = fleetWith('string', (v) => ({ app: { secrets: { KEY: AppSecret.fromParameterName(v) } } }));
    expect(parameterText(json, 'environmentFile')).toContain('KEY_SECRET_REF="ssm:${P}"');
    expect(JSON.stringify(json.Resources)).toContain(':parameter",{"Ref":"P"}]]');
  });

  it('app.secrets.<name>.jsonField → the reference in the environment file', () => {
    const { json } = fleetWith('string', (v) => ({ app: { secrets: { DB: AppSecret.fromSecretName('prod/db', { jsonField: v }) } } }));
    expect(parameterText(json, 'environmentFile')).toContain('DB_SECRET_REF="secretsmanager:prod/db#${P}"');
  });

  it('instanceType with a machineImage → each server InstanceType', () => {
    const { json, fleet, stack } = fleetWith('string', (v) => ({ instanceType: new ec2.InstanceType(v), machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }) }));
    expect(json.Resources[server(stack, fleet)].Properties.InstanceType).toEqual(REF);
  });
});

describe('ServerFleet: values needed at synth get our error', () => {
  it('fleetSize: it decides how many instances exist (aws-cdk-lib crashed on it before)', () => {
    expectFleetError('number', (v) => ({ fleetSize: v }), 'fleetSize', /decides how many EC2 instances the stack creates/);
  });
  it('app.replicas.min: the fleet size', () => {
    expectFleetError('number', (v) => ({ fleetSize: undefined, app: { replicas: { min: v } } }), 'app.replicas.min', /it is the fleet size, which decides how many EC2 instances/);
  });
  it('app.replicas.max: must equal the fleet size, checked at synth', () => {
    expectFleetError('number', (v) => ({ app: { replicas: { max: v } } }), 'app.replicas.max', /does not auto scale, so it must equal the fleet size/);
  });
  it('app.rollout.maxUnavailablePercent: turned into a number of servers at synth (serial takes a deploy-time value)', () => {
    expectFleetError('number', (v) => ({ app: { rollout: { maxUnavailablePercent: v } } }), 'app.rollout.maxUnavailablePercent', /number of servers at synth .*pass `serial` for a deploy-time value/);
  });
  it('app.rollout.bakeTime: the pause is max(bakeTime, fail_timeout + 1 s), computed at synth (it was silently dropped before)', () => {
    expectFleetError('number', (v) => ({ app: { rollout: { bakeTime: Duration.seconds(v) } } }), 'app.rollout.bakeTime', /max\(app\.rollout\.bakeTime, fail_timeout \+ 1 s\), is computed at synth/);
  });
  it('loadBalancerFailTimeout: the pause is computed from it at synth', () => {
    expectFleetError('number', (v) => ({ loadBalancerFailTimeout: Duration.seconds(v) }), 'loadBalancerFailTimeout', /is computed at synth/);
  });
  it('stopTimeout: rendered into the systemd unit', () => {
    expectFleetError('number', (v) => ({ stopTimeout: Duration.seconds(v) }), 'stopTimeout', /systemd unit \(TimeoutStopSec\)/);
  });
  it('nodejsPackage: rendered into the bootstrap script', () => {
    expectFleetError('string', (v) => ({ nodejsPackage: v }), 'nodejsPackage', /bootstrap script \(user data\)/);
  });
  it('app.name: names the unit, its directories and log files', () => {
    expectFleetError('string', (v) => ({ app: { name: v } }), 'app.name', /names the systemd unit/);
  });
  it('app.command: quoted for systemd at synth', () => {
    expectFleetError('string', (v) => ({ app: { command: ['node', v] } }), 'app.command', /quoted for systemd into the unit's ExecStart/);
  });
  it('app.source.directory: packaged as an asset at synth', () => {
    expectFleetError('string', (v) => ({ app: { source: AppSource.fromDirectory(v) } }), 'app.source.directory', /packaged as an asset at synth/);
  });
  it('app.source.exclude: the asset and its hash are made at synth (it was silently ignored before)', () => {
    expectFleetError('string', (v) => ({ app: { source: AppSource.fromDirectory(SAMPLE_APP_DIR, { exclude: [v] }) } }), 'app.source.exclude', /asset and its hash are made at synth/);
  });
  it('instanceType without a machineImage: the default image is chosen for its architecture (aws-cdk-lib threw before)', () => {
    const e = orchestrationErrorFrom(() => fleetWith('string', (v) => ({ instanceType: new ec2.InstanceType(v) })));
    expect([e.path, e.prop]).toEqual(['Test/Fleet', 'instanceType']);
    expect(e.message).toMatch(/comes from a deploy-time value, so it needs machineImage: the default Amazon Linux 2023 image is chosen for the instance type's architecture at synth$/);
  });
  it('a deploy-time Duration in minutes for a seconds prop: our error, not aws-cdk-lib unscoped one', () => {
    for (const prop of ['healthCheckTimeout', 'waitForSuccessTimeout'] as const) {
      const e = orchestrationErrorFrom(() => fleetWith('number', (v) => ({ [prop]: Duration.minutes(v) })));
      expect([e.path, e.prop]).toEqual(['Test/Fleet', prop]);
      expect(e.message).toMatch(/must be written as Duration\.seconds\(\.\.\.\) when its amount is a deploy-time value/);
    }
  });
});

describe('ServerFleet: fields the server style ignores say so for deploy-time values too', () => {
  it('app.replicas.targetCpuPercent: a warning (no auto scaling), nothing in the template', () => {
    const { stack, json } = fleetWith('number', (v) => ({ app: { replicas: { targetCpuPercent: v } } }));
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('app\\.replicas\\.targetCpuPercent \\(a deploy-time value\\) is ignored by the server style'));
    expect(JSON.stringify(json.Resources)).not.toContain('"Ref":"P"');
  });
  it('app.rollout.maxSurgePercent: a warning (in place, never surged), nothing in the template', () => {
    const { stack, json } = fleetWith('number', (v) => ({ app: { rollout: { maxSurgePercent: v } } }));
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('app\\.rollout\\.maxSurgePercent \\(a deploy-time value\\) is ignored'));
    expect(JSON.stringify(json.Resources)).not.toContain('"Ref":"P"');
  });
});

describe('ServerService: nginx.conf is rendered at synth, so what goes into it must be known', () => {
  const cases: [string, Kind, (v: any) => NginxLoadBalancerOptions][] = [
    ['maxFails', 'number', (v) => ({ maxFails: v })],
    ['proxyNextUpstreamTries', 'number', (v) => ({ proxyNextUpstreamTries: v })],
    ['keepaliveConnections', 'number', (v) => ({ keepaliveConnections: v })],
    ['listenPort', 'number', (v) => ({ listenPort: v })],
    ['failTimeout', 'number', (v) => ({ failTimeout: Duration.seconds(v) })],
    ['proxyNextUpstreamTimeout', 'number', (v) => ({ proxyNextUpstreamTimeout: Duration.millis(v) })],
    ['connectTimeout', 'number', (v) => ({ connectTimeout: Duration.millis(v) })],
    ['readTimeout', 'number', (v) => ({ readTimeout: Duration.millis(v) })],
    ['sendTimeout', 'number', (v) => ({ sendTimeout: Duration.millis(v) })],
    ['algorithm', 'string', (v) => ({ algorithm: v })],
    ['healthCheckPath', 'string', (v) => ({ healthCheckPath: v })],
    ['proxyNextUpstream', 'string', (v) => ({ proxyNextUpstream: ['error', v] })],
  ];
  it.each(cases)('loadBalancer.%s', (name, kind, make) => {
    expectServiceError(kind, (v) => ({ loadBalancer: make(v) }), `loadBalancer.${name}`, /nginx\.conf is rendered and checked at synth/);
  });

  it('renderNginxConfig workerProcesses: our error (rendered into nginx.conf)', () => {
    const stack = testStack();
    const e = orchestrationErrorFrom(() => renderNginxConfig({ upstreams: [{ address: '10.0.0.1', port: 8080 }], workerProcesses: parameter(stack, 'number') }));
    expect(e.prop).toBe('workerProcesses');
    expect(e.allowed).toMatch(/^must be a concrete value, not a deploy-time value \(token\): nginx\.conf is rendered and checked at synth/);
  });

  it('app.port: nginx.conf lists each server with the app port', () => {
    expectServiceError('number', (v) => ({ app: { port: v } }), 'app.port', /nginx\.conf, which lists each server's address and the app port/);
  });

  it('loadBalancer.instanceType without loadBalancer.machineImage: our error (the default image is chosen for its architecture)', () => {
    const e = orchestrationErrorFrom(() => {
      const stack = testStack();
      new ServerService(stack, 'Svc', { app: { source }, loadBalancer: { instanceType: new ec2.InstanceType(parameter(stack, 'string')) } });
    });
    expect([e.path, e.prop]).toEqual(['Test/Svc', 'loadBalancer.instanceType']);
    expect(e.message).toMatch(/so it needs loadBalancer\.machineImage: the default Amazon Linux 2023 image is chosen for the instance type's architecture at synth$/);
  });

  it('loadBalancer.instanceType with loadBalancer.machineImage → the nginx InstanceType', () => {
    const stack = testStack();
    const image = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' });
    const svc = new ServerService(stack, 'Svc', { app: { source }, fleetSize: 1, loadBalancer: { instanceType: new ec2.InstanceType(parameter(stack, 'string')), machineImage: image } });
    const nginx = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(svc.loadBalancer.instance.node.defaultChild as ec2.CfnInstance)];
    expect(nginx.Properties.InstanceType).toEqual(REF);
  });

  it('loadBalancer.rootVolumeSize → the nginx root volume VolumeSize (not in nginx.conf)', () => {
    const stack = testStack();
    const svc = new ServerService(stack, 'Svc', { app: { source }, fleetSize: 1, loadBalancer: { rootVolumeSize: Size.gibibytes(parameter(stack, 'number')) } });
    const nginx = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(svc.loadBalancer.instance.node.defaultChild as ec2.CfnInstance)];
    expect(nginx.Properties.BlockDeviceMappings[0].Ebs.VolumeSize).toEqual(REF);
  });

  it('loadBalancer.logRetention → the nginx log group RetentionInDays', () => {
    const stack = testStack();
    const svc = new ServerService(stack, 'Svc', { app: { source }, fleetSize: 1, loadBalancer: { logRetention: parameter(stack, 'number') as logs.RetentionDays } });
    const group = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(svc.loadBalancer.logGroup.node.defaultChild as any)];
    expect(group.Properties.RetentionInDays).toEqual(REF);
  });
});

describe('NginxLoadBalancer alone', () => {
  it('upstreams[].address → nginx.conf in the association (Fn::Base64), as the servers private IPs are', () => {
    const stack = testStack();
    const lb = new NginxLoadBalancer(stack, 'Lb', { upstreams: [{ address: parameter(stack, 'string'), port: 8080 }] });
    const config = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(lb.association)].Properties.Parameters.config[0];
    expect(flatten(config['Fn::Base64'])).toContain('server ${P}:8080 max_fails=1 fail_timeout=1s;');
  });

  it('upstreams[].port: our error (nginx.conf)', () => {
    const e = orchestrationErrorFrom(() => {
      const stack = testStack();
      new NginxLoadBalancer(stack, 'Lb', { upstreams: [{ address: '10.0.0.1', port: parameter(stack, 'number') }] });
    });
    expect([e.path, e.prop]).toEqual(['Test/Lb', 'upstreams[0].port']);
    expect(e.message).toMatch(/must be a concrete value, not a deploy-time value \(token\): nginx\.conf is rendered and checked at synth/);
  });

  it('listenPort: our error under the name the caller used (no loadBalancer. prefix)', () => {
    const e = orchestrationErrorFrom(() => {
      const stack = testStack();
      new NginxLoadBalancer(stack, 'Lb', { upstreams: [{ address: '10.0.0.1', port: 8080 }], listenPort: parameter(stack, 'number') });
    });
    expect([e.path, e.prop]).toEqual(['Test/Lb', 'listenPort']);
  });

  it('renderNginxConfig (pure) rejects a deploy-time value too, with no construct path', () => {
    const stack = testStack();
    const e = orchestrationErrorFrom(() => renderNginxConfig({ upstreams: [{ address: '10.0.0.1', port: 8080 }], keepaliveConnections: parameter(stack, 'number') }));
    expect([e.path, e.prop]).toEqual(['', 'keepaliveConnections']);
  });
});
