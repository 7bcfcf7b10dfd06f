// @ts-check
'use strict';
// The sample app as a long-running HTTP server: `node server.js`. Listens on PORT (default
// 8080) and shuts down gracefully on SIGTERM/SIGINT: it stops accepting connections, lets
// in-flight requests finish, closes idle keep-alive connections, and exits.
const http = require('node:http');
const { respond, identity } = require('./respond');

/**
 * @param {{ port?: number, host?: string, env?: NodeJS.ProcessEnv, shutdownTimeoutMs?: number }} [options]
 */
function createServer(options = {}) {
  const env = options.env || process.env;
  const id = identity(env);
  let draining = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://localhost');
    const answer = respond({ method: req.method || 'GET', path: url.pathname }, id);
    // While draining, ask keep-alive clients to reconnect elsewhere.
    if (draining) answer.headers.connection = 'close';
    res.writeHead(answer.status, answer.headers);
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  server.keepAliveTimeout = 65_000; // longer than load balancers' idle timeouts (ALB 60 s)

  /** Stops accepting, finishes in-flight requests, resolves once the server is closed. */
  function shutdown() {
    draining = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? 10_000);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve(undefined);
      });
      server.closeIdleConnections();
    });
  }
  return { server, shutdown, id };
}

if (require.main === module) {
  const port = Number(process.env.PORT || 8080);
  const { server, shutdown } = createServer();
  server.listen(port, process.env.HOST, () => {
    const address = server.address();
    console.log(`Listening on port ${address && typeof address === 'object' ? address.port : port}`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      console.log(`${signal} received, draining`);
      shutdown().then(() => process.exit(0));
    });
  }
}

module.exports = { createServer };
