// Whole-process timing, interleaved rounds, medians and paired ratios.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/** One command the benchmark runs as a whole process. */
export interface Variant {
  readonly key: string;
  readonly label: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  /** Gives the command a fresh output directory per run (as an env var or an argument). */
  readonly outdir?: 'env' | 'arg';
  readonly cwd?: string;
  /** Record a non-zero exit instead of failing (the sample's `exitCode` says so). */
  readonly allowFailure?: boolean;
}

/** One run of a variant. */
export interface Sample {
  readonly wallMs: number;
  /** user + system CPU of the process tree (from /usr/bin/time), when available. */
  readonly cpuMs?: number;
  /** peak resident set of the largest process (from /usr/bin/time), when available. */
  readonly maxRssMb?: number;
  readonly stdout: string;
  readonly exitCode: number;
}

export class CommandFailed extends Error {}

const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export function tempDir(prefix = 'bench-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs a variant once as a whole process and times it. Throws CommandFailed on a non-zero exit. */
export function runOnce(v: Variant, root: string): Sample {
  const out = v.outdir ? tempDir('bench-out-') : undefined;
  const timeFile = TIME_BIN ? path.join(tempDir('bench-time-'), 't') : undefined;
  const args = [...v.args, ...(v.outdir === 'arg' && out ? ['-o', out] : [])];
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...v.env };
  if (v.outdir === 'env' && out) env.CDK_OUTDIR = out;
  const [cmd, finalArgs] = TIME_BIN ? [TIME_BIN, ['-f', '%U %S %M', '-o', timeFile!, v.cmd, ...args]] : [v.cmd, args];
  const t0 = performance.now();
  const r = spawnSync(cmd, finalArgs, { cwd: v.cwd ?? root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  try {
    if (r.status !== 0 && !v.allowFailure) {
      const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
      throw new CommandFailed(`${v.label}: \`${v.cmd} ${args.join(' ')}\` exited ${r.status ?? r.signal}\n${tail}`);
    }
    let cpuMs: number | undefined;
    let maxRssMb: number | undefined;
    if (timeFile && fs.existsSync(timeFile)) {
      const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const [u, s, m] = last.split(/\s+/).map(Number);
      if ([u, s, m].every(Number.isFinite)) {
        cpuMs = (u + s) * 1000;
        maxRssMb = m / 1024;
      }
    }
    return { wallMs, cpuMs, maxRssMb, stdout: r.stdout ?? '', exitCode: r.status ?? 1 };
  } finally {
    if (out) fs.rmSync(out, { recursive: true, force: true });
    if (timeFile) fs.rmSync(path.dirname(timeFile), { recursive: true, force: true });
  }
}

/** Samples of several variants, measured in the same interleaved rounds. */
export interface Interleaved {
  readonly variants: readonly Variant[];
  readonly samples: Record<string, Sample[]>;
  readonly rounds: number;
}

/**
 * Runs every variant once as a warm-up (not recorded), then `rounds` rounds of every variant,
 * alternating the order (A,B,C then C,B,A) so that drift on a shared machine hits all alike.
 */
export function interleave(variants: readonly Variant[], rounds: number, root: string, log: (s: string) => void): Interleaved {
  const samples: Record<string, Sample[]> = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (const v of variants) {
    log(`  warm-up: ${v.label}`);
    runOnce(v, root);
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const s = runOnce(v, root);
      samples[v.key].push(s);
      log(`  round ${r + 1}/${rounds}: ${v.label}: ${fmtMs(s.wallMs)}${s.cpuMs !== undefined ? ` (cpu ${fmtMs(s.cpuMs)})` : ''}`);
    }
  }
  return { variants, samples, rounds };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function medianOf(samples: readonly Sample[], field: 'wallMs' | 'cpuMs' | 'maxRssMb' = 'wallMs'): number {
  return median(samples.map((s) => s[field]).filter((x): x is number => x !== undefined));
}

/** The median of the per-round ratios a/b (paired: each round's a and b ran back to back). */
export function pairedRatio(a: readonly Sample[], b: readonly Sample[], field: 'wallMs' | 'cpuMs' = 'wallMs'): number {
  const n = Math.min(a.length, b.length);
  const rs: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[i][field];
    const y = b[i][field];
    if (x !== undefined && y !== undefined && y > 0) rs.push(x / y);
  }
  return median(rs);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const a = Math.abs(ms);
  if (a >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (a >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (a >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 1024 ? `${(n / 1024).toFixed(2)} KB (${n} B)` : `${n} B`;
}
