// Rendering for people: the status header (each style's lines come from its adapter in styles/), verify, rollback
// and watch progress.
import { paint, table, type Colors } from './paint';
import type { RollbackResult } from './rollback';
import type { StatusReport } from './status';
import type { Style } from './stack-outputs';
import { adapterFor } from './styles';
import type { VerifyResult } from './verify';
import type { Progress } from './watch';

export { colors, paint, type Colors } from './paint';

function header(c: Colors, r: StatusReport): string {
  return `${c.bold(r.stack)} ${c.dim(`(${r.style}, ${r.region})`)}`;
}

/** A status report for people: the common header, then the style's own lines (its adapter's render). */
export function renderStatus(r: StatusReport, c: Colors): string {
  return [header(c, r), ...adapterFor<Style>(r.style).render(r, c)].join('\n');
}

export function renderVerify(r: VerifyResult, c: Colors): string {
  const lines = [
    `${c.bold('verify')} ${r.url} ${c.dim(`(${r.concurrency} at a time, timeout ${r.timeoutMs} ms, ${r.durationMs} ms in all)`)}`,
    `total ${r.total}, ok ${r.ok}, errors ${r.errors ? c.red(String(r.errors)) : c.green('0')}`,
  ];
  const replicas = table(c, ['replica (x-replica)', 'responses', 'errors', 'share']);
  for (const [name, v] of Object.entries(r.replicas).sort()) {
    replicas.push([name, v.responses, v.errors ? c.red(String(v.errors)) : '0', `${Math.round((v.responses / r.total) * 100)}%`]);
  }
  const versions = table(c, ['version (x-app-version)', 'responses']);
  for (const [name, n] of Object.entries(r.versions).sort()) versions.push([name, n]);
  if (Object.keys(r.replicas).length) lines.push(replicas.toString());
  if (Object.keys(r.versions).length) lines.push(versions.toString());
  if (r.errors) {
    lines.push(`errors: ${Object.entries(r.errorKinds).map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
  const l = r.latencyMs;
  lines.push(l ? `latency ms: p50 ${l.p50}, p95 ${l.p95}, p99 ${l.p99} (min ${l.min}, max ${l.max}, mean ${l.mean})` : 'latency ms: p50 -, p95 -, p99 - (no answers)');
  return lines.join('\n');
}

export function renderRollback(r: RollbackResult, c: Colors): string {
  const lines = [`${c.bold(r.stack)} ${c.dim(`(${r.style})`)}: ${r.changed ? c.yellow('rolled back') : 'nothing changed'}`];
  for (const d of r.done) lines.push(`${c.green('did:')}     ${d}`);
  for (const d of r.cannot) lines.push(`${c.yellow('cannot:')}  ${d}`);
  for (const d of r.next) lines.push(`${c.dim('next:')}    ${d}`);
  return lines.join('\n');
}

export function renderProgress(p: Progress, c: Colors): string {
  return `${p.subject}: ${paint(c, p.status)}${p.percent !== undefined ? ` ${p.percent}%` : ''} ${c.dim(p.message)}`;
}
