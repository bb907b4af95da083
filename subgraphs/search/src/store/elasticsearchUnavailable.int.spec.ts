import type { Client } from '@elastic/elasticsearch';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { localCassandra } from '@verograph/subgraph-kit/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSearchSubgraph } from '../searchSubgraph.ts';
import { askAs, closedPort, codes, ELASTICSEARCH_URL, run, silentLogger, TEST_SECRET } from '../testing/testEngines.ts';
import { createElasticsearchClient } from './elasticsearch.ts';

// `__typename` stands for the rest of a query: what else was asked must survive the outage.
const SEARCH = 'query ($q: String!) { __typename search(query: $q) { edges { node { __typename } } } }';

let cql: Awaited<ReturnType<typeof localCassandra>>;

async function start(elasticsearch: Client, indices?: { users: string; posts: string; audiences: string }) {
  return startSearchSubgraph({
    elasticsearch,
    cassandra: cql,
    ...(indices ? { indices } : {}),
    logger: silentLogger,
    metrics: new Registry(),
    port: 0,
    host: '127.0.0.1',
    signingSecret: TEST_SECRET,
  });
}

describe('search subgraph when Elasticsearch cannot serve', () => {
  let down: SubgraphServer;
  let missing: SubgraphServer;
  let downClient: Client;
  let missingClient: Client;

  beforeAll(async () => {
    cql = await localCassandra('search-subgraph-es-down-int');
    downClient = createElasticsearchClient({ url: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 2_000 });
    down = await start(downClient);
    // A node that answers, but indices that were never migrated.
    missingClient = createElasticsearchClient({ url: ELASTICSEARCH_URL, requestTimeoutMs: 2_000 });
    missing = await start(missingClient, {
      users: `users-missing${run}`,
      posts: `posts-missing${run}`,
      audiences: `audiences-missing${run}`,
    });
  });

  afterAll(async () => {
    await down?.close();
    await missing?.close();
    await downClient?.close();
    await missingClient?.close();
    await cql?.shutdown();
  });

  for (const [who, viewerId] of [
    ['a signed-in viewer', `viewer-${run}`],
    ['an anonymous viewer', undefined],
  ] as const) {
    it(`given a closed port, when ${who} searches, then search is null with STORE_UNAVAILABLE and the rest is answered`, async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await askAs(down.url, viewerId, SEARCH, { q: 'alice' });
        expect(answer.status).toBe(200);
        expect(codes(answer)).toEqual(['STORE_UNAVAILABLE']);
        expect(answer.data).toEqual({ __typename: 'Query', search: null });
        expect(answer.errors![0]!.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      }
    });
  }

  it('given indices that do not exist, when searching, then STORE_UNAVAILABLE too', async () => {
    expect(codes(await askAs(missing.url, `viewer-${run}`, SEARCH, { q: 'alice' }))).toEqual(['STORE_UNAVAILABLE']);
  });

  it('given Elasticsearch down or unmigrated, when health is asked, then live but not ready', async () => {
    for (const server of [down, missing]) {
      const base = server.opsUrl;
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    }
  });
});
