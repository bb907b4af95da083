import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { documentHash } from './persisted/trustedDocuments.ts';
import type { TestSubgraph } from './testing/testSubgraph.ts';
import {
  accountsSdl,
  codesOf,
  NOTES_SDL,
  postGraphQL,
  startAccountsSubgraph,
  startNotesSubgraph,
  startTestGateway,
  TEST_OPERATION,
  type TestGateway,
} from './testing/testWorld.ts';

/** account → notes → author → notes … nested `levels` fields deep. */
function nestedQuery(levels: number): string {
  let selection = 'id';
  for (let level = levels - 1; level >= 2; level--) {
    selection = level % 2 === 0 ? `notes(first: 1) { ${selection} }` : `author { ${selection} }`;
  }
  return `{ account(id: "a1") { ${selection} } }`;
}

describe('what the gateway refuses, and how', () => {
  let accounts: TestSubgraph;
  let notes: TestSubgraph;
  let gateway: TestGateway;
  let trustedOnly: TestGateway;
  let closed: TestGateway;

  beforeAll(async () => {
    accounts = await startAccountsSubgraph();
    notes = await startNotesSubgraph();
    const subgraphs = [
      { name: 'accounts', url: accounts.url, typeDefs: accountsSdl({ withBio: false }) },
      { name: 'notes', url: notes.url, typeDefs: NOTES_SDL },
    ];
    gateway = await startTestGateway({ subgraphs });
    trustedOnly = await startTestGateway({ subgraphs, env: { GATEWAY_TRUSTED_DOCUMENTS_ONLY: 'true' } });
    closed = await startTestGateway({ subgraphs, env: { GATEWAY_INTROSPECTION: 'false' } });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), trustedOnly?.stop(), closed?.stop()]);
    await accounts?.stop();
    await notes?.stop();
  });

  it('refuses a query nested deeper than 12 with QUERY_TOO_DEEP, and runs one 12 deep', async () => {
    const atLimit = await postGraphQL(gateway.graphqlUrl, { query: nestedQuery(12) });
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.errors).toBeUndefined();

    const tooDeep = await postGraphQL(gateway.graphqlUrl, { query: nestedQuery(13) });
    expect(tooDeep.status).toBe(400);
    expect(codesOf(tooDeep)).toEqual(['QUERY_TOO_DEEP']);
    expect(tooDeep.body.errors?.[0]?.extensions).toMatchObject({ limit: 12, actual: 13 });
    expect(tooDeep.body.data).toBeUndefined();

    const metrics = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_graphql_requests_total\{operation_type="query",outcome="rejected"\} [1-9]/);
    expect(metrics).toMatch(/gateway_graphql_errors_total\{code="QUERY_TOO_DEEP"\} 1\b/);
  });

  it('refuses more than 30 aliases with TOO_MANY_ALIASES', async () => {
    const aliases = (count: number) =>
      `{ ${Array.from({ length: count }, (_, index) => `a${index}: account(id: "${index}") { id }`).join(' ')} }`;
    expect((await postGraphQL(gateway.graphqlUrl, { query: aliases(30) })).body.errors).toBeUndefined();

    const tooMany = await postGraphQL(gateway.graphqlUrl, { query: aliases(31) });
    expect(tooMany.status).toBe(400);
    expect(codesOf(tooMany)).toEqual(['TOO_MANY_ALIASES']);
  });

  it('refuses a query whose lists multiply past the cost limit with QUERY_TOO_COMPLEX', async () => {
    const affordable = await postGraphQL(gateway.graphqlUrl, { query: '{ notes { author { notes { text } } } }' });
    expect(affordable.body.errors).toBeUndefined();

    const costly = await postGraphQL(gateway.graphqlUrl, {
      query: 'query Costly($n: Int) { notes(first: $n) { author { notes(first: 100) { id } } } }',
      variables: { n: 100 },
    });
    expect(costly.status).toBe(400);
    expect(codesOf(costly)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(costly.body.errors?.[0]?.extensions).toMatchObject({ limit: 5000, actual: 10201 });
  });

  it('refuses a body over 100 KB with 413 PAYLOAD_TOO_LARGE and a query over the length limit with QUERY_TOO_LONG', async () => {
    const big = await postGraphQL(gateway.graphqlUrl, {
      query: `{ account(id: "a1") { id } }`,
      padding: 'x'.repeat(110 * 1024),
    });
    expect(big.status).toBe(413);
    expect(codesOf(big)).toEqual(['PAYLOAD_TOO_LARGE']);

    const long = await postGraphQL(gateway.graphqlUrl, { query: `{ account(id: "a1") { id } }${' '.repeat(25_000)}` });
    expect(long.status).toBe(400);
    expect(codesOf(long)).toEqual(['QUERY_TOO_LONG']);
  });

  it('gives malformed requests their codes', async () => {
    const unparsable = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { id ' });
    expect(unparsable.status).toBe(400);
    expect(codesOf(unparsable)).toEqual(['GRAPHQL_PARSE_FAILED']);

    const invalid = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { password } }' });
    expect(invalid.status).toBe(400);
    expect(codesOf(invalid)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const notJson = await postGraphQL(gateway.graphqlUrl, '{"query": ');
    expect(notJson.status).toBe(400);
    expect(codesOf(notJson)).toEqual(['BAD_REQUEST']);

    const noQuery = await postGraphQL(gateway.graphqlUrl, { variables: {} });
    expect(noQuery.status).toBe(400);
    expect(codesOf(noQuery)).toEqual(['BAD_REQUEST']);

    const badVariables = await postGraphQL(gateway.graphqlUrl, {
      query: TEST_OPERATION,
      variables: { id: { not: 'an id' } },
    });
    expect(badVariables.status).toBe(400);
    expect(codesOf(badVariables)).toEqual(['BAD_USER_INPUT']);

    const wrongType = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });

  it('runs a trusted document by hash, in both the APQ and the documentId form', async () => {
    const hash = documentHash(TEST_OPERATION);
    const apq = await postGraphQL(gateway.graphqlUrl, {
      variables: { id: 'a7' },
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    });
    expect(apq.body).toEqual({ data: { account: { id: 'a7', name: 'Name of a7' } } });

    const byId = await postGraphQL(gateway.graphqlUrl, { documentId: `sha256:${hash}`, variables: { id: 'a8' } });
    expect(byId.body).toEqual({ data: { account: { id: 'a8', name: 'Name of a8' } } });

    const overGet = await fetch(
      `${gateway.graphqlUrl}?documentId=${hash}&variables=${encodeURIComponent('{"id":"a9"}')}`,
    );
    expect(await overGet.json()).toEqual({ data: { account: { id: 'a9', name: 'Name of a9' } } });

    const unknown = await postGraphQL(gateway.graphqlUrl, {
      extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } },
    });
    expect(codesOf(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('in trusted-only mode runs published documents and refuses everything else', async () => {
    const hash = documentHash(TEST_OPERATION);
    const trusted = await postGraphQL(trustedOnly.graphqlUrl, { documentId: hash, variables: { id: 'a1' } });
    expect(trusted.body).toEqual({ data: { account: { id: 'a1', name: 'Name of a1' } } });

    // The published text itself, however it is laid out, is the same document.
    const sameText = await postGraphQL(trustedOnly.graphqlUrl, {
      query: 'query AccountName($id: ID!) { account(id: $id) { id, name } }',
      variables: { id: 'a1' },
    });
    expect(sameText.body.errors).toBeUndefined();

    const other = await postGraphQL(trustedOnly.graphqlUrl, { query: '{ account(id: "a1") { id } }' });
    expect(other.status).toBe(400);
    expect(codesOf(other)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    expect(other.body.data).toBeUndefined();
  });

  it('masks errors: no store details or stack traces reach the client, and every error has a code', async () => {
    const response = await postGraphQL(gateway.graphqlUrl, { query: '{ leaky account(id: "a1") { id } }' });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ leaky: null, account: { id: 'a1' } });
    expect(response.body.errors).toHaveLength(1);
    const [error] = response.body.errors ?? [];
    expect(error?.extensions).toEqual({ code: 'SUBGRAPH_ERROR', subgraph: 'notes' });
    expect(error?.path).toEqual(['leaky']);
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|cassandra|10\.1\.2\.3|stacktrace|at /);
  });

  it('switches introspection off with GATEWAY_INTROSPECTION=false, keeping __typename', async () => {
    const open = await postGraphQL(gateway.graphqlUrl, { query: '{ __schema { queryType { name } } }' });
    expect(open.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });

    const refused = await postGraphQL(closed.graphqlUrl, { query: '{ __type(name: "Account") { name } }' });
    expect(refused.status).toBe(400);
    expect(codesOf(refused)).toEqual(['INTROSPECTION_DISABLED']);

    const typename = await postGraphQL(closed.graphqlUrl, { query: '{ __typename account(id: "a1") { __typename } }' });
    expect(typename.body).toEqual({ data: { __typename: 'Query', account: { __typename: 'Account' } } });
  });
});
