import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The version of the package this module belongs to: the `version` of the nearest package.json with a name and a
 * version, found from this module's folder upwards (never from the caller's working directory). The same code finds
 * the package root from the sources (lib/cli/) and from the published build (dist/lib/cli/).
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json with a name and a version above ${from}`);
  }
}
