import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { createOpsServer, type OpsServer } from './opsServer.ts';

describe('the ops endpoints', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  async function start(ready: boolean) {
    const metrics = new Registry();
    new Counter({ name: 'messages_processed_total', help: 'h', registers: [metrics] }).inc(3);
    server = createOpsServer({ metrics, ready: () => ({ ready, checks: { 'writer:posts': ready, cassandra: true } }) });
    const port = await server.listen(0);
    return (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  }

  it('answers live, ready and metrics', async () => {
    const get = await start(true);
    expect((await get('/health/live')).status).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { 'writer:posts': true, cassandra: true } });
    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('messages_processed_total 3');
  });

  it('is live but not ready while a writer is out of its group, and says which', async () => {
    const get = await start(false);
    expect((await get('/health/live')).status).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', checks: { 'writer:posts': false } });
    expect((await get('/nope')).status).toBe(404);
  });
});
