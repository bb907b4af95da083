import { signViewer, VIEWER_HEADER } from '@verograph/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mintToken } from './auth/mintToken.ts';
import type { TestSubgraph } from './testing/testSubgraph.ts';
import {
  accountsSdl,
  codesOf,
  JWT_SECRET,
  NOTES_SDL,
  postGraphQL,
  startAccountsSubgraph,
  startNotesSubgraph,
  startTestGateway,
  type TestGateway,
} from './testing/testWorld.ts';

describe('the gateway over two real subgraphs', () => {
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

  it('answers one query across both subgraphs, entities joined by key', async () => {
    const response = await postGraphQL(gateway.graphqlUrl, {
      query: '{ account(id: "a1") { id name notes(first: 2) { id text author { name } } } }',
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: {
        account: {
          id: 'a1',
          name: 'Name of a1',
          notes: [
            { id: 'a1-n0', text: 'note 0', author: { name: 'Name of a1' } },
            { id: 'a1-n1', text: 'note 1', author: { name: 'Name of a1' } },
          ],
        },
      },
    });
  });

  it('verifies the JWT once and forwards the viewer, the trace and the Idempotency-Key to subgraphs', async () => {
    const token = await mintToken(JWT_SECRET, 'alice');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await postGraphQL(
      gateway.graphqlUrl,
      { query: '{ viewer { id name } echo { viewerId traceparent idempotencyKey } }' },
      {
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        'idempotency-key': 'retry-42',
      },
    );

    expect(response.status).toBe(200);
    expect(response.body.data?.viewer).toEqual({ id: 'alice', name: 'Name of alice' });
    const echo = response.body.data?.echo as { viewerId: string; traceparent: string; idempotencyKey: string };
    expect(echo.viewerId).toBe('alice');
    expect(echo.idempotencyKey).toBe('retry-42');
    // Same trace, a new span for the subgraph hop.
    expect(echo.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(echo.traceparent).not.toContain('00f067aa0ba902b7');
    expect(response.headers.get('x-trace-id')).toBe(traceId);
  });

  it('treats a request without a token as anonymous and starts a trace for it', async () => {
    const response = await postGraphQL(gateway.graphqlUrl, {
      query: '{ viewer { id } echo { viewerId traceparent } }',
    });

    expect(response.status).toBe(200);
    expect(response.body.data?.viewer).toBeNull();
    const echo = response.body.data?.echo as { viewerId: string | null; traceparent: string };
    expect(echo.viewerId).toBeNull();
    expect(echo.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('refuses an expired, forged or malformed token with 401 UNAUTHENTICATED', async () => {
    const expired = await mintToken(JWT_SECRET, 'alice', {
      now: Math.floor(Date.now() / 1000) - 3600,
      expiresIn: '1m',
    });
    const forged = await mintToken('not-the-secret', 'alice');
    for (const authorization of [`Bearer ${expired}`, `Bearer ${forged}`, 'Bearer not.a.jwt', 'Basic YWxpY2U6cHc=']) {
      const response = await postGraphQL(gateway.graphqlUrl, { query: '{ viewer { id } }' }, { authorization });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data).toBeUndefined();
    }
    const expiredResponse = await postGraphQL(
      gateway.graphqlUrl,
      { query: '{ viewer { id } }' },
      { authorization: `Bearer ${expired}` },
    );
    expect(expiredResponse.body.errors?.[0]?.message).toMatch(/expired/);
  });

  it('lets no one reach a subgraph with a forged viewer header', async () => {
    const asAlice = { [VIEWER_HEADER]: 'alice' };
    const unsigned = await postGraphQL(accounts.url, { query: '{ echo { viewerId } }' }, asAlice);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.data).toBeUndefined();

    const body = { query: '{ echo { viewerId } }' };
    const wrongSecret = await postGraphQL(
      accounts.url,
      body,
      signViewer('guessed-secret', 'alice', { subgraph: 'accounts', body: JSON.stringify(body), scope: 'request' }),
    );
    expect(wrongSecret.status).toBe(401);
  });

  it('runs a query over GET and refuses a mutation over GET with 405', async () => {
    const query = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ account(id: "a2") { name } }')}`);
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { account: { name: 'Name of a2' } } });

    const mutation = await fetch(
      `${gateway.graphqlUrl}?query=${encodeURIComponent('mutation { addNote(text: "x") { id } }')}`,
    );
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
    const body = (await mutation.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');

    const overPost = await postGraphQL(
      gateway.graphqlUrl,
      { query: 'mutation { addNote(text: "hello") { id text author { name } } }' },
      { authorization: `Bearer ${await mintToken(JWT_SECRET, 'bob')}` },
    );
    expect(overPost.body).toEqual({
      data: { addNote: { id: 'new-note', text: 'hello', author: { name: 'Name of bob' } } },
    });
  });

  it('speaks application/graphql-response+json when the client accepts it, with 4xx for request errors', async () => {
    const accept = { accept: 'application/graphql-response+json, application/json;q=0.9' };
    const ok = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { id } }' }, accept);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);

    const invalid = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { nope } }' }, accept);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(codesOf(invalid)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const legacy = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { id } }' });
    expect(legacy.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('serves its own explorer page, which loads nothing from the internet', async () => {
    for (const [path, accept] of [
      ['/', '*/*'],
      ['/graphql', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, { headers: { accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'/);
      const html = await response.text();
      expect(html).toContain('id="graphiql"');
      expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
      // The frontend operations are offered as examples.
      expect(html).toContain('AccountName');
    }
  });

  it('exposes request, subgraph and reload metrics at /metrics', async () => {
    await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { notes { id } } }' });
    const response = await fetch(`${gateway.opsUrl}/metrics`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toMatch(/gateway_graphql_requests_total\{operation_type="query",outcome="success"\} [1-9]/);
    expect(text).toMatch(/gateway_graphql_requests_total\{operation_type="unknown",outcome="rejected"\} [1-9]/);
    expect(text).toMatch(/gateway_graphql_errors_total\{code="UNAUTHENTICATED"\} [1-9]/);
    expect(text).toMatch(/gateway_graphql_request_duration_seconds_count\{operation_type="query"\} [1-9]/);
    expect(text).toMatch(/gateway_subgraph_fetch_duration_seconds_count\{subgraph="accounts"\} [1-9]/);
    expect(text).toMatch(/gateway_subgraph_fetch_duration_seconds_count\{subgraph="notes"\} [1-9]/);
    expect(text).toContain('# TYPE gateway_subgraph_fetch_errors_total counter');
    expect(text).toContain('# TYPE gateway_supergraph_reloads_total counter');
  });

  it('routes to <NAME>_SUBGRAPH_URL when set, whatever URL the supergraph carries', async () => {
    const moved = await startTestGateway({
      subgraphs: [
        { name: 'accounts', url: accounts.url, typeDefs: accountsSdl({ withBio: false }) },
        { name: 'notes', url: 'http://127.0.0.1:9/graphql', typeDefs: NOTES_SDL },
      ],
      env: { NOTES_SUBGRAPH_URL: notes.url },
    });
    try {
      const response = await postGraphQL(moved.graphqlUrl, { query: '{ notes(first: 1) { id } }' });
      expect(response.body).toEqual({ data: { notes: [{ id: 'a1-n0' }] } });
      expect((await fetch(`${moved.opsUrl}/health/ready`)).status).toBe(200);
    } finally {
      await moved.stop();
    }
  });

  it('is live, and ready while every subgraph answers, on its operations port', async () => {
    expect((await fetch(`${gateway.opsUrl}/health/live`)).status).toBe(200);
    const ready = await fetch(`${gateway.opsUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { serving: { ok: true }, 'subgraph:accounts': { ok: true }, 'subgraph:notes': { ok: true } },
    });
  });

  it('answers neither health, readiness nor metrics on its public port (issue 12, item 13)', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect((await fetch(`${gateway.url}${path}`)).status).toBe(404);
    }
  });
});
