import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import type { EnvReader } from './config.ts';
import type { Logger } from './logger.ts';
import { createReadiness, type Readiness, type ReadinessChecks } from './readiness.ts';

/**
 * A service's operations port: `<SERVICE>_OPS_PORT` (e.g. GATEWAY_OPS_PORT,
 * POSTS_SUBGRAPH_OPS_PORT), else OPS_PORT (one per pod in a cluster), else `fallback`.
 */
export function readOpsPort(env: EnvReader, service: string, fallback: number): number {
  const range = { min: 0, max: 65535 };
  return env.int(`${service.toUpperCase()}_OPS_PORT`, env.int('OPS_PORT', fallback, range), range);
}

export interface OpsServerOptions {
  /** The operations port (`<SERVICE>_OPS_PORT`); 0 picks a free one (tests). */
  readonly port: number;
  /** The interface to listen on; absent: every interface, as a pod's probes need. */
  readonly host?: string;
  /** The process's Prometheus registry, served at /metrics. */
  readonly registry: Registry;
  /** What must hold for the service to take traffic, by name (readiness.ts). */
  readonly checks: ReadinessChecks;
  /** See readiness.ts: one evaluation of the checks serves every probe of this period. */
  readonly cacheMs?: number;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

export interface OpsServer {
  /** e.g. http://127.0.0.1:4011 */
  readonly url: string;
  readonly port: number;
  /** The readiness `/health/ready` answers, from the same cache. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

/**
 * Every service's operations endpoints, on a port of their own so the public port carries the
 * API only: `/health/live` (the process answers), `/health/ready` (200 when every check holds,
 * 503 otherwise, both with the readiness JSON) and `/metrics` (Prometheus text format). In a
 * cluster only the kubelet and Prometheus reach this port.
 */
export async function createOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, logger } = options;
  const readiness = createReadiness({
    checks: options.checks,
    ...(options.cacheMs !== undefined ? { cacheMs: options.cacheMs } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  let wasReady: boolean | undefined;

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(response, 405, { error: 'The operations endpoints answer GET.' }, { allow: 'GET, HEAD' });
    }
    switch (path) {
      case '/health/live':
        return sendJson(response, 200, { status: 'live' });
      case '/health/ready': {
        const answer = await readiness();
        const ready = answer.status === 'ready';
        if (ready !== wasReady) {
          wasReady = ready;
          if (!ready) logger?.warn({ checks: answer.checks }, 'not ready');
        }
        return sendJson(response, ready ? 200 : 503, answer);
      }
      case '/metrics': {
        const text = await registry.metrics();
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
        return;
      }
      default:
        return sendJson(response, 404, { error: `Nothing at ${path}; try /health/live, /health/ready or /metrics.` });
    }
  };

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      logger?.error({ err: error, url: request.url }, 'operations endpoint failed');
      if (!response.headersSent)
        sendJson(response, 500, { error: 'The operations endpoint failed; it has been logged.' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    readiness,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}
