// The report: printed for people, written as JSON.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatSeconds } from '../rollout-estimate';
import type { E2eEnv } from './plan';
import type { StyleResult } from './runner';

export interface E2eReport {
  readonly suite: 'cdk-orchestration e2e';
  readonly ok: boolean;
  readonly env: E2eEnv;
  readonly suffix: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly styles: StyleResult[];
}

const secs = (ms: number | undefined) => (ms === undefined ? '-' : formatSeconds(ms / 1000));

export function formatReport(r: E2eReport): string {
  const lines = [`e2e ${r.ok ? 'PASSED' : 'FAILED'}: env ${r.env}, suffix ${r.suffix}, ${secs(r.durationMs)} in all`];
  for (const s of r.styles) {
    lines.push('', `${s.style} (${s.stack}): ${s.ok ? 'passed' : 'FAILED'}`);
    for (const p of s.phases) {
      const req = s.requests[p.id];
      const counts = req ? `, ${req.total} requests, ${req.errors} errors` : '';
      lines.push(`  ${p.status === 'ok' ? 'ok     ' : p.status === 'failed' ? 'FAILED ' : 'skipped'} ${p.id.padEnd(9)} ${secs(p.durationMs).padStart(12)}${counts}${p.error ? `: ${p.error}` : ''}`);
      for (const n of p.notes ?? []) lines.push(`            ${n}`);
    }
    if (s.rollout) {
      const w = s.rollout.worstCase;
      lines.push(
        `  rollout: cdk deploy ${secs(s.rollout.deployMs)}, new version everywhere after ${secs(s.rollout.newVersionEverywhereMs)}; worst case ${w.seconds === undefined ? 'unknown' : formatSeconds(w.seconds)}${s.rollout.withinWorstCase === false ? ' (EXCEEDED)' : ''} (${w.source})`,
      );
    }
    if (s.rollback) {
      const w = s.rollback.worstCase;
      lines.push(`  rollback drill: cdk deploy failed and rolled back in ${secs(s.rollback.deployMs)} (stack ${s.rollback.stackStatus ?? '?'}; rollout worst case ${w.seconds === undefined ? 'unknown' : formatSeconds(w.seconds)})`);
      if (s.rollback.adapter) lines.push(`  adapter: ${s.rollback.adapter}`);
    }
    for (const u of s.unchecked) lines.push(`  not checked: ${u}`);
    for (const f of s.failures) lines.push(`  failure: ${f}`);
  }
  return lines.join('\n');
}

export function writeReport(file: string, r: E2eReport): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}
