import { createServer, type Server } from 'node:http';

import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  readonly port: number;
  readonly metrics: Registry;
  /** Why the process is not ready, or undefined when it is. */
  readonly notReady: () => Promise<string | undefined>;
}

/** /health/live (the process answers), /health/ready (every consumer serves), /metrics (Prometheus). */
export function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, JSON.stringify({ error: 'only GET is served here' }));
    switch (path) {
      case '/health/live':
        return reply(200, JSON.stringify({ status: 'live' }));
      case '/health/ready':
        options.notReady().then(
          (reason) =>
            reason === undefined
              ? reply(200, JSON.stringify({ status: 'ready' }))
              : reply(503, JSON.stringify({ status: 'not ready', reason })),
          (error: unknown) => reply(503, JSON.stringify({ status: 'not ready', reason: String(error) })),
        );
        return;
      case '/metrics':
        options.metrics.metrics().then(
          (text) => reply(200, text, options.metrics.contentType),
          (error: unknown) => reply(500, String(error), 'text/plain'),
        );
        return;
      default:
        return reply(404, JSON.stringify({ error: `no route ${path}; try /health/live, /health/ready or /metrics` }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve(server));
  });
}
