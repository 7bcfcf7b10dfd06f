import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers';

const PROBLEMS = ['deployment', 'scheduling', 'rollback', 'auto scaling', 'auto healing', 'load balancing', 'configuration', 'secrets management', 'service communication', 'disk management'];
const PROD_HEADING = '## What changes in production (`-c env=prod`)';
const text = fs.readFileSync(path.join(ROOT, 'docs', 'orchestration-matrix.md'), 'utf8');

/** The body rows of the first table after `from` (the text before `until`, when given). */
function tableRows(from: number, until = text.length): string[] {
  return text.slice(from, until).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| problem') && !l.startsWith('|---'));
}
const prodAt = text.indexOf(PROD_HEADING);
const devRows = tableRows(0, prodAt);
const prodRows = tableRows(prodAt);
const problemOf = (row: string) => row.split(' | ')[0]!.slice(2);

function expectCellsNameTests(rows: string[]): void {
  for (const row of rows) {
    const cells = row.split(' | ').slice(1);
    expect(cells).toHaveLength(4);
    for (const cell of cells) {
      const files = [...cell.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1]!);
      expect(files.length, `a cell of "${row.slice(0, 30)}" names no test`).toBeGreaterThan(0);
      for (const f of files) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
    }
  }
}

describe('docs/orchestration-matrix.md', () => {
  it('has one row per problem of the chapter, in order, and the four styles as columns', () => {
    expect(text).toContain('| problem | server | vm | container | serverless |');
    expect(devRows.map(problemOf)).toEqual(PROBLEMS);
  });

  it('names, in every cell, test files that exist', () => {
    expectCellsNameTests(devRows);
  });

  it('has a production section whose rows are problems of the chapter, in the chapter\'s order, each cell naming test files that exist', () => {
    expect(prodAt, PROD_HEADING).toBeGreaterThan(0);
    const problems = prodRows.map(problemOf);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems).toEqual(PROBLEMS.filter((p) => problems.includes(p)));
    expectCellsNameTests(prodRows);
  });
});
