import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestSubgraph } from '../testing/testSubgraph.ts';
import {
  accountsSdl,
  codesOf,
  NOTES_SDL,
  postGraphQL,
  startAccountsSubgraph,
  startNotesSubgraph,
  startTestGateway,
  type TestGateway,
} from '../testing/testWorld.ts';

describe('when a subgraph fails, only its fields are lost', () => {
  let accounts: TestSubgraph;
  let notes: TestSubgraph;
  let gateway: TestGateway;

  beforeAll(async () => {
    accounts = await startAccountsSubgraph();
    notes = await startNotesSubgraph();
    gateway = await startTestGateway({
      subgraphs: [
        { name: 'accounts', url: accounts.url, typeDefs: accountsSdl({ withBio: false }) },
        { name: 'notes', url: notes.url, typeDefs: NOTES_SDL },
      ],
      env: { SUBGRAPH_TIMEOUT_MS: '400', GATEWAY_READINESS_TIMEOUT_MS: '400' },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await accounts?.stop();
    await notes?.stop();
  });

  it('answers with partial data and SUBGRAPH_UNAVAILABLE, quickly, while a subgraph is down', async () => {
    await notes.stop();
    try {
      const response = await postGraphQL(gateway.graphqlUrl, {
        query: '{ account(id: "a1") { id name notes { id } } notes { id } }',
      });

      expect(response.status).toBe(200);
      expect(response.ms).toBeLessThan(1000);
      expect(response.body.data).toEqual({ account: { id: 'a1', name: 'Name of a1', notes: null }, notes: null });
      expect(codesOf(response).length).toBeGreaterThan(0);
      for (const error of response.body.errors ?? []) {
        expect(error.extensions).toMatchObject({
          code: 'SUBGRAPH_UNAVAILABLE',
          subgraph: 'notes',
          reason: 'unreachable',
        });
        expect(error.message).toMatch(/notes subgraph is unavailable/);
      }

      // Readiness is evaluated at most once a second, whatever the number of probes.
      await expect
        .poll(async () => (await fetch(`${gateway.opsUrl}/health/ready`)).status, { timeout: 3_000 })
        .toBe(503);
      expect(await (await fetch(`${gateway.opsUrl}/health/ready`)).json()).toEqual({
        status: 'not_ready',
        checks: {
          serving: { ok: true },
          'subgraph:accounts': { ok: true, detail: expect.stringMatching(/^answered in \d+ ms$/) },
          'subgraph:notes': { ok: false, detail: 'unreachable' },
        },
      });
      expect((await fetch(`${gateway.opsUrl}/health/live`)).status).toBe(200);
    } finally {
      await notes.start();
    }

    // Back up: the same gateway, untouched, answers in full and is ready again.
    const recovered = await postGraphQL(gateway.graphqlUrl, {
      query: '{ account(id: "a1") { notes(first: 1) { id } } }',
    });
    expect(recovered.body).toEqual({ data: { account: { notes: [{ id: 'a1-n0' }] } } });
    await expect.poll(async () => (await fetch(`${gateway.opsUrl}/health/ready`)).status, { timeout: 3_000 }).toBe(200);

    const metrics = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_subgraph_fetch_errors_total\{subgraph="notes",reason="unreachable"\} [1-9]/);
    expect(metrics).toMatch(/gateway_graphql_requests_total\{operation_type="query",outcome="partial"\} [1-9]/);
  });

  it('gives up on a subgraph that hangs after SUBGRAPH_TIMEOUT_MS, keeping the other fields', async () => {
    const response = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a2") { name } stalled }' });

    expect(response.status).toBe(200);
    expect(response.ms).toBeGreaterThanOrEqual(350);
    expect(response.ms).toBeLessThan(2000);
    expect(response.body.data).toEqual({ account: { name: 'Name of a2' }, stalled: null });
    expect(response.body.errors?.map((error) => error.extensions)).toEqual([
      { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'notes', reason: 'timeout', retryable: true },
    ]);

    const metrics = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_subgraph_fetch_errors_total\{subgraph="notes",reason="timeout"\} [1-9]/);
  });
});
