import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers';

const PROBLEMS = ['deployment', 'scheduling', 'rollback', 'auto scaling', 'auto healing', 'load balancing', 'configuration', 'secrets management', 'service communication', 'disk management'];
const text = fs.readFileSync(path.join(ROOT, 'docs', 'orchestration-matrix.md'), 'utf8');
const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| problem') && !l.startsWith('|---'));

describe('docs/orchestration-matrix.md', () => {
  it('has one row per problem of the chapter, in order, and the four styles as columns', () => {
    expect(text).toContain('| problem | server | vm | container | serverless |');
    expect(rows.map((r) => r.split(' | ')[0]!.slice(2))).toEqual(PROBLEMS);
  });

  it('names, in every cell, test files that exist', () => {
    for (const row of rows) {
      const cells = row.split(' | ').slice(1);
      expect(cells).toHaveLength(4);
      for (const cell of cells) {
        const files = [...cell.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1]!);
        expect(files.length, `a cell of "${row.slice(0, 30)}" names no test`).toBeGreaterThan(0);
        for (const f of files) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
      }
    }
  });
});
