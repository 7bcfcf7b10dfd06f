import { Duration, Size } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AppImage, type AppImageProps, type ImageBuilderOptions, VmImage, VmScaling, VmService, type VmServiceProps } from '../../../constructs/vm';
import { APP_IMAGE_PROPS, IMAGE_BUILDER_OPTIONS, VM_SERVICE_PROPS } from '../../../constructs/vm/known-props';
import { type AppDescription, AppSource } from '../../../lib/app';
import { OrchestrationError } from '../../../lib/errors';
import { SAMPLE_APP_DIR, testStack, orchestrationErrorFrom } from '../../helpers';

const app: AppDescription = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };

/** Builds a VmService with the given props and returns the error it throws. */
function errorFor(props: Partial<VmServiceProps>): OrchestrationError {
  return orchestrationErrorFrom(() => new VmService(testStack('Bad'), 'Vm', { app, ...props } as VmServiceProps));
}

describe('VmService rejects bad input with the library\'s error (path, prop, value, what is allowed)', () => {
  it('min capacity above max capacity', () => {
    const e = errorFor({ minCapacity: 5, maxCapacity: 3 });
    expect(e.message).toBe('Bad/Vm: minCapacity (5) must not exceed maxCapacity (3)');
    expect(e.path).toBe('Bad/Vm');
  });

  it('app.replicas.min above app.replicas.max', () => {
    expect(errorFor({ app: { ...app, replicas: { min: 4, max: 2 } } }).message).toBe(
      'Bad/Vm: app.replicas.min (4) must not exceed app.replicas.max (2)',
    );
  });

  it('min capacity contradicting app.replicas.min', () => {
    expect(errorFor({ minCapacity: 2, app: { ...app, replicas: { min: 3 } } }).message).toBe(
      'Bad/Vm: minCapacity (2) contradicts app.replicas.min (3); set one of them, or make them agree',
    );
  });

  it('max healthy minus min healthy above 100', () => {
    const e = errorFor({ minHealthyPercentage: 50, maxHealthyPercentage: 200 });
    expect(e.message).toBe('Bad/Vm: maxHealthyPercentage (200) and minHealthyPercentage (50) give MaxHealthyPercentage 200 - MinHealthyPercentage 50 = 150: an instance refresh allows at most 100');
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
      'Bad/Vm: instanceWarmup (1 minute) contradicts app.rollout.bakeTime (30 seconds); set one of them, or make them agree',
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

  // An AMI id and an SSM parameter, or bake options with an AMI, can no longer be combined: one VmImage is one source.

  it('a malformed AMI id (VmImage.fromAmiId checks its argument)', () => {
    const e = orchestrationErrorFrom(() => VmImage.fromAmiId('ubuntu-22'));
    expect(e.message).toBe('VmImage.fromAmiId(amiId) ("ubuntu-22") must be an AMI id (ami- followed by 8 or 17 hex digits)');
    expect(e.prop).toBe('VmImage.fromAmiId(amiId)');
    expect(e.value).toBe('ubuntu-22');
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
    expect(errorFor({ image: VmImage.bake({ buildInstanceType: new ec2.InstanceType('t3.small') }) }).message).toBe(
      'Bad/Vm: image.bakeOptions.buildInstanceType ("t3.small") must have the fleet\'s architecture (arm64)',
    );
  });

  it('a root volume below 8 GiB', () => {
    expect(errorFor({ rootVolumeSize: Size.gibibytes(4) }).message).toBe('Bad/Vm: rootVolumeSize (Size.gibibytes(4)) must be a whole number of GiB from 8 to 16384 (EBS volume sizes count GiB)');
  });

  it('a root volume that is not whole GiB', () => {
    const e = errorFor({ rootVolumeSize: Size.mebibytes(10_000) });
    expect(e.message).toBe('Bad/Vm: rootVolumeSize (Size.mebibytes(10000)) must be a whole number of GiB from 8 to 16384 (EBS volume sizes count GiB)');
    expect(e.prop).toBe('rootVolumeSize');
  });

  it('a root volume in another unit that is whole GiB is accepted', () => {
    expect(() => new VmService(testStack('Tib'), 'Vm', { app, rootVolumeSize: Size.tebibytes(1), image: VmImage.fromAmiId('ami-0123456789abcdef0') })).not.toThrow();
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

  // A requests target without request scaling cannot be written any more: VmScaling.requestsPerTarget(500) is both.

  it('a CPU target contradicting app.replicas.targetCpuPercent (the shared agree check)', () => {
    const e = errorFor({ scaling: VmScaling.cpuUtilization(70), app: { ...app, replicas: { targetCpuPercent: 50 } } });
    expect(e.message).toBe('Bad/Vm: scaling.targetCpuPercent (70) contradicts app.replicas.targetCpuPercent (50); set one of them, or make them agree');
    expect(e.prop).toBe('scaling.targetCpuPercent');
  });

  it('a CPU target above 100 % (VmScaling.cpuUtilization checks its argument)', () => {
    const e = orchestrationErrorFrom(() => VmScaling.cpuUtilization(150));
    expect(e.message).toBe('VmScaling.cpuUtilization(targetPercent) (150) must be an integer from 1 to 100');
    expect(e.value).toBe(150);
  });

  it('a requests target of 0 (VmScaling.requestsPerTarget checks its argument)', () => {
    expect(orchestrationErrorFrom(() => VmScaling.requestsPerTarget(0)).message).toBe('VmScaling.requestsPerTarget(perMinute) (0) must be an integer from 1 to 1000000');
  });

  it('a fractional requests target', () => {
    expect(orchestrationErrorFrom(() => VmScaling.requestsPerTarget(10.5)).message).toBe('VmScaling.requestsPerTarget(perMinute) (10.5) must be an integer from 1 to 1000000');
  });

  it('a Node.js major version below 18 (VmImage.bake checks its options)', () => {
    expect(orchestrationErrorFrom(() => VmImage.bake({ nodeMajorVersion: 16 })).message).toBe('VmImage.bake(options).nodeMajorVersion (16) must be an integer from 18 to 99');
  });

  it('a malformed SSM parameter name', () => {
    expect(orchestrationErrorFrom(() => VmImage.fromSsmParameter('golden ami')).message).toBe('VmImage.fromSsmParameter(parameterName) ("golden ami") must be an SSM parameter name (letters, digits and _.-/)');
  });

  it('a container image as the source', () => {
    expect(errorFor({ app: { source: AppSource.fromImage('nginx:1.27') } }).message).toBe(
      'Bad/Vm: app.source.image ("nginx:1.27") is for the container style; the vm style bakes app.source.directory into an AMI (or runs VmImage.fromAmiId() / VmImage.fromSsmParameter())',
    );
  });

  it('a source directory that does not exist', () => {
    expect(errorFor({ app: { source: AppSource.fromDirectory('/nonexistent/app') } }).message).toBe('Bad/Vm: app.source.directory ("/nonexistent/app") must be an existing directory');
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
    expect(errorFor({ accessLogs: false, accessLogsBucket: bucket }).message).toBe('Bad/Vm: accessLogsBucket ("Bucket/B") needs accessLogs (it is false)');
  });
});

describe('VmService: bad input that used to fail inside aws-cdk-lib or a child construct gets our error, in the caller\'s terms', () => {
  it('a malformed instance type', () => {
    expect(errorFor({ instanceTypes: [new ec2.InstanceType('t4g-micro')], image: VmImage.fromAmiId('ami-0123456789abcdef0') }).message).toBe(
      'Bad/Vm: instanceTypes[0] ("t4g-micro") must be an EC2 instance type such as t4g.micro (family, generation and attributes, a dot, the size)',
    );
  });
  it('a malformed build instance type', () => {
    expect(orchestrationErrorFrom(() => VmImage.bake({ buildInstanceType: new ec2.InstanceType('small') })).message).toMatch(/^VmImage.bake\(options\).buildInstanceType \("small"\) must be an EC2 instance type/);
  });
  it('subnets the VPC does not have', () => {
    const stack = testStack('NoIsolated');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const e = errorFor({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    expect(e.prop).toBe('vpcSubnets');
    expect(e.message).toMatch(/^Bad\/Vm: vpcSubnets \(\{"subnetType":"Isolated"\}\) must select subnets of the VPC \(There are no 'Isolated' subnet groups in this VPC/);
  });
  it('network settings: named network.maxAzs on the service, not maxAzs on its child', () => {
    const e = errorFor({ network: { maxAzs: 1 } });
    expect(e.path).toBe('Bad/Vm');
    expect(e.message).toBe('Bad/Vm: network.maxAzs (1) must be an integer from 2 to 6');
  });
  it('an unknown network setting: named network.<prop> on the service', () => {
    const e = errorFor({ network: { maxAz: 3 } as never });
    expect(e.path).toBe('Bad/Vm');
    expect(e.prop).toBe('network.maxAz');
    expect(e.message).toMatch(/^Bad\/Vm: network.maxAz \(3\) is not a known prop: /);
  });
  it('a KMS-encrypted access log bucket', () => {
    const stack = testStack('Kms');
    const bucket = new s3.Bucket(stack, 'B', { encryption: s3.BucketEncryption.KMS });
    expect(errorFor({ accessLogsBucket: bucket }).message).toBe(
      'Bad/Vm: accessLogsBucket ("Kms/B") must be encrypted with SSE-S3, not a KMS key: load balancers cannot write access logs to a KMS-encrypted bucket',
    );
  });
});

describe('VmService: a Duration with sub-second precision for a whole-seconds prop gets our error', () => {
  const whole = 'must be a whole number of seconds (CloudFormation counts this in seconds)';
  for (const prop of ['instanceWarmup', 'healthCheckInterval', 'deregistrationDelay', 'refreshBakeTime', 'bootAndStartTime'] as const) {
    it(prop, () => {
      const e = errorFor({ [prop]: Duration.millis(7500) });
      expect(e.message).toBe(`Bad/Vm: ${prop} (7 seconds 500 millis) ${whole}`);
      expect(e.prop).toBe(prop);
    });
  }
  it('checkpointDelay', () => {
    expect(errorFor({ checkpointPercentages: [50, 100], checkpointDelay: Duration.millis(7500) }).message).toBe(`Bad/Vm: checkpointDelay (7 seconds 500 millis) ${whole}`);
  });
  it('app.rollout.bakeTime (the instance warmup)', () => {
    expect(errorFor({ app: { ...app, rollout: { bakeTime: Duration.millis(7500) } } }).message).toBe(`Bad/Vm: app.rollout.bakeTime (7 seconds 500 millis) ${whole}`);
  });
});

describe('VmService: callers without a type checker (plain JavaScript, other languages) get our error, never a TypeError', () => {
  /** Props as plain JavaScript could pass them. */
  const jsError = (props: Record<string, unknown>) => errorFor(props as Partial<VmServiceProps>);

  it('an unknown prop (a typo), with a suggestion', () => {
    const e = jsError({ minCapcity: 3 });
    expect(e.prop).toBe('minCapcity');
    expect(e.message).toMatch(/^Bad\/Vm: minCapcity \(3\) is not a known prop: did you mean minCapacity or minHealthyPercentage\? known props are app, vpc, /);
  });
  it('an unknown prop without a close match', () => {
    expect(jsError({ memsize: 512 }).message).toMatch(/^Bad\/Vm: memsize \(512\) is not a known prop: known props are app, /);
  });
  it('an unknown image builder option', () => {
    const e = orchestrationErrorFrom(() => VmImage.bake({ nodeVersion: 22 } as never));
    expect(e.message).toMatch(/^VmImage.bake\(options\).nodeVersion \(22\) is not a known prop: did you mean VmImage.bake\(options\).nodeMajorVersion\?/);
  });
  it('an object literal for the image (the old props), not a VmImage', () => {
    const e = jsError({ image: { amiId: 'ami-0123456789abcdef0' } });
    expect(e.message).toBe('Bad/Vm: image ({"amiId":"ami-0123456789abcdef0"}) must be made with VmImage.bake(), VmImage.fromAmiId() or VmImage.fromSsmParameter()');
    expect(e.prop).toBe('image');
  });
  it('an AMI id string for the image', () => {
    expect(jsError({ image: 'ami-0123456789abcdef0' }).message).toBe('Bad/Vm: image ("ami-0123456789abcdef0") must be made with VmImage.bake(), VmImage.fromAmiId() or VmImage.fromSsmParameter()');
  });
  it('the old image props are unknown, with a suggestion', () => {
    expect(jsError({ amiId: 'ami-0123456789abcdef0' }).message).toMatch(/^Bad\/Vm: amiId \("ami-0123456789abcdef0"\) is not a known prop: /);
  });
  it('a string for the scaling mode (the old scaleOn value)', () => {
    expect(jsError({ scaling: 'requests' }).message).toBe('Bad/Vm: scaling ("requests") must be made with VmScaling.cpuUtilization() or VmScaling.requestsPerTarget()');
  });
  it('an object literal for the scaling mode', () => {
    expect(jsError({ scaling: { targetRequestsPerMinute: 600 } }).message).toBe('Bad/Vm: scaling ({"targetRequestsPerMinute":600}) must be made with VmScaling.cpuUtilization() or VmScaling.requestsPerTarget()');
  });
  it('a string for a scaling target', () => {
    expect(orchestrationErrorFrom(() => VmScaling.requestsPerTarget('600' as never)).message).toBe('VmScaling.requestsPerTarget(perMinute) ("600") must be a number');
    expect(orchestrationErrorFrom(() => VmScaling.cpuUtilization(Number.NaN)).message).toBe('VmScaling.cpuUtilization(targetPercent) (NaN) must be a number');
  });
  it('no requests target', () => {
    expect(orchestrationErrorFrom(() => (VmScaling.requestsPerTarget as (n?: number) => VmScaling)()).message).toBe(
      'VmScaling.requestsPerTarget(perMinute) (undefined) must be a number of requests per instance per minute, an integer from 1 to 1000000',
    );
  });
  it('a number for the AMI id, a number for the root volume size', () => {
    expect(orchestrationErrorFrom(() => VmImage.fromAmiId(42 as never)).message).toBe('VmImage.fromAmiId(amiId) (42) must be a string');
    expect(jsError({ rootVolumeSize: 20 }).message).toBe('Bad/Vm: rootVolumeSize (20) must be a Size in whole GiB from 8 to 16384, for example Size.gibibytes(20)');
  });
  it('props that are not an object', () => {
    expect(orchestrationErrorFrom(() => new VmService(testStack('Bad'), 'Vm', null as never)).message).toBe('Bad/Vm: props (null) must be an object');
  });
  it('a string for a number', () => {
    expect(jsError({ minCapacity: '3' }).message).toBe('Bad/Vm: minCapacity ("3") must be a number');
  });
  it('NaN', () => {
    expect(jsError({ maxCapacity: Number.NaN }).message).toBe('Bad/Vm: maxCapacity (NaN) must be a number');
  });
  it('a number for a Duration', () => {
    expect(jsError({ healthCheckInterval: 10 }).message).toBe('Bad/Vm: healthCheckInterval (10) must be a Duration, for example Duration.seconds(30)');
  });
  it('a string for a boolean', () => {
    expect(jsError({ accessLogs: 'yes' }).message).toBe('Bad/Vm: accessLogs ("yes") must be a boolean');
  });
  it('a string for a list of instance types', () => {
    expect(jsError({ instanceTypes: 't4g.micro' }).message).toBe('Bad/Vm: instanceTypes ("t4g.micro") must be a list of ec2.InstanceType objects, for example [new ec2.InstanceType(\'t4g.micro\')]');
  });
  it('a string inside the list of instance types', () => {
    expect(jsError({ instanceTypes: ['t4g.micro'] }).message).toBe('Bad/Vm: instanceTypes[0] ("t4g.micro") must be an ec2.InstanceType, for example new ec2.InstanceType(\'t4g.micro\')');
  });
  it('a string for the checkpoint list', () => {
    expect(jsError({ checkpointPercentages: '50,100' }).message).toBe('Bad/Vm: checkpointPercentages ("50,100") must be a list of numbers, for example [50, 100]');
  });
  it('a string for an image builder switch', () => {
    expect(orchestrationErrorFrom(() => VmImage.bake({ runTests: 'false' } as never)).message).toBe('VmImage.bake(options).runTests ("false") must be a boolean');
  });
  it('a string for the build instance type', () => {
    expect(orchestrationErrorFrom(() => VmImage.bake({ buildInstanceType: 't4g.small' } as never)).message).toBe(
      'VmImage.bake(options).buildInstanceType ("t4g.small") must be an ec2.InstanceType, for example new ec2.InstanceType(\'t4g.small\')',
    );
  });
  it('an unknown removal policy', () => {
    expect(jsError({ logRemovalPolicy: 'keep' }).message).toBe('Bad/Vm: logRemovalPolicy ("keep") must be one of "destroy", "retain", "snapshot", "retain-on-update-or-delete"');
  });
  it('a string for the VPC', () => {
    expect(jsError({ vpc: 'vpc-0123' }).message).toBe('Bad/Vm: vpc ("vpc-0123") must be an ec2.IVpc, for example new ec2.Vpc(...) or ec2.Vpc.fromVpcAttributes(...)');
  });
  it('a string for the certificate', () => {
    expect(jsError({ certificate: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }).message).toBe(
      'Bad/Vm: certificate ("arn:aws:acm:eu-west-1:123456789012:certificate/abc") must be an ACM certificate, for example acm.Certificate.fromCertificateArn(...)',
    );
  });
  it('a string for app.rollout.autoRollback', () => {
    expect(jsError({ app: { ...app, rollout: { autoRollback: 'false' } } }).message).toBe('Bad/Vm: app.rollout.autoRollback ("false") must be a boolean');
  });
  it('a number for app.rollout.bakeTime', () => {
    expect(jsError({ app: { ...app, rollout: { bakeTime: 30 } } }).message).toBe('Bad/Vm: app.rollout.bakeTime (30) must be a Duration, for example Duration.seconds(30)');
  });
  it('a number for app.version', () => {
    expect(jsError({ app: { ...app, version: 2 } }).message).toBe('Bad/Vm: app.version (2) must be a string');
  });
  it('a number for app.source.directory: our error from the factory', () => {
    expect(() => AppSource.fromDirectory(42 as never)).toThrow('AppSource.fromDirectory(directory) (42) must be a non-empty string: the path of a directory');
  });
  it('an object literal for app.source (the old shape)', () => {
    expect(jsError({ app: { source: { directory: SAMPLE_APP_DIR } } }).message).toBe(`Bad/Vm: app.source (${JSON.stringify({ directory: SAMPLE_APP_DIR })}) must be made with AppSource.fromDirectory() or AppSource.fromImage()`);
  });
  it('a string for app.port (checked by the shared app description)', () => {
    expect(jsError({ app: { ...app, port: '8080' } }).message).toBe('Bad/Vm: app.port ("8080") must be a number');
  });
  it('a number in app.source.exclude', () => {
    expect(() => AppSource.fromDirectory(SAMPLE_APP_DIR, { exclude: ['*.md', 3] as never })).toThrow('AppSource.fromDirectory(options.exclude) (["*.md",3]) must be a list of glob patterns (strings)');
  });
});

describe('VmService: the production props (domain, alarmTopic, dashboard, logEncryptionKey, deletionProtection)', () => {
  const jsError = (props: Record<string, unknown>) => errorFor(props as Partial<VmServiceProps>);
  const zoneIn = (stack: ReturnType<typeof testStack>) => route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  /** The error of a VmService built in `stack` with props made there (a zone, a certificate). */
  const errorIn = (make: (stack: ReturnType<typeof testStack>) => Partial<VmServiceProps>) => {
    const stack = testStack('Bad');
    return orchestrationErrorFrom(() => new VmService(stack, 'Vm', { app, image: VmImage.fromAmiId('ami-0123456789abcdef0'), ...make(stack) } as VmServiceProps));
  };

  it('a string for the domain', () => {
    const e = jsError({ domain: 'vm.example.com' });
    expect(e.prop).toBe('domain');
    expect(e.message).toMatch(/^Bad\/Vm: domain \("vm.example.com"\) must be an object, for example \{ domainName: 'app.example.com', hostedZone: /);
  });
  it('a domain name outside its hosted zone', () => {
    const e = errorIn((st) => ({ domain: { domainName: 'vm.example.org', hostedZone: zoneIn(st) } }));
    expect(e.message).toBe('Bad/Vm: domain.domainName ("vm.example.org") must be the hosted zone\'s name (example.com) or a name inside it (for example app.example.com)');
  });
  it('a malformed domain name', () => {
    const e = errorIn((st) => ({ domain: { domainName: 'vm..example.com', hostedZone: zoneIn(st) } }));
    expect(e.prop).toBe('domain.domainName');
    expect(e.message).toMatch(/^Bad\/Vm: domain.domainName \("vm..example.com"\) must be a fully qualified domain name/);
  });
  it('a domain without a hosted zone', () => {
    const e = jsError({ domain: { domainName: 'vm.example.com' } });
    expect(e.prop).toBe('domain.hostedZone');
    expect(e.message).toMatch(/^Bad\/Vm: domain.hostedZone \(undefined\) must be a Route 53 hosted zone/);
  });
  it('an unknown domain setting', () => {
    const e = errorIn((st) => ({ domain: { domainName: 'vm.example.com', hostedZone: zoneIn(st), zoneName: 'example.com' } as never }));
    expect(e.message).toBe('Bad/Vm: domain.zoneName ("example.com") is not a known prop: known props are domainName, hostedZone, certificate');
  });
  it('two different certificates: certificate and domain.certificate', () => {
    const e = errorIn((st) => ({
      certificate: acm.Certificate.fromCertificateArn(st, 'A', 'arn:aws:acm:eu-west-1:123456789012:certificate/a'),
      domain: { domainName: 'vm.example.com', hostedZone: zoneIn(st), certificate: acm.Certificate.fromCertificateArn(st, 'B', 'arn:aws:acm:eu-west-1:123456789012:certificate/b') },
    }));
    expect(e.prop).toBe('certificate');
    expect(e.message).toBe('Bad/Vm: certificate ("Bad/A") conflicts with domain.certificate (Bad/B): the HTTPS listener has one default certificate; set one of them');
  });
  it('a string for the alarm topic', () => {
    expect(jsError({ alarmTopic: 'arn:aws:sns:eu-west-1:123456789012:alarms' }).message).toBe(
      'Bad/Vm: alarmTopic ("arn:aws:sns:eu-west-1:123456789012:alarms") must be an sns.ITopic, for example new AlarmTopic(this, \'Alarms\').topic',
    );
  });
  it('an object that is not a topic for the alarm topic', () => {
    expect(jsError({ alarmTopic: { arn: 'x' } }).message).toBe('Bad/Vm: alarmTopic ("(an object without topicArn)") must be an sns.ITopic, for example new AlarmTopic(this, \'Alarms\').topic');
  });
  it('a string for the dashboard switch', () => {
    expect(jsError({ dashboard: 'yes' }).message).toBe('Bad/Vm: dashboard ("yes") must be a boolean');
  });
  it('a key ARN string for the log encryption key', () => {
    expect(jsError({ logEncryptionKey: 'arn:aws:kms:eu-west-1:123456789012:key/abc' }).message).toBe(
      'Bad/Vm: logEncryptionKey ("arn:aws:kms:eu-west-1:123456789012:key/abc") must be a KMS key (kms.IKey), for example new LogsKey(this, \'LogsKey\').key',
    );
  });
  it('a string for deletion protection', () => {
    expect(jsError({ deletionProtection: 'true' }).message).toBe('Bad/Vm: deletionProtection ("true") must be a boolean');
  });
});

describe('the known-prop lists match the props interfaces', () => {
  it('at compile time: a prop added to an interface and not to its list fails tsc', () => {
    expectTypeOf<keyof typeof VM_SERVICE_PROPS>().toEqualTypeOf<keyof VmServiceProps>();
    expectTypeOf<keyof typeof IMAGE_BUILDER_OPTIONS>().toEqualTypeOf<keyof ImageBuilderOptions>();
    expectTypeOf<keyof typeof APP_IMAGE_PROPS>().toEqualTypeOf<keyof AppImageProps>();
  });
  it('at run time: every listed prop is accepted', () => {
    const everyProp = Object.fromEntries(Object.keys(VM_SERVICE_PROPS).map((prop) => [prop, undefined]));
    expect(() => new VmService(testStack('Known'), 'Vm', { ...everyProp, app, image: VmImage.fromAmiId('ami-0123456789abcdef0') } as VmServiceProps)).not.toThrow();
  });
});

describe('AppImage rejects bad input with the library\'s error', () => {
  function imageError(extra: Record<string, unknown>): OrchestrationError {
    const stack = testStack('Bad');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const props = {
      sourceDirectory: SAMPLE_APP_DIR, exclude: [], command: ['node', 'server.js'], port: 8080, healthCheckPath: '/healthz', appVersion: '1.0.0',
      architecture: ec2.InstanceArchitecture.ARM_64, rootVolumeSize: Size.gibibytes(8), vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, ...extra,
    };
    return orchestrationErrorFrom(() => new AppImage(stack, 'Image', props as AppImageProps));
  }
  it('an unknown prop', () => {
    expect(imageError({ nodeVersion: 22 }).message).toMatch(/^Bad\/Image: nodeVersion \(22\) is not a known prop: did you mean nodeMajorVersion\?/);
  });
  it('a string for a number', () => {
    expect(imageError({ rootVolumeSize: '8' }).message).toBe('Bad/Image: rootVolumeSize ("8") must be a Size in whole GiB from 8 to 16384, for example Size.gibibytes(20)');
  });
  it('a build instance of another architecture', () => {
    expect(imageError({ buildInstanceType: new ec2.InstanceType('t3.small') }).message).toBe('Bad/Image: buildInstanceType ("t3.small") must have the image\'s architecture (arm64)');
  });
  it('an empty command', () => {
    expect(imageError({ command: [] }).message).toBe('Bad/Image: command ([]) must be a non-empty list of non-empty strings');
  });
  it('a Node.js major version below 18', () => {
    expect(imageError({ nodeMajorVersion: 16 }).message).toBe('Bad/Image: nodeMajorVersion (16) must be an integer from 18 to 99');
  });
});
