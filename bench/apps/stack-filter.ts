// Lets a benchmark build only some of the sample stacks that apps/sample-app-stacks.ts registers,
// without knowing their classes: every Stack subclass exported by a module under apps/ is
// wrapped (before sample-app-stacks.ts loads it) so that stacks whose id is not wanted are not
// constructed at all. Works because tsx runs these modules as CommonJS.
import { Stack } from 'aws-cdk-lib';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const APPS_DIR = path.join(__dirname, '..', '..', 'apps');

/** Skipped stacks are replaced by this placeholder. */
export class SkippedStack {
  constructor(public readonly id: string) {}
}

/**
 * Installs the filter. Must run before `apps/sample-app-stacks.ts` is first required.
 * @returns the number of stack classes wrapped
 */
export function filterSampleStacks(wanted: (id: string) => boolean): number {
  let wrapped = 0;
  for (const file of fs.readdirSync(APPS_DIR)) {
    if (!/\.ts$/.test(file) || file === 'sample-app-stacks.ts' || file.endsWith('.d.ts')) continue;
    const full = path.join(APPS_DIR, file);
    const mod = require(full);
    const cached = require.cache[require.resolve(full)];
    if (!cached) continue;
    const copy: Record<string, unknown> = {};
    let changed = false;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'function' && value.prototype instanceof Stack) {
        copy[name] = new Proxy(value, {
          construct(target, args, newTarget) {
            const id = String(args[1]);
            if (!wanted(id)) return new SkippedStack(id);
            return Reflect.construct(target, args, newTarget === undefined ? target : newTarget);
          },
        });
        changed = true;
        wrapped++;
      } else copy[name] = value;
    }
    if (changed) cached.exports = copy;
  }
  return wrapped;
}
