// Service limits and defects of the vm style, at synth: the app port (the unit runs as the non-root
// app-user), user data (16 KB), Image Builder's component document (16,000 characters), semantic
// versions (2^30-1 per node) and names (128 characters), and a version that covers the whole document.
import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { AppImage, type AppImageProps, VmImage, VmService, type VmServiceProps } from '../../../constructs/vm';
import { COMPONENT_DATA_MAX, SEMANTIC_VERSION_NODE_MAX, versionFromHash } from '../../../constructs/vm/app-image';
import { PATHS } from '../../../constructs/vm/boot';
import { type AppDescription, AppSource } from '../../../lib/app';
import { orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';

const app: AppDescription = { source: AppSource.fromDirectory(SAMPLE_APP_DIR) };
const AMI = VmImage.fromAmiId('ami-0123456789abcdef0');

function vm(props: Partial<VmServiceProps>): VmService {
  return new VmService(testStack('Limits'), 'Vm', { app, image: AMI, ...props } as VmServiceProps);
}

function image(extra: Partial<AppImageProps> = {}, id = 'Image'): AppImage {
  const stack = testStack('Limits');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return new AppImage(stack, id, {
    sourceDirectory: SAMPLE_APP_DIR, exclude: [], command: ['node', 'server.js'], port: 8080, healthCheckPath: '/healthz', appVersion: '1.0.0',
    architecture: ec2.InstanceArchitecture.ARM_64, rootVolumeSize: Size.gibibytes(8), vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, ...extra,
  });
}

describe('app.port: the unit runs as the non-root app-user, which cannot bind a port below 1024', () => {
  it('rejects 80 with our error, before any image is baked', () => {
    const e = orchestrationErrorFrom(() => vm({ app: { ...app, port: 80 } }));
    expect(e.prop).toBe('app.port');
    expect(e.message).toBe('Limits/Vm: app.port (80) must be from 1024 to 65535: the app runs as the non-root app-user, which cannot bind privileged ports (the load balancer listens on 80 and 443)');
  });
  it('rejects 1023, accepts 1024', () => {
    expect(orchestrationErrorFrom(() => vm({ app: { ...app, port: 1023 } })).prop).toBe('app.port');
    expect(() => vm({ app: { ...app, port: 1024 } })).not.toThrow();
  });
});

describe('app.healthCheckPath: the target group\'s HealthCheckPath, 1 to 1,024 characters', () => {
  it('accepts 1,024 characters, rejects 1,025', () => {
    expect(() => vm({ app: { ...app, healthCheckPath: `/${'a'.repeat(1023)}` } })).not.toThrow();
    const e = orchestrationErrorFrom(() => vm({ app: { ...app, healthCheckPath: `/${'a'.repeat(1024)}` } }));
    expect(e.prop).toBe('app.healthCheckPath');
    expect(e.allowed).toBe('must be at most 1024 characters: it is the target group\'s HealthCheckPath');
  });
});

describe('user data: EC2\'s 16 KB (it carries app.environment)', () => {
  it('an environment that makes the user data too long is our error', () => {
    const e = orchestrationErrorFrom(() => vm({ app: { ...app, environment: { BIG: 'x'.repeat(16_384) } } }));
    expect(e.prop).toBe('app.environment');
    expect(e.message).toMatch(/^Limits\/Vm: app\.environment \("at least \d+ bytes"\) makes the instances' user data exceed EC2's limit of 16383 bytes \(16 KB before base64\): it carries app\.environment/);
  });
});

describe('Image Builder: the component version is a hash of the WHOLE rendered component', () => {
  it('a change only in the validate phase is a new version (no collision with the existing name and version)', () => {
    const before = image();
    const saved = PATHS.cwAgentCtl;
    (PATHS as { cwAgentCtl: string }).cwAgentCtl = '/opt/aws/amazon-cloudwatch-agent/bin/other-ctl';
    let after: AppImage;
    try {
      after = image();
    } finally {
      (PATHS as { cwAgentCtl: string }).cwAgentCtl = saved;
    }
    expect(after.component.data).not.toEqual(before.component.data);
    expect(after.version).not.toBe(before.version);
  });
  it('a change only in the component\'s description (the app version) is a new version', () => {
    expect(image({ appVersion: '1.0.1' }).version).not.toBe(image({ appVersion: '1.0.0' }).version);
  });
});

describe('Image Builder limits', () => {
  it('semantic version: each node at most 2^30-1 (the largest hash-derived patch fits)', () => {
    expect(SEMANTIC_VERSION_NODE_MAX).toBe(1_073_741_823);
    const largest = versionFromHash('f'.repeat(64));
    expect(largest).toBe('1.0.268435455');
    for (const node of largest.split('.')) expect(Number(node)).toBeLessThanOrEqual(SEMANTIC_VERSION_NODE_MAX);
  });
  it('component document: 16,000 characters accepted, 16,001 rejected (measured with a 63-character bucket name)', () => {
    const command = (n: number) => ['node', 'x'.repeat(n)];
    const e = orchestrationErrorFrom(() => image({ command: command(COMPONENT_DATA_MAX) }));
    expect(e.prop).toBe('command');
    expect(e.message).toMatch(/^Limits\/Image: command \("\d+ bytes"\) makes the image's Image Builder component document exceed its limit of 16000 characters/);
    const rest = Number(/^(\d+) bytes$/.exec(String(e.value))![1]) - COMPONENT_DATA_MAX;
    expect(rest).toBeLessThan(COMPONENT_DATA_MAX / 2); // the library's own part leaves the app room
    expect(() => image({ command: command(COMPONENT_DATA_MAX - rest) })).not.toThrow();
    expect(orchestrationErrorFrom(() => image({ command: command(COMPONENT_DATA_MAX - rest + 1) })).value).toBe('16001 bytes');
  });
  it('names derived from the construct path stay within Image Builder\'s 128 characters and pattern', () => {
    const img = image({}, 'A'.repeat(200));
    const names = [img.component.name, img.recipe.name, img.infrastructureConfiguration.name];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(128);
      expect(name).toMatch(/^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$/);
    }
  });
});
