// @ts-check
'use strict';
// The sample app as a Lambda handler behind a Function URL (payload format 2.0).
// It answers exactly like server.js, through the same respond() function.
const { respond, errorResponse, identity } = require('./respond');

const id = identity();

/**
 * @param {any} event a Function URL event (payload format 2.0)
 */
exports.handler = async (event) => {
  const http = event && typeof event === 'object' && event.requestContext && event.requestContext.http;
  if (!http || typeof http.method !== 'string' || typeof http.path !== 'string') {
    return toUrlResult(errorResponse(400, 'Bad Request: not a Function URL event', id));
  }
  return toUrlResult(respond({ method: http.method, path: http.path }, id));
};

/** @param {import('./respond').AppResponse} r */
function toUrlResult(r) {
  return { statusCode: r.status, headers: r.headers, body: r.body, isBase64Encoded: false };
}
