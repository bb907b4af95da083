import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mintToken } from '../../auth/mintToken.ts';
import type { TestSubgraph } from '../../testing/testSubgraph.ts';
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
} from '../../testing/testWorld.ts';

/** The explorer as the real gateway serves it: the page, the bundle esbuild builds, and the schema it loads. */
describe('the explorer on a gateway with introspection off', () => {
  let accounts: TestSubgraph;
  let notes: TestSubgraph;
  let gateway: TestGateway;
  let open: TestGateway;

  beforeAll(async () => {
    accounts = await startAccountsSubgraph();
    notes = await startNotesSubgraph();
    const subgraphs = [
      { name: 'accounts', url: accounts.url, typeDefs: accountsSdl({ withBio: false }) },
      { name: 'notes', url: notes.url, typeDefs: NOTES_SDL },
    ];
    gateway = await startTestGateway({ subgraphs, env: { GATEWAY_INTROSPECTION: 'false' } });
    open = await startTestGateway({ subgraphs, env: { GATEWAY_INTROSPECTION: 'true' } });
  });

  afterAll(async () => {
    await gateway?.stop();
    await open?.stop();
    await accounts?.stop();
    await notes?.stop();
  });

  it('serves GraphiQL from this origin alone, with the registered operations', async () => {
    const response = await fetch(`${gateway.url}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'self'/);
    const html = await response.text();
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain('AccountName');

    const script = await fetch(`${gateway.url}/explorer/explorer.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('content-encoding')).toBe('gzip');
    const code = await script.text(); // fetch decompresses
    // React, GraphiQL and the graphql-ws client are in the bundle: nothing is loaded at run time.
    expect(code).toContain('graphiql-container');
    expect(code).toContain('graphql-transport-ws');
    expect(code).not.toMatch(/https:\/\/(unpkg|cdn|esm\.sh|fonts\.)/);
    const etag = script.headers.get('etag') ?? '';
    const again = await fetch(`${gateway.url}/explorer/explorer.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const style = await fetch(`${gateway.url}/explorer/explorer.css`);
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await style.text()).toContain('.graphiql-container');
  });

  it('shows the schema to signed-in clients only, where introspection is off', async () => {
    const anonymous = await fetch(`${gateway.url}/schema.graphql`);
    expect(anonymous.status).toBe(401);
    expect(
      ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ).toBe('UNAUTHENTICATED');
    const forged = await fetch(`${gateway.url}/schema.graphql`, {
      headers: { authorization: `Bearer ${await mintToken('not-the-secret', 'a1')}` },
    });
    expect(forged.status).toBe(401);

    const signedIn = await fetch(`${gateway.url}/schema.graphql`, {
      headers: { authorization: `Bearer ${await mintToken(JWT_SECRET, 'a1')}` },
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('cache-control')).toBe('private, no-store');
    const schema = buildSchema(await signedIn.text());
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {})).toEqual(expect.arrayContaining(['account', 'notes']));
    // The API schema, not the supergraph: no federation internals.
    expect(schema.getType('join__Graph')).toBeUndefined();

    // The only way to the schema here: introspection itself stays refused.
    const introspection = await postGraphQL(gateway.graphqlUrl, { query: '{ __schema { queryType { name } } }' });
    expect(codesOf(introspection)).toEqual(['INTROSPECTION_DISABLED']);
  });

  it('shows the schema to anyone where introspection is on, as introspection would', async () => {
    const response = await fetch(`${open.url}/schema.graphql`);
    expect(response.status).toBe(200);
    expect(buildSchema(await response.text()).getQueryType()?.name).toBe('Query');
  });

  it('answers only GET and HEAD on its paths', async () => {
    for (const path of ['/', '/explorer/explorer.js', '/schema.graphql']) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
  });
});
