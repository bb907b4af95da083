import { describe, expect, it } from 'vitest';

import { createFetchBodyText } from './fetchBodyText.ts';

describe('the JSON text of a subgraph fetch', () => {
  const query =
    'query Q__posts__0($representations:[_Any!]!){_entities(representations:$representations){...on Post{title}}}';
  const cases: Record<string, Record<string, unknown>> = {
    'query, variables and operation name': {
      query,
      variables: { representations: [{ __typename: 'Post', id: '1' }] },
      operationName: 'Q__posts__0',
    },
    'no operation name': { query, variables: { first: 3 } },
    'an undefined operation name and http': { query, variables: {}, operationName: undefined, http: undefined },
    'quotes, backslashes and non-ASCII in every part': {
      query: 'query "Q" { a(s: "é\\n\u2028") }',
      variables: { s: 'line\n"quoted" \u0000 é' },
      operationName: 'Q"\\',
    },
    'no variables': { query, operationName: 'Q' },
    'extensions too': {
      query,
      variables: { a: 1 },
      operationName: 'Q',
      extensions: { persistedQuery: { version: 1 } },
    },
    'keys in another order': { variables: { a: 1 }, query, operationName: 'Q' },
  };

  it.each(Object.entries(cases))('is JSON.stringify of the fetch with %s', (_name, body) => {
    const bodyText = createFetchBodyText();
    // Twice: the second one is written from the kept frame.
    expect(bodyText(body)).toBe(JSON.stringify(body));
    expect(bodyText(body)).toBe(JSON.stringify(body));
  });

  it('keeps each query with its own operation name', () => {
    const bodyText = createFetchBodyText();
    const first = { query, variables: { a: 1 }, operationName: 'A' };
    const second = { query, variables: { a: 2 }, operationName: 'B' };
    expect(bodyText(first)).toBe(JSON.stringify(first));
    expect(bodyText(second)).toBe(JSON.stringify(second));
    expect(bodyText(first)).toBe(JSON.stringify(first));
  });

  it('forgets the oldest query past its bound and still writes every fetch exactly', () => {
    const bodyText = createFetchBodyText(2);
    const bodies = ['a', 'b', 'c', 'a'].map((name) => ({ query: `{ ${name} }`, variables: { name } }));
    for (const body of bodies) expect(bodyText(body)).toBe(JSON.stringify(body));
  });
});
