// Section 4 of the benchmark: worst-case rollout durations for the vm and server sample
// defaults against the book's settings, from lib/rollout-estimate.ts (loaded by the harness
// with a dynamic import, because the estimator arrives with the vm style).
//
// The sample side is read from the sample app itself: it is built in this process (no synth)
// and every construct that exposes `rolloutEstimate` (a RolloutEstimate, as VmService does) is
// reported; a construct exposing only `rolloutTiming` with `steps` and `stepTimeout` (the server
// fleet's own timing) is reported as steps × stepTimeout, the bound its rollout document enforces.
// The book's side comes from the estimator's bookVmRolloutTiming / bookServerRolloutTiming.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { IConstruct } from 'constructs';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

interface Estimate {
  readonly totalSeconds: number;
  readonly summary?: string;
  readonly breakdown?: Record<string, number>;
}
interface Found {
  readonly path: string;
  readonly style: 'vm' | 'server' | string;
  readonly estimate: Estimate;
  readonly how: string;
}

function isEstimate(x: unknown): x is Estimate {
  return !!x && typeof x === 'object' && typeof (x as Estimate).totalSeconds === 'number';
}
function seconds(d: unknown): number | undefined {
  if (typeof d === 'number') return d;
  if (d && typeof d === 'object' && typeof (d as { toSeconds?: unknown }).toSeconds === 'function') return (d as { toSeconds(): number }).toSeconds();
  return undefined;
}

/** Every rollout estimate the sample app's constructs expose. */
function sampleEstimates(): Found[] {
  const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  const { createSampleApp } = require('../apps/sample-app-stacks') as typeof import('../apps/sample-app-stacks');
  const { app } = createSampleApp({ context, gate: false });
  const found: Found[] = [];
  for (const c of app.node.findAll() as IConstruct[]) {
    const any = c as unknown as Record<string, unknown>;
    const stackId = c.node.scopes[1]?.node.id ?? '';
    const style = /^Sample([A-Za-z]+)-/.exec(stackId)?.[1]?.toLowerCase() ?? stackId;
    if (isEstimate(any.rolloutEstimate)) {
      found.push({ path: c.node.path, style, estimate: any.rolloutEstimate, how: 'the construct\'s rolloutEstimate' });
    } else if (any.rolloutTiming && typeof any.rolloutTiming === 'object') {
      const t = any.rolloutTiming as Record<string, unknown>;
      const steps = typeof t.steps === 'number' ? t.steps : undefined;
      const step = seconds(t.stepTimeout);
      if (steps !== undefined && step !== undefined) {
        found.push({
          path: c.node.path,
          style,
          estimate: { totalSeconds: steps * step, summary: `${steps} step(s) × ${step} s step timeout` },
          how: 'rolloutTiming: steps × stepTimeout (the bound the rollout document enforces)',
        });
      }
    }
  }
  return found;
}

/** Lines of BENCHMARKS.md for the rollout section, given the estimator module. */
export function rolloutSection(est: Record<string, unknown>): string[] {
  const estimateRollout = est.estimateRollout as ((t: unknown) => Estimate) | undefined;
  const fmt = (est.formatSeconds as ((s: number) => string) | undefined) ?? ((s: number) => `${Math.round(s)} s`);
  const bookOf: Record<string, (() => unknown) | undefined> = {
    vm: est.bookVmRolloutTiming as (() => unknown) | undefined,
    server: est.bookServerRolloutTiming as (() => unknown) | undefined,
  };
  if (!estimateRollout) {
    return [`lib/rollout-estimate.ts exists but exports no estimateRollout (it exports: ${Object.keys(est).join(', ')}); bench/rollout.ts needs wiring.`, ''];
  }
  const found = sampleEstimates();
  const rows: string[] = [];
  const lines: string[] = [];
  for (const style of ['vm', 'server']) {
    const book = bookOf[style] ? estimateRollout(bookOf[style]!()) : undefined;
    const mine = found.filter((f) => f.style === style);
    if (!mine.length) {
      rows.push(`| ${style} | not in the sample app yet | ${book ? `${fmt(book.totalSeconds)} (${book.summary ?? ''})` : 'n/a'} | n/a |`);
      continue;
    }
    for (const f of mine) {
      const ratio = book && book.totalSeconds > 0 ? `${(f.estimate.totalSeconds / book.totalSeconds).toFixed(2)}×` : 'n/a';
      rows.push(
        `| ${style} (${f.path}) | ${fmt(f.estimate.totalSeconds)} (${f.estimate.summary ?? ''}) | ${book ? `${fmt(book.totalSeconds)} (${book.summary ?? ''})` : 'n/a'} | ${ratio} |`,
      );
      const parts = (e: Estimate | undefined) =>
        e?.breakdown
          ? Object.entries(e.breakdown)
              .filter(([, v]) => v > 0)
              .map(([k, v]) => `${k} ${fmt(v)}`)
              .join(', ')
          : '';
      lines.push(
        `- ${style}: the sample's figure is ${f.how}${parts(f.estimate) ? `; per batch: ${parts(f.estimate)}` : ''}${parts(book) ? `. The book's per batch: ${parts(book)}` : ''}.`,
      );
    }
  }
  return [
    'Worst case: every boot, health check, warm-up and drain takes its full configured time (lib/rollout-estimate.ts). The book\'s side',
    'is the estimator\'s model of chapter 3\'s settings (vm: instance refresh with min healthy 100 %, no warm-up so the 300 s grace',
    'period, health checks 30 s × 2, deregistration delay 300 s; server: Ansible serial 1 behind nginx, no health checks, no drain).',
    '',
    '| style | sample default (worst case) | book\'s settings (worst case) | sample ÷ book |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    ...lines,
    ...(found.some((f) => f.style === 'server')
      ? [
          '- Reading the server row: the sample\'s worst case adds up the limits its rollout enforces per server (install budget, drain on',
          '  stop, health-check timeout, the pause longer than nginx\'s fail_timeout), while the book\'s Ansible run sets no limit and checks',
          '  no health, so its 15 s is the time of three restarts that go well, not a bound: nothing in it waits for a server to answer',
          '  before moving on to the next.',
        ]
      : []),
    ...(lines.length ? [''] : []),
  ];
}
