import { describe, expect, it } from 'vitest';

import { analyse, createPublicEntityCache, PUBLIC_ENTITY_FIELDS } from './publicEntityCache.ts';

const PROFILE_FETCH =
  'query HomeFeed__users__1($representations:[_Any!]!){_entities(representations:$representations){...on User{username displayName avatarUrl}}}';
const users = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'User', id })) });
const answer = (...ids: Array<string | null>) => ({
  data: {
    _entities: ids.map((id) => (id === null ? null : { username: `u_${id}`, displayName: `U ${id}`, avatarUrl: null })),
  },
});

function liveCache(ttlMs = 5_000) {
  let clock = 1_000;
  const cache = createPublicEntityCache({ ttlMs, maxEntries: 100, now: () => clock });
  cache.setLive(true);
  return { cache, advance: (ms: number) => (clock += ms) };
}

describe('which subgraph fetches may be cached', () => {
  const userFields = PUBLIC_ENTITY_FIELDS.users;

  it('given an entities fetch of public profile fields, when analysed, then it is cacheable', () => {
    expect(analyse(PROFILE_FETCH, userFields)).toEqual({ types: new Set(['User']) });
  });

  it.each([
    ['a viewer-dependent field', '{...on User{username viewerIsFollowing}}'],
    ['the viewer’s connection level', '{...on User{viewerConnectionLevel}}'],
    ['moving counts', '{...on User{followerCount}}'],
    ['an audience-filtered list', '{...on User{posts{edges{cursor}}}}'],
    ['an alias', '{...on User{name:username}}'],
    ['a directive', '{...on User{username @include(if:true)}}'],
    ['a type without public fields', '{...on Post{id}}'],
  ])('given a fetch selecting %s, when analysed, then it is not cacheable', (_, selection) => {
    const query = `query($representations:[_Any!]!){_entities(representations:$representations)${selection}}`;
    expect(analyse(query, userFields)).toBeNull();
  });

  it('given a root query, a mutation or another subgraph, when analysed, then it is not cacheable', () => {
    expect(analyse('{ me { id username } }', userFields)).toBeNull();
    expect(analyse('mutation { follow(userId: "x") { status } }', userFields)).toBeNull();
    expect(analyse(PROFILE_FETCH, undefined)).toBeNull();
  });
});

describe('the public entity cache', () => {
  it('given a fetch answered once, when asked again, then it is served without a fetch, as a copy', () => {
    const { cache } = liveCache();
    const first = cache.lookup('users', PROFILE_FETCH, users('a', 'b'));
    expect(first.kind).toBe('miss');
    if (first.kind === 'miss') first.store(answer('a', 'b'));
    const second = cache.lookup('users', PROFILE_FETCH, users('b', 'a', 'b'));
    expect(second).toEqual({
      kind: 'hit',
      entities: [answer('b').data._entities[0], answer('a').data._entities[0], answer('b').data._entities[0]],
    });
    if (second.kind === 'hit') (second.entities[0] as Record<string, unknown>).username = 'changed';
    expect(cache.lookup('users', PROFILE_FETCH, users('b'))).toMatchObject({ entities: [{ username: 'u_b' }] });
  });

  it('given one entity not cached, when looked up, then the whole fetch goes to the subgraph', () => {
    const { cache } = liveCache();
    const first = cache.lookup('users', PROFILE_FETCH, users('a'));
    if (first.kind === 'miss') first.store(answer('a'));
    expect(cache.lookup('users', PROFILE_FETCH, users('a', 'c')).kind).toBe('miss');
  });

  it('given an invalidation or an expired TTL, when looked up, then the subgraph is asked again', () => {
    const { cache, advance } = liveCache(5_000);
    const fill = () => {
      const lookup = cache.lookup('users', PROFILE_FETCH, users('a'));
      if (lookup.kind === 'miss') lookup.store(answer('a'));
    };
    fill();
    cache.invalidate('a');
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('miss');
    advance(1);
    fill();
    advance(4_999);
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('hit');
    advance(1);
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('miss');
  });

  it('given an invalidation while the fetch was in flight, when its answer arrives, then it is not kept', () => {
    const { cache } = liveCache();
    const lookup = cache.lookup('users', PROFILE_FETCH, users('a'));
    cache.invalidate('a');
    if (lookup.kind === 'miss') lookup.store(answer('a'));
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('miss');
  });

  it('given answers with errors or nulls, when stored, then nothing wrong is kept', () => {
    const { cache } = liveCache();
    const withErrors = cache.lookup('users', PROFILE_FETCH, users('a'));
    if (withErrors.kind === 'miss') withErrors.store({ ...answer('a'), errors: [{ message: 'boom' }] });
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('miss');
    const withNull = cache.lookup('users', PROFILE_FETCH, users('a', 'ghost'));
    if (withNull.kind === 'miss') withNull.store(answer('a', null));
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('hit');
    expect(cache.lookup('users', PROFILE_FETCH, users('ghost')).kind).toBe('miss');
  });

  it('given the invalidation feed is not running, when looked up, then nothing is cached or served', () => {
    const { cache } = liveCache();
    const lookup = cache.lookup('users', PROFILE_FETCH, users('a'));
    if (lookup.kind === 'miss') lookup.store(answer('a'));
    cache.setLive(false);
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('uncacheable');
    expect(cache.size).toBe(0);
    cache.setLive(true);
    expect(cache.lookup('users', PROFILE_FETCH, users('a')).kind).toBe('miss');
  });

  it('given representations carrying more than the key, when looked up, then the fetch is not cached', () => {
    const { cache } = liveCache();
    const extra = { representations: [{ __typename: 'User', id: 'a', username: 'x' }] };
    expect(cache.lookup('users', PROFILE_FETCH, extra).kind).toBe('uncacheable');
  });
});
