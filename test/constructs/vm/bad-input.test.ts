import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { VmService, type VmServiceProps } from '../../../constructs/vm';
import type { AppDescription } from '../../../lib/app';
import { OrchestrationError } from '../../../lib/errors';
import { SAMPLE_APP_DIR, testStack, orchestrationErrorFrom } from '../../helpers';

const app: AppDescription = { source: { directory: SAMPLE_APP_DIR } };

/** Builds a VmService with the given props and returns the error it throws. */
function errorFor(props: Partial<VmServiceProps>): OrchestrationError {
  return orchestrationErrorFrom(() => new VmService(testStack('Bad'), 'Vm', { app, ...props } as VmServiceProps));
}

describe('VmService rejects bad input with the library\'s error (path, prop, value, what is allowed)', () => {
  it('min capacity above max capacity', () => {
    const e = errorFor({ minCapacity: 5, maxCapacity: 3 });
    expect(e.message).toBe('Bad/Vm: minCapacity and maxCapacity ({"minCapacity":5,"maxCapacity":3}) must satisfy minCapacity <= maxCapacity');
    expect(e.path).toBe('Bad/Vm');
  });

  it('app.replicas.min above app.replicas.max', () => {
    expect(errorFor({ app: { ...app, replicas: { min: 4, max: 2 } } }).message).toBe(
      'Bad/Vm: app.replicas.min and app.replicas.max ({"app.replicas.min":4,"app.replicas.max":2}) must satisfy app.replicas.min <= app.replicas.max',
    );
  });

  it('min capacity contradicting app.replicas.min', () => {
    expect(errorFor({ minCapacity: 2, app: { ...app, replicas: { min: 3 } } }).message).toBe(
      'Bad/Vm: minCapacity (2) contradicts app.replicas.min (which means 3); set one of them, or make them agree',
    );
  });

  it('max healthy minus min healthy above 100', () => {
    const e = errorFor({ minHealthyPercentage: 50, maxHealthyPercentage: 200 });
    expect(e.message).toBe('Bad/Vm: maxHealthyPercentage - minHealthyPercentage (150) must be at most 100 (min healthy 50, max healthy 200)');
  });

  it('max healthy above 200', () => {
    expect(errorFor({ maxHealthyPercentage: 250 }).message).toBe('Bad/Vm: maxHealthyPercentage (250) must be a number from 100 to 200');
  });

  it('max healthy below 100', () => {
    expect(errorFor({ maxHealthyPercentage: 90 }).message).toBe('Bad/Vm: maxHealthyPercentage (90) must be a number from 100 to 200');
  });

  it('min healthy above 100', () => {
    expect(errorFor({ minHealthyPercentage: 101 }).message).toBe('Bad/Vm: minHealthyPercentage (101) must be a number from 0 to 100');
  });

  it('min and max healthy both 100 (no progress possible)', () => {
    expect(errorFor({ minHealthyPercentage: 100, maxHealthyPercentage: 100 }).message).toBe(
      'Bad/Vm: minHealthyPercentage and maxHealthyPercentage ({"minHealthyPercentage":100,"maxHealthyPercentage":100}) cannot both be 100: the refresh could neither add nor remove an instance',
    );
  });

  it('min healthy contradicting app.rollout.maxUnavailablePercent', () => {
    expect(errorFor({ minHealthyPercentage: 100, app: { ...app, rollout: { maxUnavailablePercent: 10 } } }).message).toBe(
      'Bad/Vm: minHealthyPercentage (100) contradicts app.rollout.maxUnavailablePercent (which means 90); set one of them, or make them agree',
    );
  });

  it('max healthy contradicting app.rollout.maxSurgePercent', () => {
    expect(errorFor({ maxHealthyPercentage: 200, app: { ...app, rollout: { maxSurgePercent: 50 } } }).message).toBe(
      'Bad/Vm: maxHealthyPercentage (200) contradicts app.rollout.maxSurgePercent (which means 150); set one of them, or make them agree',
    );
  });

  it('instance warmup contradicting app.rollout.bakeTime', () => {
    expect(errorFor({ instanceWarmup: Duration.seconds(60), app: { ...app, rollout: { bakeTime: Duration.seconds(30) } } }).message).toBe(
      'Bad/Vm: instanceWarmup (seconds) (60) contradicts app.rollout.bakeTime (seconds) (which means 30); set one of them, or make them agree',
    );
  });

  it('deregistration delay above 3600 s', () => {
    expect(errorFor({ deregistrationDelay: Duration.seconds(3601) }).message).toBe('Bad/Vm: deregistrationDelay (1 hour 1 second) must be from 0 seconds to 1 hour');
  });

  it('health path not starting with /', () => {
    expect(errorFor({ app: { ...app, healthCheckPath: 'healthz' } }).message).toBe(
      'Bad/Vm: app.healthCheckPath ("healthz") must be a path starting with "/" without spaces, query or fragment',
    );
  });

  it('health check interval below 5 s', () => {
    expect(errorFor({ healthCheckInterval: Duration.seconds(2) }).message).toBe('Bad/Vm: healthCheckInterval (2 seconds) must be from 5 seconds to 5 minutes');
  });

  it('healthy threshold below 2', () => {
    expect(errorFor({ healthyThresholdCount: 1 }).message).toBe('Bad/Vm: healthyThresholdCount (1) must be an integer from 2 to 10');
  });

  it('unhealthy threshold above 10', () => {
    expect(errorFor({ unhealthyThresholdCount: 11 }).message).toBe('Bad/Vm: unhealthyThresholdCount (11) must be an integer from 2 to 10');
  });

  it('both an AMI id and an SSM parameter', () => {
    const e = errorFor({ amiId: 'ami-0123456789abcdef0', amiParameterName: '/golden/ami' });
    expect(e.message).toBe(
      'Bad/Vm: amiId and amiParameterName ({"amiId":"ami-0123456789abcdef0","amiParameterName":"/golden/ami"}) are mutually exclusive: set only one of amiId, amiParameterName',
    );
  });

  it('image builder options with an AMI id', () => {
    expect(errorFor({ amiId: 'ami-0123456789abcdef0', imageBuilder: { nodeMajorVersion: 22 } }).message).toBe(
      'Bad/Vm: imageBuilder ("(image builder options)") only applies when the construct bakes the image; remove it or remove amiId / amiParameterName',
    );
  });

  it('a malformed AMI id', () => {
    expect(errorFor({ amiId: 'ubuntu-22' }).message).toBe('Bad/Vm: amiId ("ubuntu-22") must be an AMI id (ami- followed by 8 or 17 hex digits)');
  });

  it('instance types of two architectures', () => {
    expect(errorFor({ instanceTypes: [new ec2.InstanceType('t4g.micro'), new ec2.InstanceType('t3.micro')] }).message).toBe(
      'Bad/Vm: instanceTypes (["t4g.micro","t3.micro"]) must share one architecture (one AMI serves them all): t4g.micro is arm64, t3.micro is x86_64',
    );
  });

  it('no instance type', () => {
    expect(errorFor({ instanceTypes: [] }).message).toBe('Bad/Vm: instanceTypes ([]) must list from 1 to 20 instance types');
  });

  it('a build instance of another architecture', () => {
    expect(errorFor({ imageBuilder: { buildInstanceType: new ec2.InstanceType('t3.small') } }).message).toBe(
      'Bad/Vm: imageBuilder.buildInstanceType ("t3.small") must have the fleet\'s architecture (arm64)',
    );
  });

  it('a root volume below 8 GiB', () => {
    expect(errorFor({ rootVolumeSizeGiB: 4 }).message).toBe('Bad/Vm: rootVolumeSizeGiB (4) must be an integer from 8 to 16384');
  });

  it('checkpoints that do not end at 100', () => {
    expect(errorFor({ checkpointPercentages: [50, 80] }).message).toBe('Bad/Vm: checkpointPercentages ([50,80]) must be ascending unique integers from 1 to 100, the last one 100');
  });

  it('checkpoints out of order', () => {
    expect(errorFor({ checkpointPercentages: [50, 20, 100] }).message).toBe('Bad/Vm: checkpointPercentages ([50,20,100]) must be ascending unique integers from 1 to 100, the last one 100');
  });

  it('a checkpoint delay without checkpoints', () => {
    expect(errorFor({ checkpointDelay: Duration.minutes(5) }).message).toBe('Bad/Vm: checkpointDelay (5 minutes) needs checkpointPercentages');
  });

  it('a refresh bake time above 48 h', () => {
    expect(errorFor({ refreshBakeTime: Duration.hours(49) }).message).toBe('Bad/Vm: refreshBakeTime (2 days 1 hour) must be from 0 seconds to 2 days');
  });

  it('a 5xx threshold above 100 %', () => {
    expect(errorFor({ max5xxPercent: 150 }).message).toBe('Bad/Vm: max5xxPercent (150) must be a number from 0.01 to 100');
  });

  it('extra refresh alarms with auto rollback off', () => {
    const stack = testStack('Alarm');
    const alarm = cloudwatch.Alarm.fromAlarmArn(stack, 'A', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x');
    expect(errorFor({ refreshAlarms: [alarm], app: { ...app, rollout: { autoRollback: false } } }).message).toBe(
      'Bad/Vm: refreshAlarms ("1 alarm(s)") need app.rollout.autoRollback (it is false: no alarm stops the refresh)',
    );
  });

  it('an unknown scaling metric', () => {
    expect(errorFor({ scaleOn: 'memory' as never }).message).toBe('Bad/Vm: scaleOn ("memory") must be one of "cpu", "requests"');
  });

  it('a requests target without request scaling', () => {
    expect(errorFor({ targetRequestsPerMinute: 500 }).message).toBe('Bad/Vm: targetRequestsPerMinute (500) only applies with scaleOn \'requests\' (scaleOn is \'cpu\')');
  });

  it('a container image as the source', () => {
    expect(errorFor({ app: { source: { image: 'nginx:1.27' } } }).message).toBe(
      'Bad/Vm: app.source.image ("nginx:1.27") is for the container style; the vm style bakes app.source.directory into an AMI (or runs amiId / amiParameterName)',
    );
  });

  it('a source directory that does not exist', () => {
    expect(errorFor({ app: { source: { directory: '/nonexistent/app' } } }).message).toBe('Bad/Vm: app.source.directory ("/nonexistent/app") must be an existing directory');
  });

  it('network settings with an existing VPC', () => {
    const stack = testStack('Vpc');
    const vpc = new ec2.Vpc(stack, 'Vpc');
    expect(errorFor({ vpc, network: { maxAzs: 3 } }).message).toBe('Bad/Vm: network ("(network settings)") only applies when the construct creates the VPC; remove it or remove vpc');
  });

  it('subnets in a single Availability Zone', () => {
    const stack = testStack('OneAz');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const zone = vpc.availabilityZones[0]!;
    const e = errorFor({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [zone] } });
    expect(e.message).toBe(`Bad/Vm: vpcSubnets (["${zone}"]) must span at least two Availability Zones, so that losing one zone leaves instances running`);
  });

  it('a multi-line configuration value', () => {
    expect(errorFor({ app: { ...app, environment: { GREETING: 'a\nb' } } }).message).toBe(
      'Bad/Vm: app.environment.GREETING ("a\\nb") must be a single line (it goes into a systemd EnvironmentFile)',
    );
  });

  it('an access log bucket with access logs off', () => {
    const stack = testStack('Bucket');
    const bucket = new s3.Bucket(stack, 'B');
    expect(errorFor({ accessLogs: false, accessLogsBucket: bucket }).message).toBe('Bad/Vm: accessLogsBucket ("(a bucket)") needs accessLogs (it is false)');
  });
});
