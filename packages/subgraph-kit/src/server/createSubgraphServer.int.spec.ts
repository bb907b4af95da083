import { randomUUID } from 'node:crypto';

import { DomainError } from '@verograph/domain';
import { createLogger, signViewer, VIEWER_BATCH_HEADER } from '@verograph/service';
import { parse } from 'graphql';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createCassandraClient } from '../store/cassandra.ts';
import { errorCodes, signedGraphQLClient, type SignedGraphQLClient } from '../testing/graphqlClient.ts';
import type { ViewerRequest } from './viewerRequest.ts';
import { createSubgraphServer, type SubgraphServer } from './createSubgraphServer.ts';

const secret = `kit-int-secret-${randomUUID()}`;

/*
 * A Cassandra client aimed at a port nothing listens on: the real driver's real failure, to
 * prove an unreachable store reads as STORE_UNAVAILABLE and not as a bug.
 */
const unreachable = createCassandraClient(
  { contactPoints: ['127.0.0.1:1'], localDataCenter: 'datacenter1', keyspace: 'verograph' },
  'kit-int-unreachable',
);

let server: SubgraphServer;
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
  gql = signedGraphQLClient(server.url, secret);
  base = server.url.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await server?.close();
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
    const stale = await gql.raw(signViewer(secret, 'alice', Date.now() - 5 * 60_000), { query: '{ viewer }' });
    expect(stale.status).toBe(401);
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
    const big = await gql.raw(signViewer(secret, 'alice'), { query: `{ viewer } #${'x'.repeat(20_000)}` });
    expect(big.status).toBe(413);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signViewer(secret, 'alice') },
      body: '{ not json',
    });
    expect(response.status).toBe(400);
  });

  describe('a viewer batch', () => {
    const sendBatch = (body: unknown, headers: Record<string, string> = signViewer(secret, undefined)) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [VIEWER_BATCH_HEADER]: '1', ...headers },
        body: JSON.stringify(body),
      });

    it('executes the query as each viewer, in order, each with its own trace; a forged viewer alone is refused', async () => {
      const forged = { ...signViewer(secret, 'bob'), 'x-viewer-id': 'mallory' };
      const response = await sendBatch({
        query: '{ viewer traceId domainFailure }',
        viewers: [
          {
            headers: signViewer(secret, 'alice'),
            traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          },
          { headers: forged },
          { headers: signViewer(secret, undefined) },
          { headers: signViewer(secret, 'bob') },
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
      const mutation = await sendBatch({
        query: 'mutation { touch }',
        viewers: [{ headers: signViewer(secret, 'alice') }],
      });
      expect(mutation.status).toBe(400);
      expect(touched).toBe(before);
      expect((await sendBatch({ query: '{ viewer }', viewers: [] })).status).toBe(400);
      expect((await sendBatch({ query: '{ viewer', viewers: [{ headers: signViewer(secret, 'alice') }] })).status).toBe(
        400,
      );
      const unsigned = await sendBatch(
        { query: '{ viewer }', viewers: [{ headers: signViewer(secret, 'alice') }] },
        {},
      );
      expect(unsigned.status).toBe(401);
    });
  });

  it('serves liveness, readiness that follows the store, metrics and 404 elsewhere', async () => {
    expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ status: 'live', subgraph: 'kit-test' });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    ready = false;
    const down = await fetch(`${base}/health/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', reason: 'Cassandra did not answer' });
    ready = true;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('subgraph_graphql_requests_total');
    expect(metrics).toMatch(/subgraph_graphql_errors_total\{code="STORE_UNAVAILABLE"/);
    expect(metrics).toMatch(/subgraph_unsigned_requests_total\{reason="missing gateway signature"/);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
