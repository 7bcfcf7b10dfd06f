import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { RollbackResult } from './rollback';
import type { ContainerStatus, ServerlessStatus, ServerStatus, StatusReport, VmStatus } from './status';
import type { VerifyResult } from './verify';
import type { Progress } from './watch';

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

function table(c: Colors, head: string[]): Table.Table {
  return new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, // no rule between rows
  });
}

const dash = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));

function header(c: Colors, r: StatusReport): string {
  return `${c.bold(r.stack)} ${c.dim(`(${r.style}, ${r.region})`)}`;
}

function renderServer(c: Colors, r: ServerStatus): string[] {
  const a = r.association;
  const lines = [
    `URL:          ${dash(r.url)}`,
    `Association:  ${a.id} ${c.dim(`(${dash(a.name)}, association version ${dash(a.associationVersion)})`)} ${paint(c, a.status)}`,
    `App version:  ${dash(a.version)}`,
  ];
  if (a.lastExecution) {
    const e = a.lastExecution;
    const counts = Object.entries(e.counts).map(([k, n]) => `${k}=${n}`).join(', ');
    lines.push(`Last run:     ${paint(c, e.status)} ${c.dim(`${e.executionId} at ${dash(e.createdTime)}${counts ? `, ${counts}` : ''}`)}`);
  } else {
    lines.push('Last run:     the association has not run yet');
  }
  const t = table(c, ['instance', 'state', 'system check', 'instance check', 'app version', 'last run', 'zone']);
  for (const i of r.instances) {
    t.push([i.instanceId, paint(c, i.state), paint(c, i.systemStatus), paint(c, i.instanceStatus), dash(i.version), paint(c, i.associationStatus), dash(i.availabilityZone)]);
  }
  lines.push(t.toString());
  return lines;
}

export function refreshLine(c: Colors, s: VmStatus['refresh']): string {
  if (!s) return 'Instance refresh: none has run on this group';
  const pct = s.rollback?.percentage ?? s.percentage;
  const reason = s.rollback?.reason ?? s.statusReason;
  return `Instance refresh: ${s.id} ${paint(c, s.status)}${pct !== undefined ? ` ${pct}%` : ''}${reason ? c.dim(` (${reason})`) : ''}`;
}

function renderVm(c: Colors, r: VmStatus): string[] {
  const g = r.group;
  const healthy = r.instances.filter((i) => i.health === 'Healthy' && i.lifecycleState === 'InService').length;
  const lines = [
    `URL:              ${dash(r.url)}`,
    `Group:            ${g.name} ${c.dim(`(min ${dash(g.min)}, desired ${dash(g.desired)}, max ${dash(g.max)})`)}; ${healthy}/${r.instances.length} in service and healthy`,
    refreshLine(c, r.refresh),
  ];
  const t = table(c, ['instance', 'lifecycle', 'health', 'template version', 'type', 'zone']);
  for (const i of r.instances) {
    t.push([i.instanceId, paint(c, i.lifecycleState), paint(c, i.health), dash(i.launchTemplateVersion), dash(i.instanceType), dash(i.availabilityZone)]);
  }
  lines.push(t.toString());
  return lines;
}

function renderServerless(c: Colors, r: ServerlessStatus): string[] {
  const split = r.traffic.map((t) => `version ${t.version}: ${t.percent}%`).join(', ');
  const lines = [
    `URL:         ${dash(r.url)} ${c.dim(`(auth ${dash(r.authType)})`)}`,
    `Function:    ${r.functionName}, alias ${r.alias.name} → version ${dash(r.alias.version)}`,
    `Traffic:     ${split || '-'}${r.traffic.length > 1 ? c.yellow('  (shifting)') : ''}`,
  ];
  const d = r.deployment;
  if (d) {
    const versions = d.currentVersion && d.targetVersion ? ` version ${d.currentVersion} → ${d.targetVersion}` : '';
    lines.push(`Deployment:  ${d.id} ${paint(c, d.status)}${versions} ${c.dim(`(${dash(d.config)}, started ${dash(d.createTime)})`)}`);
    if (d.rollback) lines.push(`Rollback:    ${c.red(dash(d.rollback.message))}${d.rollback.rollbackDeploymentId ? c.dim(` (${d.rollback.rollbackDeploymentId})`) : ''}`);
    if (d.error) lines.push(`Error:       ${c.red(d.error)}`);
  } else {
    lines.push('Deployment:  none yet');
  }
  return lines;
}

function renderContainer(c: Colors, r: ContainerStatus): string[] {
  const lines = [`Cluster:     ${r.cluster.name} ${paint(c, r.cluster.status)} ${c.dim(`(Kubernetes ${dash(r.cluster.version)})`)}`];
  if (r.nodegroup) {
    const n = r.nodegroup;
    lines.push(`Node group:  ${n.name} ${paint(c, n.status)} ${c.dim(`(min ${dash(n.min)}, desired ${dash(n.desired)}, max ${dash(n.max)})`)}`);
    for (const issue of n.issues) lines.push(`  ${c.red(issue)}`);
  }
  if (r.deployment) {
    const d = r.deployment;
    lines.push(
      `Deployment:  ${d.namespace}/${d.name} ${d.complete ? c.green('complete') : c.yellow('rolling out')}: ${d.updated}/${d.replicas} updated, ${d.ready} ready, ${d.available} available`,
      `Rollout:     ${d.rollout}`,
    );
  } else {
    lines.push(`Deployment:  not shown: ${dash(r.kubectlProblem)}. Run:`);
    for (const cmd of r.commands) lines.push(`  ${cmd}`);
  }
  return lines;
}

export function renderStatus(r: StatusReport, c: Colors): string {
  const body =
    r.style === 'server' ? renderServer(c, r) : r.style === 'vm' ? renderVm(c, r) : r.style === 'serverless' ? renderServerless(c, r) : renderContainer(c, r);
  return [header(c, r), ...body].join('\n');
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
