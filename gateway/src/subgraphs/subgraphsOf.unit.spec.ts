import { describe, expect, it } from 'vitest';

import { subgraphsOf } from './subgraphsOf.ts';

describe('subgraphs of a supergraph', () => {
  it('reads names and routing URLs from join__Graph', () => {
    const sdl = `
      schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }
      directive @join__graph(name: String!, url: String!) on ENUM_VALUE
      enum join__Graph {
        POSTS @join__graph(name: "posts", url: "http://127.0.0.1:4002/graphql")
        USERS @join__graph(name: "users", url: "http://users:4001/graphql")
      }
      type Query { a: Int }
    `;
    expect(subgraphsOf(sdl)).toEqual([
      { name: 'posts', url: 'http://127.0.0.1:4002/graphql' },
      { name: 'users', url: 'http://users:4001/graphql' },
    ]);
  });
});
