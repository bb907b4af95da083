/**
 * Every service's operations endpoints, on the whole system as separate processes (issue 12,
 * item 13): health, readiness and metrics answer on the operations port only, in one readiness
 * shape for every service; a public port answers its API and nothing else.
 */
import { describe, expect, inject, it } from 'vitest';

const services = inject('services');

describe('the operations endpoints', () => {
  it('are on each service’s operations port, with one readiness shape for every service', async () => {
    expect(services.map((s) => s.name).sort()).toEqual(
      ['collections', 'gateway', 'insights', 'posts', 'projectors', 'search', 'users', 'writers'].sort(),
    );
    for (const { name, opsUrl } of services) {
      expect(await (await fetch(`${opsUrl}/health/live`)).json(), name).toEqual({ status: 'live' });
      const ready = await fetch(`${opsUrl}/health/ready`);
      expect(ready.status, name).toBe(200);
      const body = (await ready.json()) as { status: string; checks: Record<string, unknown> };
      expect(Object.keys(body).sort(), name).toEqual(['checks', 'status']);
      expect(body.status, name).toBe('ready');
      expect(Object.keys(body.checks).length, name).toBeGreaterThan(0);
      for (const [check, result] of Object.entries(body.checks)) {
        expect(result, `${name} ${check}`).toMatchObject({ ok: true });
        expect(
          Object.keys(result as object).every((key) => key === 'ok' || key === 'detail'),
          `${name} ${check}`,
        ).toBe(true);
      }
      const metrics = await fetch(`${opsUrl}/metrics`);
      expect(metrics.headers.get('content-type'), name).toContain('text/plain');
      expect(await metrics.text(), name).toContain(`service="`);
    }
  });

  it('are not on a public port, which answers 404 to them', async () => {
    const withApi = services.filter((s) => s.url !== undefined);
    expect(withApi.map((s) => s.name).sort()).toEqual([
      'collections',
      'gateway',
      'insights',
      'posts',
      'search',
      'users',
    ]);
    for (const { name, url, opsUrl } of withApi) {
      expect(url, name).not.toBe(opsUrl);
      for (const path of ['/health/live', '/health/ready', '/metrics']) {
        expect((await fetch(`${url}${path}`)).status, `${name} ${path}`).toBe(404);
      }
    }
  });
});
