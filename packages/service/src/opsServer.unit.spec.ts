import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { envReader } from './config.ts';
import { createOpsServer, readOpsPort, type OpsServer } from './opsServer.ts';

describe('the operations endpoints', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  async function start(ready: boolean) {
    const registry = new Registry();
    new Counter({ name: 'messages_processed_total', help: 'h', registers: [registry] }).inc(3);
    server = await createOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      checks: {
        cassandra: () => ({ ok: true }),
        'writer:posts': () => (ready ? { ok: true } : { ok: false, detail: 'not in its consumer group' }),
      },
    });
    const url = server.url;
    return (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  }

  it('answers live, ready and metrics', async () => {
    const get = await start(true);
    expect(await (await get('/health/live')).json()).toEqual({ status: 'live' });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { cassandra: { ok: true }, 'writer:posts': { ok: true } },
    });
    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('messages_processed_total 3');
  });

  it('is live but not ready while a check fails, and says which; 404 and 405 elsewhere', async () => {
    const get = await start(false);
    expect((await get('/health/live')).status).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      checks: { cassandra: { ok: true }, 'writer:posts': { ok: false, detail: 'not in its consumer group' } },
    });
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/health/ready', { method: 'POST' })).status).toBe(405);
  });

  it('reads the port from <SERVICE>_OPS_PORT, then OPS_PORT, then the default', () => {
    expect(readOpsPort(envReader({}), 'gateway', 4010)).toBe(4010);
    expect(readOpsPort(envReader({ OPS_PORT: '9000' }), 'gateway', 4010)).toBe(9000);
    expect(readOpsPort(envReader({ OPS_PORT: '9000', GATEWAY_OPS_PORT: '9100' }), 'gateway', 4010)).toBe(9100);
    expect(readOpsPort(envReader({ POSTS_SUBGRAPH_OPS_PORT: '9012' }), 'posts_subgraph', 4012)).toBe(9012);
    expect(() => readOpsPort(envReader({ GATEWAY_OPS_PORT: 'x' }), 'gateway', 4010)).toThrow(/GATEWAY_OPS_PORT/);
  });
});
