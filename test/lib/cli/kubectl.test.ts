import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, kubectlOnPath, shellCommand } from '../../../lib/cli/kubectl';

// A stand-in kubectl on a PATH of its own: prints its arguments, fails on `fail`.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestrate-path-'));
fs.writeFileSync(path.join(dir, 'kubectl'), '#!/bin/sh\nif [ "$1" = fail ]; then echo "error: boom" >&2; exit 3; fi\necho "args: $*"\n', { mode: 0o755 });
fs.writeFileSync(path.join(dir, 'not-executable'), 'x', { mode: 0o644 });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform === 'win32')('kubectl on PATH', () => {
  it('finds an executable on PATH, and nothing that is not one', () => {
    expect(findOnPath('kubectl', { PATH: `/nonexistent${path.delimiter}${dir}` })).toBe(path.join(dir, 'kubectl'));
    expect(findOnPath('not-executable', { PATH: dir })).toBeUndefined();
    expect(findOnPath('kubectl', { PATH: '' })).toBeUndefined();
    expect(kubectlOnPath({ PATH: '/nonexistent' })).toBeUndefined();
  });

  it('runs it and returns exit code and output, without rejecting on failure', async () => {
    const kubectl = kubectlOnPath({ PATH: dir })!;
    await expect(kubectl(['get', 'deployment/app', '-n', 'ns'])).resolves.toEqual({ code: 0, stdout: 'args: get deployment/app -n ns\n', stderr: '' });
    await expect(kubectl(['fail'])).resolves.toEqual({ code: 3, stdout: '', stderr: 'error: boom\n' });
  });
});

describe('printed commands', () => {
  it('quotes only the words that need it', () => {
    expect(shellCommand(['kubectl', 'rollout', 'status', 'deployment/app', '-n', 'my ns', "it's"])).toBe(`kubectl rollout status deployment/app -n 'my ns' 'it'\\''s'`);
  });
});
