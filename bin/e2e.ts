// The end-to-end suite on real AWS: `npm run e2e -- --style <server|vm|container|serverless|all> [--env dev|prod]
// [--dry-run]` (docs/e2e.md). Never part of `npm test`; its unit tests (test/lib/e2e) are.
import { main } from '../lib/e2e/main';

// Ctrl-C once: skip what is left, but still destroy the stack and check for leftovers (the cdk process running
// gets the signal too and stops). Twice: quit now, leaving whatever is deployed.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) {
    process.stderr.write('\ne2e: interrupted twice: quitting now; the stack may be left behind (see the work dir printed above).\n');
    process.exit(130);
  }
  process.stderr.write('\ne2e: interrupted: skipping what is left, then destroying the stack (Ctrl-C again to quit now).\n');
  interrupt.abort();
});

main(process.argv.slice(2), { signal: interrupt.signal }).then(
  (code) => {
    process.exitCode = interrupt.signal.aborted && code === 0 ? 130 : code;
  },
  (err: unknown) => {
    process.stderr.write(`e2e: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
