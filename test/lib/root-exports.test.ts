// The package root lists its exports by name (no bare `export *`, which jsii rejects and which hides
// what is public), and exports the modes-as-classes of the shared vocabulary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from '../../index';
import { AppSecret, AppSource } from '../../lib/app';
import { OrchestrationError } from '../../lib/errors';
import { EgressMode, NetworkEgress } from '../../constructs/shared/network';
import { ROOT } from '../helpers';
import * as container from '../../constructs/container';
import * as server from '../../constructs/server';
import * as serverless from '../../constructs/serverless';
import * as vm from '../../constructs/vm';

describe('the package root (index.ts)', () => {
  it('has no bare `export *`', () => {
    const text = fs.readFileSync(path.join(ROOT, 'index.ts'), 'utf8');
    expect(text).not.toMatch(/^export \* from/m);
  });

  it('exports the shared classes, and OrchestrationError for TypeScript callers', () => {
    expect(root.AppSource).toBe(AppSource);
    expect(root.AppSecret).toBe(AppSecret);
    expect(root.NetworkEgress).toBe(NetworkEgress);
    expect(root.EgressMode).toBe(EgressMode);
    expect(root.OrchestrationError).toBe(OrchestrationError);
    const options: [root.DirectorySourceOptions, root.AppSecretOptions, root.NatInstanceOptions] = [{ exclude: ['*.md'] }, { jsonField: 'pw' }, {}];
    expect(root.AppSource.fromDirectory('/app', options[0]).exclude).toEqual(['*.md']);
    expect(root.AppSecret.fromSecretName('db', options[1]).jsonField).toBe('pw');
    expect(root.NetworkEgress.natInstance(options[2]).mode).toBe(root.EgressMode.NAT_INSTANCE);
  });

  it('keeps `instanceof OrchestrationError` for an error thrown by a factory (the class is @internal to jsii only)', () => {
    let caught: unknown;
    try {
      root.AppSource.fromImage('');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(root.OrchestrationError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as OrchestrationError).name).toBe('OrchestrationError');
    expect((caught as OrchestrationError).prop).toBe('AppSource.fromImage(image)');
  });

  it.each([
    ['server', server],
    ['vm', vm],
    ['container', container],
    ['serverless', serverless],
  ] as const)('re-exports every value the %s style exports (list a new one in index.ts)', (_style, mod) => {
    const missing = Object.keys(mod).filter((name) => (root as Record<string, unknown>)[name] !== (mod as Record<string, unknown>)[name]);
    expect(missing).toEqual([]);
  });
});
