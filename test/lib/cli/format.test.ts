import { describe, expect, it } from 'vitest';
import { colors, paint, renderRollback, renderStatus, renderVerify } from '../../../lib/cli/format';
import type { VerifyResult } from '../../../lib/cli/verify';

const plain = colors(false);
const ansi = colors(true);

describe('formatting for people', () => {
  it('colours statuses only when colours are on: good green, bad red, the rest yellow', () => {
    expect(paint(plain, 'Failed')).toBe('Failed');
    expect(paint(ansi, 'InService')).toBe('\u001b[32mInService\u001b[39m');
    expect(paint(ansi, 'RollbackSuccessful')).toContain('\u001b[31m');
    expect(paint(ansi, 'Pending')).toContain('\u001b[33m');
    expect(paint(plain, undefined)).toBe('-');
  });

  it('shows a verify run with errors by kind and per replica', () => {
    const r: VerifyResult = {
      url: 'http://x/',
      total: 10,
      ok: 7,
      errors: 3,
      replicas: { a: { responses: 5, errors: 0 }, b: { responses: 3, errors: 1 } },
      versions: { v1: 8 },
      statuses: { '200': 7, '503': 1 },
      errorKinds: { 'HTTP 503': 1, 'timeout after 100 ms': 2 },
      latencyMs: { min: 1, p50: 2, p95: 3, p99: 4, max: 5, mean: 2.5 },
      durationMs: 10,
      concurrency: 2,
      timeoutMs: 100,
    };
    const text = renderVerify(r, plain);
    expect(text).toContain('total 10, ok 7, errors 3');
    expect(text).toMatch(/│ b\s+│ 3\s+│ 1\s+│ 30%/);
    expect(text).toContain('errors: HTTP 503 ×1, timeout after 100 ms ×2');
    expect(text).toContain('latency ms: p50 2, p95 3, p99 4 (min 1, max 5, mean 2.5)');
  });

  it('says what a rollback did, could not do, and what to run next', () => {
    const text = renderRollback({ style: 'vm', stack: 'S', changed: true, done: ['Did A.'], cannot: ['Cannot B.'], next: ['cdk-orchestrate watch S'] }, plain);
    expect(text).toBe('S (vm): rolled back\ndid:     Did A.\ncannot:  Cannot B.\nnext:    cdk-orchestrate watch S');
  });

  it('prints the kubectl commands when the Deployment cannot be read', () => {
    const text = renderStatus(
      { style: 'container', stack: 'C', region: 'eu-west-1', cluster: { name: 'c', status: 'ACTIVE' }, kubectlProblem: 'kubectl is not on PATH', commands: ['aws eks update-kubeconfig --name c', 'kubectl rollout status deployment/app -n ns'] },
      plain,
    );
    expect(text).toContain('Deployment:  not shown: kubectl is not on PATH. Run:\n  aws eks update-kubeconfig --name c\n  kubectl rollout status deployment/app -n ns');
  });
});
