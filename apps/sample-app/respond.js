// @ts-check
'use strict';
// The sample app's behaviour, shared by every style: the HTTP server (server, vm and
// container styles) and the Lambda handler (serverless style) both answer through it.
const os = require('node:os');

const HEALTH_PATH = '/healthz';
/**
 * The failure switch of the end-to-end suite's rollback drill (docs/e2e.md): with
 * `SAMPLE_APP_FAIL_HEALTH=1` in its environment, the app answers its health check with 503
 * (every other path as usual), so a rollout of that version must fail and be rolled back.
 */
const FAIL_HEALTH_ENV = 'SAMPLE_APP_FAIL_HEALTH';

/**
 * @typedef {{ status: number, headers: Record<string, string>, body: string }} AppResponse
 * @typedef {{ version: string, replica: string, failHealth?: true }} AppIdentity
 */

/**
 * The version and replica this process reports in every response (and `failHealth` when the
 * failure switch is on: absent otherwise, so the identity is unchanged without the switch).
 * @returns {AppIdentity}
 */
function identity(env = process.env) {
  return {
    version: env.APP_VERSION || 'dev',
    replica: env.REPLICA_ID || env.AWS_LAMBDA_LOG_STREAM_NAME || os.hostname(),
    ...(env[FAIL_HEALTH_ENV] === '1' ? { failHealth: /** @type {true} */ (true) } : {}),
  };
}

/**
 * Answers one request. Any path and method gets the book's `Hello, World!`; `GET /healthz`
 * answers `ok` so that load balancers and orchestrators have a cheap probe (503 `unhealthy`
 * when the failure switch is on).
 * @param {{ method: string, path: string }} request
 * @param {AppIdentity} id
 * @returns {AppResponse}
 */
function respond(request, id) {
  const headers = {
    'content-type': 'text/plain; charset=utf-8',
    'x-app-version': id.version,
    'x-replica': id.replica,
  };
  if (request.path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
    if (id.failHealth) {
      return { status: 503, headers: { ...headers, 'cache-control': 'no-store' }, body: `unhealthy (${FAIL_HEALTH_ENV}=1)\n` };
    }
    return { status: 200, headers: { ...headers, 'cache-control': 'no-store' }, body: 'ok\n' };
  }
  return { status: 200, headers, body: 'Hello, World!\n' };
}

/**
 * A plain-text error answer with the same identifying headers.
 * @param {number} status
 * @param {string} message
 * @param {AppIdentity} id
 * @returns {AppResponse}
 */
function errorResponse(status, message, id) {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-app-version': id.version, 'x-replica': id.replica },
    body: `${message}\n`,
  };
}

module.exports = { respond, errorResponse, identity, HEALTH_PATH, FAIL_HEALTH_ENV };
