import Table from 'cli-table3';
import { createColors } from 'picocolors';

// The building blocks every renderer uses (format.ts and each style's render in styles/).

export type Colors = ReturnType<typeof createColors>;

/** Colours on only when asked (the CLI asks on a TTY without NO_COLOR). */
export function colors(enabled: boolean): Colors {
  return createColors(enabled);
}

const GOOD = /^(running|ok|healthy|InService|Success|Successful|Succeeded|ACTIVE|Complete|passed)$/i;
const BAD = /(fail|error|impaired|unhealthy|terminat|stopped|cancel|rollback|timedout|degraded|not-found)/i;

/** Colours a status word: green when good, red when bad, yellow otherwise. */
export function paint(c: Colors, status: string | undefined): string {
  if (status === undefined || status === '') return c.dim('-');
  if (GOOD.test(status)) return c.green(status);
  if (BAD.test(status)) return c.red(status);
  return c.yellow(status);
}

/** A table with bold headers and no rule between rows. */
export function table(c: Colors, head: string[]): Table.Table {
  return new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, // no rule between rows
  });
}

/** A value for people: `-` when there is none. */
export const dash = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));
