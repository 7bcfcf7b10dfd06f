import { FileSystem, IgnoreMode } from 'aws-cdk-lib';
import * as path from 'node:path';
import type { IConstruct } from 'constructs';
import { OrchestrationError } from '../../lib/errors';
import type { ResolvedApp } from '../../lib/app';
import * as fs from 'node:fs';

/** What a code asset leaves out of an app's source directory unless the app says otherwise. */
export const DEFAULT_CODE_EXCLUDE = ['node_modules', '.git', '*.md', 'Dockerfile', '.dockerignore', '*.test.*'];

const fingerprints = new Map<string, string>();

/**
 * The app's source directory, checked to exist, as an absolute path.
 * Relative paths are resolved against the process's working directory; pass an absolute
 * path (`path.join(__dirname, ...)`) from a library or a test.
 */
export function sourceDirectory(where: IConstruct, app: ResolvedApp, prop = 'app.source.directory'): string {
  const dir = app.source.directory;
  if (dir === undefined) throw new OrchestrationError(where, prop, dir, 'is required by this style (a directory of ready-to-run code)');
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new OrchestrationError(where, prop, dir, 'must be an existing directory');
  return abs;
}

/**
 * The version an app reports: `app.version`, or the first 12 characters of its source
 * directory's fingerprint (the same content gives the same version on every machine).
 * Fingerprints are cached per process, so every style and every test pays them once.
 */
export function appVersion(app: ResolvedApp, dir: string | undefined): string {
  if (app.version) return app.version;
  if (!dir) return 'unversioned';
  const exclude = app.source.exclude ?? DEFAULT_CODE_EXCLUDE;
  const key = `${dir}\0${exclude.join('\0')}`;
  let fp = fingerprints.get(key);
  if (!fp) {
    fp = FileSystem.fingerprint(dir, { exclude, ignoreMode: IgnoreMode.GLOB });
    fingerprints.set(key, fp);
  }
  return fp.slice(0, 12);
}
