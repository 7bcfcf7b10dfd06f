// The sample app's image definition (no Docker engine here: checked statically; `cdk deploy` builds it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS } from '../../../lib/app';
import { SAMPLE_APP_DIR } from '../../helpers';

const dockerfile = fs.readFileSync(path.join(SAMPLE_APP_DIR, 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
const dockerignore = fs.readFileSync(path.join(SAMPLE_APP_DIR, '.dockerignore'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));

describe('apps/sample-app/Dockerfile', () => {
  it('builds on a Node.js LTS line (even major) and runs as the non-root node user (uid 1000)', () => {
    const from = instructions.find((l) => l.startsWith('FROM '))!;
    const major = Number(/^FROM node:(\d+)-alpine$/.exec(from)?.[1]);
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
    const user = instructions.filter((l) => l.startsWith('USER '));
    expect(user.at(-1)).toBe('USER node');
    expect(instructions.indexOf(user.at(-1)!)).toBeGreaterThan(instructions.findIndex((l) => l.startsWith('COPY ')));
  });

  it('starts the app with the shared default command on the shared default port', () => {
    expect(instructions).toContain(`CMD ${JSON.stringify(APP_DEFAULTS.command)}`.replace(/","/g, '", "'));
    expect(instructions).toContain(`EXPOSE ${APP_DEFAULTS.port}`);
  });

  it('ships only what the server needs: every local module server.js requires, nothing else', () => {
    expect(dockerignore[0]).toBe('*');
    const allowed = dockerignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1)).sort();
    const server = fs.readFileSync(path.join(SAMPLE_APP_DIR, 'server.js'), 'utf8');
    const local = [...server.matchAll(/require\('\.\/([^']+)'\)/g)].map((m) => `${m[1]}.js`);
    expect(allowed).toEqual(['package.json', 'server.js', ...local].sort());
    const copy = instructions.find((l) => l.startsWith('COPY '))!.split(/\s+/).slice(1, -1).sort();
    expect(copy).toEqual(allowed);
  });
});
