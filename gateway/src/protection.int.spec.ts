import { getIntrospectionQuery, Kind, parse, print, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mintToken } from './auth/mintToken.ts';
import { documentHash } from './persisted/trustedDocuments.ts';
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

/** The standard introspection query (what GraphiQL and codegen send) with its `__schema` asked for `times` times, aliased. */
function introspectionTimes(times: number): string {
  const document = parse(getIntrospectionQuery());
  const [operation, ...fragments] = document.definitions as [OperationDefinitionNode, ...OperationDefinitionNode[]];
  const schemaField = operation.selectionSet.selections[0] as FieldNode;
  const aliased = Array.from({ length: times }, (_, index): FieldNode => ({
    ...schemaField,
    alias: { kind: Kind.NAME, value: `s${index}` },
  }));
  return print({
    ...document,
    definitions: [{ ...operation, selectionSet: { ...operation.selectionSet, selections: aliased } }, ...fragments],
  });
}

const PRODUCTION_ISSUER = 'https://id.protection.test/';
const PRODUCTION_AUDIENCE = 'verograph-protection-test';
const seconds = () => Math.floor(Date.now() / 1000);
const YEAR = 365 * 86_400;

describe('what the gateway refuses, and how', () => {
  let accounts: TestSubgraph;
  let notes: TestSubgraph;
  let gateway: TestGateway;
  let trustedOnly: TestGateway;
  let closed: TestGateway;
  let production: TestGateway;

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
    production = await startTestGateway({
      subgraphs,
      env: { NODE_ENV: 'production', JWT_ISSUER: PRODUCTION_ISSUER, JWT_AUDIENCE: PRODUCTION_AUDIENCE },
    });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), trustedOnly?.stop(), closed?.stop(), production?.stop()]);
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

  it('gives malformed requests their codes, with 4xx for a client that accepts application/graphql-response+json', async () => {
    const accept = { accept: 'application/graphql-response+json' };
    const unparsable = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { id ' }, accept);
    expect(unparsable.status).toBe(400);
    expect(codesOf(unparsable)).toEqual(['GRAPHQL_PARSE_FAILED']);

    const invalid = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { password } }' }, accept);
    expect(invalid.status).toBe(400);
    expect(codesOf(invalid)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const notJson = await postGraphQL(gateway.graphqlUrl, '{"query": ', accept);
    expect(notJson.status).toBe(400);
    expect(codesOf(notJson)).toEqual(['BAD_REQUEST']);

    const noQuery = await postGraphQL(gateway.graphqlUrl, { variables: {} }, accept);
    expect(noQuery.status).toBe(400);
    expect(codesOf(noQuery)).toEqual(['BAD_REQUEST']);

    const badVariables = await postGraphQL(
      gateway.graphqlUrl,
      { query: TEST_OPERATION, variables: { id: { not: 'an id' } } },
      accept,
    );
    expect(badVariables.status).toBe(400);
    expect(codesOf(badVariables)).toEqual(['BAD_USER_INPUT']);

    const wrongType = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });

  it('answers parse, validation and variable errors with 200 to an application/json client, as GraphQL over HTTP says', async () => {
    // No Accept header counts as application/json (GraphQL over HTTP, legacy clients).
    for (const headers of [{ accept: 'application/json' }, {}] as Record<string, string>[]) {
      const unparsable = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { id ' }, headers);
      expect(unparsable.status).toBe(200);
      expect(unparsable.headers.get('content-type')).toMatch(/^application\/json/);
      expect(codesOf(unparsable)).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(unparsable.body.data).toBeUndefined();

      const invalid = await postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { password } }' }, headers);
      expect(invalid.status).toBe(200);
      expect(codesOf(invalid)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

      const badVariables = await postGraphQL(
        gateway.graphqlUrl,
        { query: TEST_OPERATION, variables: { id: { not: 'an id' } } },
        headers,
      );
      expect(badVariables.status).toBe(200);
      expect(codesOf(badVariables)).toEqual(['BAD_USER_INPUT']);

      // A body that is not a GraphQL request at all stays a 400.
      const notJson = await postGraphQL(gateway.graphqlUrl, '{"query": ', headers);
      expect(notJson.status).toBe(400);
    }
  });

  it('refuses a document whose operation cannot be chosen with 400 OPERATION_RESOLUTION_FAILURE, not 500', async () => {
    const query = 'query First { account(id: "a1") { id } } query Second { account(id: "a2") { id } }';
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const unnamed = await postGraphQL(gateway.graphqlUrl, { query }, { accept });
      expect(unnamed.status).toBe(400);
      expect(codesOf(unnamed)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
      expect(unnamed.body.errors?.[0]?.message).toMatch(/operationName/);

      const unknown = await postGraphQL(gateway.graphqlUrl, { query, operationName: 'Third' }, { accept });
      expect(unknown.status).toBe(400);
      expect(codesOf(unknown)).toEqual(['OPERATION_RESOLUTION_FAILURE']);

      const unknownOverGet = await fetch(
        `${gateway.graphqlUrl}?query=${encodeURIComponent(TEST_OPERATION)}&operationName=Other`,
        { headers: { accept } },
      );
      expect(unknownOverGet.status).toBe(400);
    }
    const chosen = await postGraphQL(gateway.graphqlUrl, { query, operationName: 'Second' });
    expect(chosen.body).toEqual({ data: { account: { id: 'a2' } } });

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).not.toMatch(/gateway_graphql_errors_total\{code="INTERNAL_SERVER_ERROR"\} [1-9]/);
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

  it('masks the nulls the gateway propagates while shaping a response (an entity a subgraph answered with null), in errors, not in extensions', async () => {
    const response = await postGraphQL(gateway.graphqlUrl, {
      query: '{ account(id: "gone-1") { id notes(first: 1) { id author { name } } } }',
    });
    expect(response.status).toBe(200);
    expect(response.body.extensions?.valueCompletion).toBeUndefined();
    expect(response.body.data).toEqual({ account: { id: 'gone-1', notes: null } });
    expect(codesOf(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(response.body.errors?.[0]?.message).not.toMatch(/Account|name|non-nullable/);
    expect(response.body.errors?.[0]?.path).toEqual(['account', 'notes', 0, 'author', 'name']);
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

  it('runs the standard introspection query (GraphiQL, codegen) within the limits', async () => {
    const response = await postGraphQL(gateway.graphqlUrl, { query: getIntrospectionQuery() });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const schema = response.body.data?.__schema as { types: { name: string }[] };
    expect(schema.types.map((type) => type.name)).toContain('Account');
  });

  it('counts introspection against the alias and cost limits: 80 aliased __schema are refused, not answered', async () => {
    // The review's request: 14.6 KB, anonymous, 80 aliased __schema selections; it returned 2.2 MB.
    const selections = Array.from(
      { length: 80 },
      (_, index) => `s${index}: __schema { types { name kind fields { name args { name } type { name kind } } } }`,
    );
    const attack = await postGraphQL(gateway.graphqlUrl, { query: `{ ${selections.join(' ')} }` });
    expect(attack.status).toBe(400);
    expect(codesOf(attack)).toEqual(['TOO_MANY_ALIASES']);
    expect(attack.body.data).toBeUndefined();

    // Within the alias limit, repeating the standard introspection is priced like any other work:
    // once costs about 1,100 on this small schema (about 3,200 on the real one), ten times is refused.
    const repeated = await postGraphQL(gateway.graphqlUrl, { query: introspectionTimes(10) });
    expect(repeated.status).toBe(400);
    expect(codesOf(repeated)).toEqual(['QUERY_TOO_COMPLEX']);

    // The same selection 30 times stays within the alias limit, and costs what it would answer.
    const within = await postGraphQL(gateway.graphqlUrl, { query: `{ ${selections.slice(0, 30).join(' ')} }` });
    expect(within.status).toBe(400);
    expect(codesOf(within)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(within.body.errors?.[0]?.extensions).toMatchObject({ limit: 5000 });
  });

  it('in production, switches introspection and field suggestions off unless told otherwise', async () => {
    const introspection = await postGraphQL(production.graphqlUrl, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.status).toBe(400);
    expect(codesOf(introspection)).toEqual(['INTROSPECTION_DISABLED']);

    const typo = '{ account(id: "a1") { nam } }';
    const suggested = await postGraphQL(gateway.graphqlUrl, { query: typo });
    expect(suggested.body.errors?.[0]?.message).toMatch(/Did you mean "name"\?/);
    const hidden = await postGraphQL(production.graphqlUrl, { query: typo });
    expect(codesOf(hidden)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(hidden.body.errors?.[0]?.message).toBe('Cannot query field "nam" on type "Account".');
    expect(JSON.stringify(hidden.body)).not.toMatch(/Did you mean|"name"/);
  });

  it('refuses a token with no expiry, a lifetime beyond the cap, or issued in the future, with 401 UNAUTHENTICATED', async () => {
    const key = new TextEncoder().encode(JWT_SECRET);
    const unsigned = () => new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('alice');
    const refused = {
      noExpiry: await unsigned().setIssuedAt(seconds()).sign(key),
      fiveYears: await unsigned()
        .setIssuedAt(seconds())
        .setExpirationTime(seconds() + 5 * YEAR)
        .sign(key),
      fiveYearsNoIat: await unsigned()
        .setExpirationTime(seconds() + 5 * YEAR)
        .sign(key),
      issuedInTheFuture: await unsigned()
        .setIssuedAt(seconds() + YEAR)
        .setExpirationTime(seconds() + YEAR + 3600)
        .sign(key),
    };
    for (const [name, token] of Object.entries(refused)) {
      const response = await postGraphQL(
        gateway.graphqlUrl,
        { query: '{ viewer { id } }' },
        { authorization: `Bearer ${token}` },
      );
      expect({ name, status: response.status, codes: codesOf(response) }).toEqual({
        name,
        status: 401,
        codes: ['UNAUTHENTICATED'],
      });
      expect(response.body.data).toBeUndefined();
    }

    const minted = await postGraphQL(
      gateway.graphqlUrl,
      { query: '{ viewer { id } }' },
      { authorization: `Bearer ${await mintToken(JWT_SECRET, 'alice')}` },
    );
    expect(minted.body).toEqual({ data: { viewer: { id: 'alice' } } });
  });

  it('in production, accepts only tokens for its issuer and audience', async () => {
    const query = { query: '{ viewer { id } }' };
    const bare = await mintToken(JWT_SECRET, 'alice');
    const refused = await postGraphQL(production.graphqlUrl, query, { authorization: `Bearer ${bare}` });
    expect(refused.status).toBe(401);
    expect(codesOf(refused)).toEqual(['UNAUTHENTICATED']);

    const scoped = await mintToken(JWT_SECRET, 'alice', { issuer: PRODUCTION_ISSUER, audience: PRODUCTION_AUDIENCE });
    const accepted = await postGraphQL(production.graphqlUrl, query, { authorization: `Bearer ${scoped}` });
    expect(accepted.body).toEqual({ data: { viewer: { id: 'alice' } } });
  });
});
