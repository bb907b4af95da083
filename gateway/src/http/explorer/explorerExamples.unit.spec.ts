import { describe, expect, it } from 'vitest';

import { createTrustedDocuments, normalizeDocument } from '../../persisted/trustedDocuments.ts';
import { explorerExamples } from './explorerExamples.ts';

const FEED = '# the feed\nquery Feed($first: Int = 20) { feed(first: $first) { edges { cursor } } }';

describe('explorer examples', () => {
  const documents = createTrustedDocuments([
    { source: 'Live.graphql', text: 'subscription Live($after: String) { feedUpdated(after: $after) { cursor } }' },
    { source: 'Love.graphql', text: 'mutation Love($postId: ID!) { lovePost(postId: $postId) { id } }' },
    { source: 'Feed.graphql', text: FEED },
    {
      source: 'Create.graphql',
      text: 'mutation Create($input: CreatePostInput!, $n: Int!, $ok: Boolean!, $tags: [String!]!, $id: ID) { x }',
    },
  ]);
  const examples = explorerExamples(documents.entries());

  it('offers queries, then mutations, then subscriptions, by name, in the registered text', () => {
    expect(examples.map((example) => [example.kind, example.name])).toEqual([
      ['query', 'Feed'],
      ['mutation', 'Create'],
      ['mutation', 'Love'],
      ['subscription', 'Live'],
    ]);
    // The text the gateway trusts, so an example runs where only trusted documents do.
    expect(examples[0]?.query).toBe(normalizeDocument(FEED));
  });

  it('fills in a placeholder for each required variable, and leaves optional ones out', () => {
    const variables = Object.fromEntries(examples.map((example) => [example.name, example.variables]));
    expect(variables.Feed).toBe('');
    expect(variables.Live).toBe('');
    expect(JSON.parse(variables.Love ?? '')).toEqual({ postId: '' });
    expect(JSON.parse(variables.Create ?? '')).toEqual({ input: null, n: 0, ok: false, tags: [] });
  });
});
