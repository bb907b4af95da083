import { createLogger } from '@verograph/service';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { createPublicEntityCache } from '../entityCache/publicEntityCache.ts';
import { createGatewayMetrics } from '../observability/gatewayMetrics.ts';
import { createSubgraphDataSource } from './subgraphDataSource.ts';
import type { SubgraphHttpClient } from './subgraphHttpClient.ts';

const PROFILE_FETCH =
  'query Live__users__1($representations:[_Any!]!){_entities(representations:$representations){...on User{username displayName}}}';
const author = { representations: [{ __typename: 'User', id: 'author' }] };

/** A subgraph that answers each POST when told to, counting what it was sent. */
function heldSubgraph() {
  const sent: string[] = [];
  const waiting: Array<() => void> = [];
  const http: SubgraphHttpClient = {
    async postJson(_url, _headers, body) {
      sent.push(body);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return JSON.parse(body).query.startsWith('mutation')
        ? { data: { createPost: { status: 'APPLIED' } } }
        : { data: { _entities: [{ username: 'author', displayName: 'The Author' }] } };
    },
    close() {},
  };
  return { http, sent, answerAll: () => waiting.splice(0).forEach((resolve) => resolve()) };
}

function liveCache() {
  const cache = createPublicEntityCache({ ttlMs: 60_000, maxEntries: 100 });
  cache.setLive(true);
  return cache;
}

/** One subgraph's data source over `cache`, which the gateway shares between all of them. */
function sourceFor(name: string, http: SubgraphHttpClient, cache = liveCache()) {
  const registry = new Registry();
  const source = createSubgraphDataSource({
    name,
    url: `http://${name}.test/graphql`,
    signingSecret: 'unit-test-signing-secret',
    timeoutMs: 1_000,
    metrics: createGatewayMetrics(registry),
    logger: createLogger('subgraph-data-source-unit', 'silent'),
    http,
    entityCache: cache,
  });
  const fetch = (viewerId: string, query: string, variables: Record<string, unknown>) =>
    source.process({
      kind: 'incoming operation',
      request: { query, variables },
      context: { viewerId },
    } as unknown as Parameters<typeof source.process>[0]);
  return { cache, registry, fetch };
}

describe('subgraph data source', () => {
  it('given twenty viewers asking for the same public entity at once, then one request goes out and each gets its own copy', async () => {
    const subgraph = heldSubgraph();
    const { fetch, registry } = sourceFor('users', subgraph.http);
    const answers = Array.from({ length: 20 }, (_, i) => fetch(`viewer-${i}`, PROFILE_FETCH, author));
    await new Promise((resolve) => setImmediate(resolve));
    expect(subgraph.sent).toHaveLength(1);
    subgraph.answerAll();
    const responses = await Promise.all(answers);
    for (const response of responses) {
      expect(response.data).toEqual({ _entities: [{ username: 'author', displayName: 'The Author' }] });
    }
    expect(new Set(responses.map((r) => (r.data as { _entities: object[] })._entities[0])).size).toBe(20);
    const lookups = await registry.getSingleMetricAsString('gateway_entity_cache_lookups_total');
    expect(lookups).toContain('result="miss"} 1');
    expect(lookups).toContain('result="shared"} 19');
    // And the next one is answered from the cache.
    expect((await fetch('viewer-x', PROFILE_FETCH, author)).data).toEqual({
      _entities: [{ username: 'author', displayName: 'The Author' }],
    });
    expect(subgraph.sent).toHaveLength(1);
  });

  it('keeps the viewer’s cached profile across a mutation of a subgraph that holds no cached entity', async () => {
    const subgraph = heldSubgraph();
    const users = sourceFor('users', subgraph.http);
    const first = users.fetch('author', PROFILE_FETCH, author);
    await new Promise((resolve) => setImmediate(resolve));
    subgraph.answerAll();
    await first;
    expect(users.cache.size).toBe(1);

    const posts = sourceFor('posts', subgraph.http, users.cache);
    const createPost = posts.fetch('author', 'mutation { createPost { status } }', {});
    await new Promise((resolve) => setImmediate(resolve));
    subgraph.answerAll();
    await createPost;
    expect(users.cache.size).toBe(1);

    const updateProfile = users.fetch('author', 'mutation { updateProfile { status } }', {});
    await new Promise((resolve) => setImmediate(resolve));
    subgraph.answerAll();
    await updateProfile;
    expect(users.cache.size).toBe(0);
  });
});
