import {
  createLogger,
  VIEWER_BATCH_HEADER,
  verifyViewer,
  viewerBatchOperation,
  type ViewerBatchBody,
} from '@verograph/service';
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

/** A subgraph that answers at once with `answer`, recording each request's headers and body. */
function scriptedSubgraph(answer: (headers: Record<string, string>, body: string) => Record<string, unknown>) {
  const sent: Array<{ headers: Record<string, string>; body: string }> = [];
  const http: SubgraphHttpClient = {
    async postJson(_url, headers, body) {
      sent.push({ headers, body });
      return answer(headers, body);
    },
    close() {},
  };
  return { http, sent };
}

const SECRET = 'unit-test-signing-secret';
const POST_FETCH = 'query Live__posts__0($id:ID!){post(id:$id){id caption}}';

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
    signingSecret: SECRET,
    timeoutMs: 1_000,
    metrics: createGatewayMetrics(registry),
    logger: createLogger('subgraph-data-source-unit', 'silent'),
    http,
    entityCache: cache,
  });
  const fetch = (viewerId: string, query: string, variables: Record<string, unknown>, viewerBatching = false) =>
    source.process({
      kind: 'incoming operation',
      request: { query, variables },
      context: { viewerId, ...(viewerBatching ? { viewerBatching } : {}) },
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

  describe('viewer batches (live deliveries)', () => {
    /** Answers a batch with each viewer's id, a single request with its own viewer's. */
    const echoViewers = (headers: Record<string, string>, body: string) => {
      if (headers[VIEWER_BATCH_HEADER] === undefined) return { data: { post: { id: headers['x-viewer-id'] } } };
      const batch = JSON.parse(body) as ViewerBatchBody;
      return { results: batch.viewers.map((v) => ({ data: { post: { id: v.headers['x-viewer-id'] } } })) };
    };

    it('given twenty recipients of one post resolved at once, then one request carries each viewer signed, and each gets its own answer', async () => {
      const subgraph = scriptedSubgraph(echoViewers);
      const { fetch } = sourceFor('posts', subgraph.http);
      const viewers = Array.from({ length: 20 }, (_, i) => `viewer-${i}`);
      const answers = await Promise.all(viewers.map((v) => fetch(v, POST_FETCH, { id: 'p1' }, true)));
      expect(answers.map((a) => (a.data as { post: { id: string } }).post.id)).toEqual(viewers);
      expect(subgraph.sent).toHaveLength(1);
      const [request] = subgraph.sent;
      expect(request!.headers[VIEWER_BATCH_HEADER]).toBe('1');
      // The request is the gateway's for no viewer; each viewer in it is signed for itself.
      expect(
        verifyViewer(SECRET, request!.headers, { subgraph: 'posts', body: request!.body, scope: 'batch' }),
      ).toEqual({ ok: true, viewerId: undefined });
      const batch = JSON.parse(request!.body) as ViewerBatchBody;
      expect(batch).toMatchObject({ query: POST_FETCH, variables: { id: 'p1' } });
      const operation = viewerBatchOperation(batch);
      expect(
        batch.viewers.map((v, viewerIndex) =>
          verifyViewer(SECRET, v.headers, { subgraph: 'posts', body: operation, scope: { viewerIndex } }),
        ),
      ).toEqual(viewers.map((viewerId) => ({ ok: true, viewerId })));
    });

    it('sends a lone live fetch, fetches with other variables, and fetches of queries as their own requests', async () => {
      const subgraph = scriptedSubgraph(echoViewers);
      const { fetch } = sourceFor('posts', subgraph.http);
      await fetch('alone', POST_FETCH, { id: 'p1' }, true);
      expect(subgraph.sent.map((r) => r.headers[VIEWER_BATCH_HEADER])).toEqual([undefined]);
      // A lone fetch is signed for its own body on this subgraph.
      const [lone] = subgraph.sent;
      expect(verifyViewer(SECRET, lone!.headers, { subgraph: 'posts', body: lone!.body, scope: 'request' })).toEqual({
        ok: true,
        viewerId: 'alone',
      });
      await Promise.all([
        fetch('a', POST_FETCH, { id: 'p1' }, true),
        fetch('b', POST_FETCH, { id: 'p2' }, true),
        fetch('c', POST_FETCH, { id: 'p1' }),
        fetch('d', POST_FETCH, { id: 'p1' }),
      ]);
      expect(subgraph.sent).toHaveLength(5);
      expect(subgraph.sent.every((r) => r.headers[VIEWER_BATCH_HEADER] === undefined)).toBe(true);
    });

    it('fails every fetch of a batch the subgraph did not answer whole with SUBGRAPH_UNAVAILABLE', async () => {
      for (const answer of [
        () => ({ results: [{ data: null }] }),
        () => {
          throw new Error('connection reset');
        },
      ]) {
        const { fetch } = sourceFor('posts', scriptedSubgraph(answer).http);
        const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((v) => fetch(v, POST_FETCH, { id: 'p1' }, true)));
        for (const outcome of outcomes) {
          expect(outcome).toMatchObject({
            status: 'rejected',
            reason: { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'posts' } },
          });
        }
      }
    });
  });
});
