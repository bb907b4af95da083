import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestSubgraph } from '../testing/testSubgraph.ts';
import {
  accountsSdl,
  codesOf,
  composeSupergraph,
  NOTES_SDL,
  postGraphQL,
  startAccountsSubgraph,
  startNotesSubgraph,
  startTestGateway,
  writeSupergraph,
  type GraphQLResponse,
  type TestGateway,
} from '../testing/testWorld.ts';

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('hot reload of the supergraph file', () => {
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
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await accounts?.stop();
    await notes?.stop();
  });

  it('serves a new field without a restart, while requests in flight complete, and keeps it over a broken file', async () => {
    const askBio = () => postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { bio } }' });
    expect(codesOf(await askBio())).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    // Slow requests that are in flight when the new supergraph lands, and a steady stream around it.
    const inFlight: Promise<GraphQLResponse>[] = Array.from({ length: 5 }, () =>
      postGraphQL(gateway.graphqlUrl, { query: '{ slow(ms: 600) account(id: "a1") { name notes(first: 1) { id } } }' }),
    );
    let inFlightDone = false;
    void Promise.all(inFlight).then(() => (inFlightDone = true));
    const stream: Promise<GraphQLResponse>[] = [];
    const streaming = (async () => {
      for (let index = 0; index < 20; index++) {
        stream.push(postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { name } }' }));
        await sleep(40);
      }
    })();
    await sleep(100);
    await writeSupergraph(
      gateway.supergraphPath,
      composeSupergraph([
        { name: 'accounts', url: accounts.url, typeDefs: accountsSdl({ withBio: true }) },
        { name: 'notes', url: notes.url, typeDefs: NOTES_SDL },
      ]),
    );

    await eventually(async () => (await askBio()).body.data?.account !== undefined);
    // The new schema was live while the slow requests were still running.
    expect(inFlightDone).toBe(false);
    expect((await askBio()).body).toEqual({ data: { account: { bio: 'Bio of a1' } } });

    await streaming;
    for (const response of await Promise.all(inFlight)) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        data: { slow: 'slept 600 ms', account: { name: 'Name of a1', notes: [{ id: 'a1-n0' }] } },
      });
    }
    for (const response of await Promise.all(stream)) {
      expect(response.body).toEqual({ data: { account: { name: 'Name of a1' } } });
    }

    // A broken file is rejected: the gateway keeps the supergraph it has.
    await writeSupergraph(
      gateway.supergraphPath,
      'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query',
    );
    await eventually(async () =>
      /gateway_supergraph_reloads_total\{outcome="failure"\} [1-9]/.test(
        await (await fetch(`${gateway.opsUrl}/metrics`)).text(),
      ),
    );
    expect((await askBio()).body).toEqual({ data: { account: { bio: 'Bio of a1' } } });
    const metrics = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_supergraph_reloads_total\{outcome="success"\} 1\b/);
    expect((await fetch(`${gateway.opsUrl}/health/ready`)).status).toBe(200);
  });
});
