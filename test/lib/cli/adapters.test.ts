// The style adapters: one per style, each with status, poll, rollback and render. Completeness is the compiler's
// job (ADAPTERS `satisfies AdapterMap`); the @ts-expect-error lines below fail `tsc --noEmit` if it stops checking.
import { describe, expect, it } from 'vitest';
import { ADAPTERS, type AdapterMap } from '../../../lib/cli/styles';
import { STYLES } from '../../../lib/cli/stack-outputs';

describe('style adapters', () => {
  it('has one adapter per style, each with the four operations', () => {
    expect(Object.keys(ADAPTERS).sort()).toEqual([...STYLES].sort());
    for (const adapter of Object.values(ADAPTERS)) {
      expect(Object.keys(adapter).sort()).toEqual(['poll', 'render', 'rollback', 'status']);
    }
  });

  it('does not compile without a style, or with an adapter missing an operation', () => {
    const { server, vm, container } = ADAPTERS;
    // @ts-expect-error serverless is missing
    const missingStyle: AdapterMap = { server, vm, container };
    const { render: _render, ...withoutRender } = ADAPTERS.serverless;
    // @ts-expect-error the serverless adapter has no render
    const missingMethod: AdapterMap = { server, vm, container, serverless: withoutRender };
    // @ts-expect-error the vm adapter under the server key: its status takes a vm stack
    const swapped: AdapterMap = { server: vm, vm, container, serverless: ADAPTERS.serverless };
    expect([missingStyle, missingMethod, swapped]).toHaveLength(3);
  });
});
