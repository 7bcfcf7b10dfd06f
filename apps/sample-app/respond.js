// @ts-check
'use strict';
// The sample app's behaviour, shared by every style: the HTTP server (server, vm and
// container styles) and the Lambda handler (serverless style) both answer through it.
const os = require('node:os');

const HEALTH_PATH = '/healthz';

/**
 * @typedef {{ status: number, headers: Record<string, string>, body: string }} AppResponse
 */

/** The version and replica this process reports in every response. */
function identity(env = process.env) {
  return {
    version: env.APP_VERSION || 'dev',
    replica: env.REPLICA_ID || env.AWS_LAMBDA_LOG_STREAM_NAME || os.hostname(),
  };
}

/**
 * Answers one request. Any path and method gets the book's `Hello, World!`; `GET /healthz`
 * answers `ok` so that load balancers and orchestrators have a cheap probe.
 * @param {{ method: string, path: string }} request
 * @param {{ version: string, replica: string }} id
 * @returns {AppResponse}
 */
function respond(request, id) {
  const headers = {
    'content-type': 'text/plain; charset=utf-8',
    'x-app-version': id.version,
    'x-replica': id.replica,
  };
  if (request.path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
    return { status: 200, headers: { ...headers, 'cache-control': 'no-store' }, body: 'ok\n' };
  }
  return { status: 200, headers, body: 'Hello, World!\n' };
}

/**
 * A plain-text error answer with the same identifying headers.
 * @param {number} status
 * @param {string} message
 * @param {{ version: string, replica: string }} id
 * @returns {AppResponse}
 */
function errorResponse(status, message, id) {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-app-version': id.version, 'x-replica': id.replica },
    body: `${message}\n`,
  };
}

module.exports = { respond, errorResponse, identity, HEALTH_PATH };
