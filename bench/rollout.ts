// Section 4 of the benchmark: worst-case rollout durations from lib/rollout-estimate.ts for
// the vm and server sample defaults against the book's settings. The estimator is written in
// parallel (the vm style); until its API is wired here, the section lists what it exports.
// Wire it by returning table lines from rolloutSection: the vm sample defaults vs the book's
// instance refresh (min healthy 100 %, max 200 %, health check interval 30 s × 2, deregistration
// delay 300 s, grace 300 s) and the server sample defaults vs the book's Ansible run (serial: 1,
// max_fail_percentage: 30).

/** Lines of BENCHMARKS.md for the rollout section, given the estimator module. */
export function rolloutSection(estimator: Record<string, unknown>): string[] {
  const exported = Object.keys(estimator).filter((k) => k !== 'default');
  return [
    `The estimator exists (lib/rollout-estimate.ts exports: ${exported.join(', ') || 'nothing'}), but bench/rollout.ts does not`,
    'call it yet: the comparison of the vm and server sample defaults against the book\'s settings is still to be wired.',
    '',
  ];
}
