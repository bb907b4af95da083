import type { Fetcher, FetcherOpts, FetcherParams } from '@graphiql/toolkit';
import { Kind, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';

import { withDocumentOfQuery } from './publishedSchemaFetcher.ts';

/** @graphiql/toolkit's rule for opening a subscription: the operation named in the request is one. */
function isSubscriptionWithName(document: DocumentNode, name: string | undefined): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.name?.value === name &&
      definition.operation === 'subscription',
  );
}

/** What the wrapped fetcher was handed, and whether graphiql's toolkit would open a subscription for it. */
function capture(): { fetcher: Fetcher; seen: () => { params: FetcherParams; asSubscription: boolean } } {
  let last: { params: FetcherParams; options: FetcherOpts | undefined } | undefined;
  const fetcher: Fetcher = (params, options) => {
    last = { params, options };
    return Promise.resolve({ data: null });
  };
  return {
    fetcher,
    seen: () => {
      if (!last) throw new Error('the fetcher was not called');
      const document = last.options?.documentAST;
      return {
        params: last.params,
        asSubscription: document ? isSubscriptionWithName(document, last.params.operationName ?? undefined) : false,
      };
    },
  };
}

describe('withDocumentOfQuery', () => {
  it('sends a subscription over the subscription transport even when GraphiQL passed the previous document', async () => {
    const inner = capture();
    const stale = { documentAST: undefined, headers: {} } as unknown as FetcherOpts;
    await withDocumentOfQuery(inner.fetcher)({ query: 'subscription FeedUpdated { feedUpdated { kind } }' }, stale);
    expect(inner.seen()).toMatchObject({ params: { operationName: 'FeedUpdated' }, asSubscription: true });
  });

  it('keeps the operation name it was given, and runs queries as queries', async () => {
    const inner = capture();
    await withDocumentOfQuery(inner.fetcher)({
      query: 'query A { me { id } } subscription B { feedUpdated { kind } }',
      operationName: 'A',
    });
    expect(inner.seen()).toMatchObject({ params: { operationName: 'A' }, asSubscription: false });
  });

  it('passes text that does not parse through unchanged, for the gateway to explain', async () => {
    const inner = capture();
    await withDocumentOfQuery(inner.fetcher)({ query: '{ me { ' });
    expect(inner.seen()).toEqual({ params: { query: '{ me { ' }, asSubscription: false });
  });
});
