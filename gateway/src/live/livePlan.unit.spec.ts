import { readFile } from 'node:fs/promises';

import {
  buildSchema,
  defaultFieldResolver,
  GraphQLObjectType,
  parse,
  printSchema,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';

import { planSubscription, VISIBLE_KEY } from './livePlan.ts';
import { liveResult } from './liveResult.ts';

const schema = buildSchema(`
  type Query { post(id: ID!): Post }
  type Subscription {
    feedUpdated(after: String): FeedUpdate!
    postEngagement(postId: ID!, after: String): PostEngagement!
  }
  enum FeedUpdateKind { POST_ADDED POST_REMOVED }
  type FeedUpdate { kind: FeedUpdateKind! postId: ID! post: Post cursor: String! }
  type PostEngagement { postId: ID! loveCount: Int! commentCount: Int! latestComment: Comment cursor: String! }
  type Post { id: ID! caption: String! author: User! loveCount: Int! comments(first: Int): CommentConnection! attachment: Attachment }
  type CommentConnection { edges: [CommentEdge!]! }
  type CommentEdge { node: Comment! }
  type Comment { id: ID! text: String! }
  type User { id: ID! displayName: String! }
  union Attachment = Photo | Link
  type Photo { url: String! }
  type Link { href: String! }
`);

function plan(text: string, variables: Record<string, unknown> = {}) {
  const document = parse(text);
  expect(validate(schema, document)).toEqual([]);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const planned = planSubscription(document, operation, variables);
  if (!planned) throw new Error('no plan');
  // The derived query must be valid against the same schema, or the gateway would refuse it.
  expect(validate(schema, planned.derived)).toEqual([]);
  return { document, planned };
}

describe('live subscription plan', () => {
  it("derives one post(id:) per post selection, keeping the client's aliases, fragments and variables", () => {
    const { planned } = plan(
      `subscription Feed($after: String, $withAuthor: Boolean!) {
        feedUpdated(after: $after) {
          kind cursor
          post { ...Card author @include(if: $withAuthor) { displayName } }
          other: post { caption }
        }
      }
      fragment Card on Post { id caption }`,
      { withAuthor: true },
    );
    expect(planned.stream).toBe('feed');
    expect(planned.rootField).toBe('feedUpdated');
    expect(planned.federatedKeys).toEqual(['post', 'other']);
    expect(planned.derivedSource).toContain('query LiveFeedUpdatedPost($vgLivePostId: ID!, $withAuthor: Boolean!)');
    expect(planned.derivedSource).toContain(`${VISIBLE_KEY}: post(id: $vgLivePostId)`);
    expect(planned.derivedSource).toContain('other: post(id: $vgLivePostId)');
    expect(planned.derivedSource).toContain('fragment Card on Post');
    expect(planned.derivedSource).not.toContain('$after');
  });

  it('derives the newest comment for postEngagement and leaves out what is skipped', () => {
    const { planned } = plan(
      `subscription { postEngagement(postId: "p1") { loveCount latestComment { text } skipped: latestComment @skip(if: true) { id } } }`,
    );
    expect(planned.stream).toBe('engagement');
    expect(planned.federatedKeys).toEqual(['latestComment']);
    expect(planned.derivedSource).toContain('comments(first: 1)');
  });

  it("shapes a result from the event and the derived data exactly as the client's document asks", () => {
    const { document, planned } = plan(
      `subscription { u: feedUpdated { k: kind postId cursor post { id a: author { displayName } attachment { ... on Photo { url } } } } }`,
    );
    const result = liveResult(
      schema,
      document,
      undefined,
      {},
      {
        fields: { kind: 'POST_ADDED', postId: 'p1', cursor: 'c1' },
        derived: {
          [VISIBLE_KEY]: { id: 'p1' },
          post: {
            id: 'p1',
            a: { displayName: 'Ann', __typename: 'User' },
            attachment: { __typename: 'Photo', url: 'u' },
            __typename: 'Post',
          },
        },
      },
    );
    expect(planned.rootKey).toBe('u');
    expect(result).toEqual({
      data: {
        u: {
          k: 'POST_ADDED',
          postId: 'p1',
          cursor: 'c1',
          post: { id: 'p1', a: { displayName: 'Ann' }, attachment: { url: 'u' } },
        },
      },
    });
  });

  it('shapes results even after a server has wrapped every field of the schema it serves with a resolver', () => {
    // Apollo Server does this (cache control) once it has run a first HTTP operation.
    const served = buildSchema(printSchema(schema));
    for (const type of Object.values(served.getTypeMap())) {
      if (!(type instanceof GraphQLObjectType)) continue;
      for (const field of Object.values(type.getFields())) field.resolve = defaultFieldResolver;
    }
    const { document } = plan('subscription { feedUpdated { kind postId } }');
    expect(
      liveResult(served, document, undefined, {}, { fields: { kind: 'POST_ADDED', postId: 'p9' }, derived: null }),
    ).toEqual({ data: { feedUpdated: { kind: 'POST_ADDED', postId: 'p9' } } });
  });

  it('gives null for the post of a removal, and the latest comment out of the derived page', () => {
    const removed = plan('subscription { feedUpdated { kind post { id } } }');
    expect(
      liveResult(schema, removed.document, undefined, {}, { fields: { kind: 'POST_REMOVED' }, derived: null }),
    ).toEqual({ data: { feedUpdated: { kind: 'POST_REMOVED', post: null } } });

    const engagement = plan('subscription { postEngagement(postId: "p") { commentCount latestComment { text } } }');
    expect(
      liveResult(
        schema,
        engagement.document,
        undefined,
        {},
        {
          fields: { commentCount: 3 },
          derived: { latestComment: { vgLiveLatest: { edges: [{ node: { text: 'hi' } }] } } },
        },
      ),
    ).toEqual({ data: { postEngagement: { commentCount: 3, latestComment: { text: 'hi' } } } });
  });

  it("plans the frontends' published live operations into queries the published API schema accepts", async () => {
    const root = new URL('../../../schema/', import.meta.url);
    const api = buildSchema(await readFile(new URL('api.graphql', root), 'utf8'));
    for (const file of ['FeedUpdated.live.graphql', 'PostEngagement.live.graphql']) {
      const document = parse(await readFile(new URL(`operations/${file}`, root), 'utf8'));
      expect(validate(api, document)).toEqual([]);
      const planned = planSubscription(document, document.definitions[0] as OperationDefinitionNode, {
        postId: 'p',
      });
      expect(planned && validate(api, planned.derived)).toEqual([]);
    }
  });
});
