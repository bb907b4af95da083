import { randomUUID } from 'node:crypto';

import { DomainError } from '@verograph/domain';
import { createLogger, signViewer, VIEWER_BATCH_HEADER, viewerBatchOperation } from '@verograph/service';
import { parse } from 'graphql';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createCassandraClient } from '../store/cassandra.ts';
import { errorCodes, gatewayRequest, signedGraphQLClient, type SignedGraphQLClient } from '../testing/graphqlClient.ts';
import type { ViewerRequest } from './viewerRequest.ts';
import { createSubgraphServer, type SubgraphServer } from './createSubgraphServer.ts';

const secret = `kit-int-secret-${randomUUID()}`;

/** Each viewer of a batch for the kit-test subgraph, signed at its index as the gateway signs them. */
function signedBatchViewers(operation: { query: string }, viewers: Array<string | undefined>) {
  const body = viewerBatchOperation(operation);
  return viewers.map((viewer, viewerIndex) => ({
    headers: signViewer(secret, viewer, { subgraph: 'kit-test', body, scope: { viewerIndex } }),
  }));
}

/** A viewer batch's body text and its request signature (for no viewer), as the gateway sends them. */
function signedBatchRequest(body: unknown) {
  const text = JSON.stringify(body);
  return { text, headers: signViewer(secret, undefined, { subgraph: 'kit-test', body: text, scope: 'batch' }) };
}

/*
 * A Cassandra client aimed at a port nothing listens on: the real driver's real failure, to
 * prove an unreachable store reads as STORE_UNAVAILABLE and not as a bug.
 */
const unreachable = createCassandraClient(
  { contactPoints: ['127.0.0.1:1'], localDataCenter: 'datacenter1', keyspace: 'verograph' },
  'kit-int-unreachable',
);

let server: SubgraphServer;
/** A second subgraph holding the same secret, to replay requests made for the first one. */
let other: SubgraphServer;
let gql: SignedGraphQLClient;
let base: string;
let ready = true;
let touched = 0;

beforeAll(async () => {
  server = await createSubgraphServer<{ viewer: ViewerRequest }>({
    name: 'kit-test',
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type Query {
        viewer: String
        idempotencyKey: String
        traceId: String
        domainFailure: String
        bug: String
        storeDown: String
      }
      type Mutation {
        touch: String
      }
    `),
    resolvers: {
      Query: {
        viewer: (_: unknown, __: unknown, ctx: { viewer: ViewerRequest }) => ctx.viewer.viewerId ?? null,
        idempotencyKey: (_: unknown, __: unknown, ctx: { viewer: ViewerRequest }) => ctx.viewer.idempotencyKey ?? null,
        traceId: (_: unknown, __: unknown, ctx: { viewer: ViewerRequest }) =>
          ctx.viewer.trace.traceparent.split('-')[1],
        domainFailure: () => {
          throw new DomainError('POST_NOT_FOUND', 'There is no post with id "x".', { field: 'postId' });
        },
        bug: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'secret')");
        },
        storeDown: async () => {
          await unreachable.execute('SELECT release_version FROM system.local');
          return 'unreachable';
        },
      },
      Mutation: {
        touch: () => {
          touched++;
          return 'touched';
        },
      },
    },
    context: (viewer) => ({ viewer }),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    logger: createLogger('kit-int', 'silent'),
    metrics: new Registry(),
    ready: async () => {
      if (!ready) throw new Error('Cassandra did not answer');
    },
    maxBodyBytes: 10_000,
  });
  other = await createSubgraphServer<{ viewer: ViewerRequest }>({
    name: 'kit-other',
    typeDefs: parse(`type Query { viewer: String }`),
    resolvers: { Query: { viewer: (_: unknown, __: unknown, ctx: { viewer: ViewerRequest }) => ctx.viewer.viewerId } },
    context: (viewer) => ({ viewer }),
    port: 0,
    host: '127.0.0.1',
    signingSecret: secret,
    logger: createLogger('kit-int-other', 'silent'),
    metrics: new Registry(),
    ready: async () => {},
  });
  gql = signedGraphQLClient(server.url, secret, 'kit-test');
  base = server.url.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await server?.close();
  await other?.close();
  await unreachable.shutdown();
});

describe('createSubgraphServer', () => {
  it('passes the verified viewer, the Idempotency-Key and the trace to the context', async () => {
    const answer = await gql.query(
      undefined,
      '{ viewer idempotencyKey traceId }',
      {},
      {
        'idempotency-key': 'key-1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    );
    expect(answer.data).toEqual({ viewer: null, idempotencyKey: 'key-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect((await gql.query('alice', '{ viewer }')).data).toEqual({ viewer: 'alice' });
  });

  it('answers 401 with a coded error to anything the gateway did not sign', async () => {
    const answer = await gql.raw({ 'x-viewer-id': 'alice' }, { query: '{ viewer }' });
    expect(answer).toMatchObject({ status: 401, data: undefined });
    expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
    const stale = gatewayRequest(secret, 'kit-test', 'alice', { query: '{ viewer }' }, Date.now() - 5 * 60_000);
    expect(
      (
        await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...stale.headers },
          body: stale.text,
        })
      ).status,
    ).toBe(401);
  });

  describe('a captured signature (the attacks of issue 12, item 2)', () => {
    /** What the gateway sends for one operation as `viewer`: the exact body text and its headers. */
    const gatewaySends = (viewer: string | undefined, body: unknown, now = Date.now()) =>
      gatewayRequest(secret, 'kit-test', viewer, body, now);
    /** A viewer batch as the gateway sends it: each viewer signed in the body, the request signed for no viewer. */
    const gatewaySendsBatch = (operation: { query: string }, viewers: string[]) => {
      const body = { ...operation, viewers: signedBatchViewers(operation, viewers) };
      return { body, ...signedBatchRequest(body) };
    };
    const post = (url: string, headers: Record<string, string>, text: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });

    it('works for the request it was made for', async () => {
      const sent = gatewaySends('alice', { query: '{ viewer }' });
      const answer = await post(server.url, sent.headers, sent.text);
      expect(await answer.json()).toEqual({ data: { viewer: 'alice' } });
    });

    it('is refused with another query, or a mutation', async () => {
      const sent = gatewaySends('alice', { query: '{ viewer }' });
      const before = touched;
      for (const query of ['{ viewer idempotencyKey }', 'mutation { touch }']) {
        const replayed = await post(server.url, sent.headers, JSON.stringify({ query }));
        expect(replayed.status).toBe(401);
      }
      expect(touched).toBe(before);
    });

    it('is refused by another subgraph', async () => {
      const sent = gatewaySends('alice', { query: '{ viewer }' });
      expect((await post(other.url, sent.headers, sent.text)).status).toBe(401);
    });

    it('cannot travel in a GET, whose operation is in the URL rather than the signed body', async () => {
      const emptyBody = signViewer(secret, 'alice', { subgraph: 'kit-test', body: '', scope: 'request' });
      const get = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer }')}`, { headers: emptyBody });
      expect(get.status).toBe(405);
    });

    it('is refused when it claims a time 30 s ahead', async () => {
      const sent = gatewaySends('alice', { query: '{ viewer }' }, Date.now() + 30_000);
      expect((await post(server.url, sent.headers, sent.text)).status).toBe(401);
    });

    it("is refused when a batch viewer's signature is used as a request's", async () => {
      const batch = gatewaySendsBatch({ query: '{ viewer }' }, ['alice', 'bob']);
      const copied = batch.body.viewers[0]!.headers;
      expect((await post(server.url, copied, JSON.stringify({ query: '{ viewer }' }))).status).toBe(401);
    });

    it('is refused when a batch entry is moved to another index', async () => {
      const batch = gatewaySendsBatch({ query: '{ viewer }' }, ['alice', 'bob']);
      const swapped = { ...batch.body, viewers: [...batch.body.viewers].reverse() };
      const batchHeaders = { ...batch.headers, [VIEWER_BATCH_HEADER]: '1' };
      expect((await post(server.url, batchHeaders, batch.text)).status).toBe(200);
      expect((await post(server.url, batchHeaders, JSON.stringify(swapped))).status).toBe(401);
      // Even in a request the gateway signed, an entry answers only at the index it was signed for.
      const resigned = signedBatchRequest(swapped);
      const answer = await post(server.url, { ...resigned.headers, [VIEWER_BATCH_HEADER]: '1' }, resigned.text);
      const { results } = (await answer.json()) as { results: Array<{ data?: unknown; errors?: unknown[] }> };
      expect(results.map((r) => r.data ?? null)).toEqual([null, null]);
    });
  });

  it('shows domain errors with their code, and masks bugs and outages without stack traces', async () => {
    const answer = await gql.query('alice', '{ domainFailure bug storeDown viewer }');
    expect(answer.data).toEqual({ domainFailure: null, bug: null, storeDown: null, viewer: 'alice' });
    const byPath = Object.fromEntries((answer.errors ?? []).map((e) => [String(e.path?.[0]), e]));
    expect(byPath.domainFailure).toEqual({
      message: 'There is no post with id "x".',
      path: ['domainFailure'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'POST_NOT_FOUND', field: 'postId' },
    });
    expect(byPath.bug).toEqual({
      message: 'Something went wrong on our side; it has been logged.',
      path: ['bug'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(byPath.storeDown?.extensions).toEqual({ code: 'STORE_UNAVAILABLE' });
    expect(JSON.stringify(answer.errors)).not.toMatch(/secret|127\.0\.0\.1|at .*\.ts/);
  });

  it('keeps graphql-js errors about the request itself', async () => {
    const answer = await gql.query('alice', '{ nope }');
    expect(answer.status).toBe(400);
    expect(errorCodes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses bodies over the limit and bodies that are not JSON', async () => {
    const big = await gql.signed('alice', { query: `{ viewer } #${'x'.repeat(20_000)}` });
    expect(big.status).toBe(413);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signViewer(secret, 'alice', { subgraph: 'kit-test', body: '{ not json', scope: 'request' }),
      },
      body: '{ not json',
    });
    expect(response.status).toBe(400);
  });

  describe('a viewer batch', () => {
    const sendBatch = (body: unknown, headers: Record<string, string> = signedBatchRequest(body).headers) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [VIEWER_BATCH_HEADER]: '1', ...headers },
        body: JSON.stringify(body),
      });

    it('executes the query as each viewer, in order, each with its own trace; a forged viewer alone is refused', async () => {
      const operation = { query: '{ viewer traceId domainFailure }' };
      const [alice, bob, anonymous, bobAgain] = signedBatchViewers(operation, ['alice', 'bob', undefined, 'bob']);
      const response = await sendBatch({
        ...operation,
        viewers: [
          { ...alice!, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
          { headers: { ...bob!.headers, 'x-viewer-id': 'mallory' } },
          anonymous,
          bobAgain,
        ],
      });
      expect(response.status).toBe(200);
      const { results } = (await response.json()) as {
        results: Array<{ data?: Record<string, unknown>; errors?: Array<{ extensions?: { code?: string } }> }>;
      };
      expect(results.map((r) => r.data?.viewer ?? null)).toEqual(['alice', null, null, 'bob']);
      expect(results[0]!.data!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(results[1]).toEqual({
        errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })],
      });
      // Errors are each viewer's own, coded and masked as for a single request.
      for (const i of [0, 2, 3]) expect(results[i]!.errors?.map((e) => e.extensions?.code)).toEqual(['POST_NOT_FOUND']);
    });

    it('refuses a mutation, a malformed batch and one the gateway did not sign', async () => {
      const before = touched;
      const mutation = { query: 'mutation { touch }' };
      expect((await sendBatch({ ...mutation, viewers: signedBatchViewers(mutation, ['alice']) })).status).toBe(400);
      expect(touched).toBe(before);
      expect((await sendBatch({ query: '{ viewer }', viewers: [] })).status).toBe(400);
      const unparsable = { query: '{ viewer' };
      expect((await sendBatch({ ...unparsable, viewers: signedBatchViewers(unparsable, ['alice']) })).status).toBe(400);
      const operation = { query: '{ viewer }' };
      const unsigned = await sendBatch({ ...operation, viewers: signedBatchViewers(operation, ['alice']) }, {});
      expect(unsigned.status).toBe(401);
    });
  });

  it('answers nothing but GraphQL on its public port (issue 12, item 13)', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
  });

  it('serves liveness, readiness that follows the store and metrics on its operations port', async () => {
    const ops = server.opsUrl;
    expect(ops).not.toBe(base);
    expect(await (await fetch(`${ops}/health/live`)).json()).toEqual({ status: 'live' });
    const up = await fetch(`${ops}/health/ready`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ready', checks: { store: { ok: true } } });
    ready = false;
    // Readiness is evaluated at most once a second, whatever the number of probes.
    await expect
      .poll(async () => (await fetch(`${ops}/health/ready`)).status, { timeout: 3_000, interval: 200 })
      .toBe(503);
    expect(await (await fetch(`${ops}/health/ready`)).json()).toEqual({
      status: 'not_ready',
      checks: { store: { ok: false, detail: 'Cassandra did not answer' } },
    });
    ready = true;
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toContain('subgraph_graphql_requests_total');
    expect(metrics).toMatch(/subgraph_graphql_errors_total\{code="STORE_UNAVAILABLE"/);
    expect(metrics).toMatch(/subgraph_unsigned_requests_total\{reason="missing gateway signature"/);
    expect((await fetch(`${ops}/graphql`)).status).toBe(404);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
