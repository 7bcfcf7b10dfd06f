import { describe, expect, it } from 'vitest';
import { KUBECTL_LAYER_PACKAGES, KUBERNETES_VERSION_CALENDAR, kubernetesSupportStatus, SUPPORTED_KUBERNETES_VERSIONS, type KubernetesVersionSupport } from '../../../constructs/container/kubernetes-version';

// Issue 12, defect 6: EKS's calendar as a table, decided for a given day (never the test run's).
describe('Kubernetes version calendar', () => {
  const entries = Object.entries(KUBERNETES_VERSION_CALENDAR) as [string, KubernetesVersionSupport][];

  it('follows EKS\'s rule: extended support ends 12 months after standard support (estimates bracket it)', () => {
    for (const [v, s] of entries) {
      const standard = new Date(s.endOfStandardSupport);
      const extended = new Date(s.endOfExtendedSupport);
      const plusYear = new Date(standard);
      plusYear.setUTCFullYear(standard.getUTCFullYear() + 1);
      if (s.estimated) expect(extended >= plusYear, v).toBe(true);
      else expect(s.endOfExtendedSupport, v).toBe(plusYear.toISOString().slice(0, 10));
    }
  });

  it('lists versions in order, each leaving standard support after the previous one, each with a kubectl layer package', () => {
    const standards = entries.map(([, s]) => s.endOfStandardSupport);
    expect([...standards].sort()).toEqual(standards);
    for (const v of SUPPORTED_KUBERNETES_VERSIONS) expect(KUBECTL_LAYER_PACKAGES[v].pkg).toBe(`@aws-cdk/lambda-layer-kubectl-v${v.split('.')[1]}`);
  });

  it('decides standard, extended and ended by the day given (1.34: 2 Dec 2026 and 2 Dec 2027, EKS\'s calendar)', () => {
    expect(kubernetesSupportStatus('1.34', '2026-12-01')).toBe('standard');
    expect(kubernetesSupportStatus('1.34', '2026-12-02')).toBe('extended'); // billing starts at the beginning of the day (UTC)
    expect(kubernetesSupportStatus('1.34', '2027-12-01')).toBe('extended');
    expect(kubernetesSupportStatus('1.34', '2027-12-02')).toBe('ended');
  });
});
