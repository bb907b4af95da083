import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

export interface OpsServer {
  /** Resolves with the port it listens on (useful when asked for port 0). */
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Liveness, readiness and metrics over plain node:http: `/health/live` answers while the
 * process runs; `/health/ready` only while every writer is in its consumer group and the
 * engines answer; `/metrics` in the Prometheus text format.
 */
export function createOpsServer(options: {
  readonly metrics: Registry;
  readonly ready: () => { ready: boolean; checks: Record<string, boolean> };
}): OpsServer {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { error: 'only GET' });
    if (path === '/health/live') return json(200, { status: 'live' });
    if (path === '/health/ready') {
      const { ready, checks } = options.ready();
      return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    }
    if (path === '/metrics') {
      options.metrics
        .metrics()
        .then((text) => {
          response.writeHead(200, { 'content-type': options.metrics.contentType });
          response.end(text);
        })
        .catch((error: unknown) => json(500, { error: String(error) }));
      return;
    }
    return json(404, { error: `no ${path} here; try /health/live, /health/ready or /metrics` });
  });
  return {
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
