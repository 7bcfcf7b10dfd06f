import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../../lib/cli/version';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OWN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('packageVersion', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-orchestrate-version-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("reads the package's own package.json, found from the module's folder", () => {
    expect(packageVersion()).toBe(OWN.version);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('finds the package root from the published layout (dist/lib/cli), skipping package.json files without a name and version', () => {
    const pkg = path.join(tmp, 'node_modules', 'cdk-orchestration');
    const cli = path.join(pkg, 'dist', 'lib', 'cli');
    fs.mkdirSync(cli, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'cdk-orchestration', version: '9.8.7' }));
    fs.writeFileSync(path.join(pkg, 'dist', 'package.json'), JSON.stringify({ type: 'commonjs' }));
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0' }));
    expect(packageVersion(cli)).toBe('9.8.7');
  });

  it('says so when there is no package.json above the folder', () => {
    expect(() => packageVersion(path.parse(tmp).root)).toThrow(/no package.json with a name and a version above/);
  });
});
