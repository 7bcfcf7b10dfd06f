// `npm run build` (and so `npm pack`'s and a git install's prepare): the jsii build (dist/ and .jsii) plus the construct assets,
// skipped when nothing it reads has changed since the last build in this checkout. The jsii build takes
// 20-50 s of CPU here and the consumer test packs the package on every `npm test`: paying it once per
// change of the sources is what keeps the suite's time. What the build reads, hashed: the compiled
// sources and their assets (index.ts, constructs/, lib/, bin/cli.ts), the compiler settings, package.json,
// the lock file (so a new jsii or TypeScript rebuilds) and these build scripts. A fresh clone has no
// dist/ and builds. `BUILD_FORCE=1 npm run build` always builds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = join('dist', '.build-inputs.sha256');
const INPUTS = ['index.ts', 'constructs', 'lib', 'bin/cli.ts', 'tsconfig.jsii.json', 'package.json', 'package-lock.json', 'scripts/build.mjs', 'scripts/copy-assets.mjs'];

/** Every file under the inputs, sorted, so the hash does not depend on the order readdir returns. */
function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files)) hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const wanted = inputsHash();
const upToDate = !process.env.BUILD_FORCE && existsSync('.jsii') && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === wanted;
if (upToDate) {
  console.error('build: dist/ and .jsii are up to date with the sources (BUILD_FORCE=1 rebuilds)');
} else {
  rmSync('dist', { recursive: true, force: true });
  rmSync('.jsii', { force: true });
  execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['jsii', '--fail-on-warnings'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/copy-assets.mjs'], { stdio: 'inherit' });
  writeFileSync(STAMP, wanted);
}
