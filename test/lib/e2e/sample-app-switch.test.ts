// The sample app's failure switch for the e2e suite's rollback drill: SAMPLE_APP_FAIL_HEALTH=1 makes the health
// check answer 503 (HTTP server and Lambda handler alike); without it nothing changes.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAIL_HEALTH_ENV } from '../../../lib/e2e/plan';
import { SAMPLE_APP_DIR } from '../../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createServer } = require(path.join(SAMPLE_APP_DIR, 'server.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const respondJs = require(path.join(SAMPLE_APP_DIR, 'respond.js'));

async function get(env: Record<string, string>, p: string): Promise<{ status: number; version?: string; body: string }> {
  const app = createServer({ env: { APP_VERSION: 'v9', REPLICA_ID: 'r1', ...env } });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
  try {
    const port = (app.server.address() as AddressInfo).port;
    return await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, version: res.headers['x-app-version'] as string, body }));
      }).on('error', reject);
    });
  } finally {
    await app.shutdown();
  }
}

describe('SAMPLE_APP_FAIL_HEALTH', () => {
  it('is the name the suite sets (lib/e2e/plan.ts) and the app reads (respond.js)', () => {
    expect(respondJs.FAIL_HEALTH_ENV).toBe(FAIL_HEALTH_ENV);
  });

  it('=1: /healthz answers 503 with the version headers; every other path answers as usual', async () => {
    expect(await get({ [FAIL_HEALTH_ENV]: '1' }, '/healthz')).toEqual({ status: 503, version: 'v9', body: `unhealthy (${FAIL_HEALTH_ENV}=1)\n` });
    expect(await get({ [FAIL_HEALTH_ENV]: '1' }, '/')).toEqual({ status: 200, version: 'v9', body: 'Hello, World!\n' });
  });

  it('off (absent, 0 or anything but 1): the health check and the identity are unchanged', async () => {
    for (const env of [{}, { [FAIL_HEALTH_ENV]: '0' }, { [FAIL_HEALTH_ENV]: 'true' }] as Record<string, string>[]) {
      expect(await get(env, '/healthz')).toEqual({ status: 200, version: 'v9', body: 'ok\n' });
      expect(respondJs.identity({ APP_VERSION: 'v9', REPLICA_ID: 'r1', ...env })).toEqual({ version: 'v9', replica: 'r1' });
    }
  });

  it('the Lambda handler answers the same (it goes through respond.js)', () => {
    const id = respondJs.identity({ APP_VERSION: 'v9', REPLICA_ID: 'r1', [FAIL_HEALTH_ENV]: '1' });
    expect(respondJs.respond({ method: 'GET', path: '/healthz' }, id).status).toBe(503);
    expect(respondJs.respond({ method: 'HEAD', path: '/healthz' }, id).status).toBe(503);
    expect(respondJs.respond({ method: 'GET', path: '/' }, id).status).toBe(200);
  });
});
