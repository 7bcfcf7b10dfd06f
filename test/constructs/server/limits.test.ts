// Service limits the server style's values reach, checked at synth with our error at the boundary:
// SSM association targets (at most 50 instance ids), the rollout document's allowedPattern, user data.
import { describe, expect, it } from 'vitest';
import { ServerFleet, type ServerFleetProps } from '../../../constructs/server';
import { AppSource } from '../../../lib/app';
import { orchestrationErrorFrom, SAMPLE_APP_DIR, testStack } from '../../helpers';

const source = AppSource.fromDirectory(SAMPLE_APP_DIR);

function fleet(props: Partial<ServerFleetProps>): ServerFleet {
  return new ServerFleet(testStack('Limits'), 'Fleet', { ...props, app: { source, ...(props.app ?? {}) } } as ServerFleetProps);
}

describe('fleet size: the rollout association targets instance ids, at most 50 values per SSM target', () => {
  it('accepts 50 servers (one target of 50 instance ids)', () => {
    const f = fleet({ fleetSize: 50 });
    expect(f.instances).toHaveLength(50);
    expect(f.association.targets).toEqual([expect.objectContaining({ key: 'InstanceIds', values: expect.any(Array) })]);
    expect((f.association.targets as { values: string[] }[])[0]!.values).toHaveLength(50);
  });
  it('rejects 51 (fleetSize)', () => {
    const e = orchestrationErrorFrom(() => fleet({ fleetSize: 51 }));
    expect(e.prop).toBe('fleetSize');
    expect(e.message).toBe('Limits/Fleet: fleetSize (51) must be at most 50: the rollout association targets the servers by instance id, and SSM takes at most 50 values per association target');
  });
  it('rejects 51 (app.replicas.min)', () => {
    const e = orchestrationErrorFrom(() => fleet({ app: { source, replicas: { min: 51 } } }));
    expect(e.prop).toBe('app.replicas.min');
    expect(e.message).toMatch(/app\.replicas\.min \(51\) must be at most 50/);
  });
});

describe('the rollout document\'s parameters: each value matches its allowedPattern, or our error', () => {
  it('a health path with ":" (the document allows /[A-Za-z0-9._~/-]): app.healthCheckPath', () => {
    const e = orchestrationErrorFrom(() => fleet({ app: { source, healthCheckPath: '/health:live' } }));
    expect(e.prop).toBe('app.healthCheckPath');
    expect(e.message).toBe('Limits/Fleet: app.healthCheckPath ("/health:live") must match ^/[A-Za-z0-9._~/-]*$, the allowedPattern of the SSM document\'s healthCheckPath parameter (SSM rejects the association otherwise)');
  });
  it('every character the pattern allows passes', () => {
    expect(() => fleet({ fleetSize: 1, app: { source, healthCheckPath: '/Health/live-1_.~' } })).not.toThrow();
  });
  it('every parameter of the document is checked (no parameter without a pattern)', () => {
    const f = fleet({ fleetSize: 1 });
    const doc = f.document.content as { parameters: Record<string, { allowedPattern?: string }> };
    const sent = Object.keys(f.association.parameters as Record<string, string[]>);
    expect(sent.sort()).toEqual(Object.keys(doc.parameters).sort());
    for (const name of sent) expect(doc.parameters[name]!.allowedPattern, name).toMatch(/^\^.*\$$/);
  });
});

describe('user data: EC2\'s 16 KB', () => {
  it('a nodejsPackage that makes the bootstrap script too long is our error', () => {
    const e = orchestrationErrorFrom(() => fleet({ fleetSize: 1, nodejsPackage: `nodejs${'9'.repeat(16_384)}` }));
    expect(e.prop).toBe('nodejsPackage');
    expect(e.message).toMatch(/^Limits\/Fleet: nodejsPackage \("at least \d+ bytes"\) makes the instances' user data exceed EC2's limit of 16383 bytes/);
  });
});
