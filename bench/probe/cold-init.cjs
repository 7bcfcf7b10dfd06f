// @ts-check
'use strict';
// Cold initialisation of a Lambda handler in a fresh Node process: load the code and answer
// the first Function URL event (payload format 2.0), as the Node.js runtime does after its
// own start-up. Usage: node cold-init.cjs <code directory> <file.export>
// Prints one JSON line: { initMs, firstMs, statusCode }.
const { performance } = require('node:perf_hooks');
const path = require('node:path');

const t0 = performance.now();
const [dir, handler] = process.argv.slice(2);
const dot = handler.lastIndexOf('.');
const mod = require(path.resolve(dir, handler.slice(0, dot)));
const fn = mod[handler.slice(dot + 1)];
const t1 = performance.now();
const event = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/',
  rawQueryString: '',
  headers: { host: 'example.lambda-url.eu-west-1.on.aws', 'user-agent': 'bench' },
  requestContext: {
    accountId: 'anonymous',
    apiId: 'example',
    domainName: 'example.lambda-url.eu-west-1.on.aws',
    http: { method: 'GET', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: 'bench',
    routeKey: '$default',
    stage: '$default',
    time: '27/Nov/2026:10:00:00 +0000',
    timeEpoch: 1795773600000,
  },
  isBase64Encoded: false,
};
Promise.resolve(fn(event, { awsRequestId: 'bench' })).then((res) => {
  const t2 = performance.now();
  process.stdout.write(`${JSON.stringify({ initMs: t1 - t0, firstMs: t2 - t0, statusCode: res && res.statusCode })}\n`);
});
