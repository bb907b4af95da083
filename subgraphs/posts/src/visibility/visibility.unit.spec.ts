import type { Audience, ConnectionLevel } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import type { RelationSource } from './relationsStore.ts';
import { createVisibility } from './visibility.ts';

/** An in-memory relation source (pure data, no engine) that records every batch it is asked. */
function relations(levels: Record<string, ConnectionLevel>, follows: string[]) {
  const calls: Array<{ kind: 'levels' | 'follows'; authors: string[] }> = [];
  const source: RelationSource = {
    async levelsFor(_viewer, authorIds) {
      calls.push({ kind: 'levels', authors: [...authorIds] });
      return new Map(authorIds.flatMap((id) => (levels[id] ? [[id, levels[id]] as const] : [])));
    },
    async followedAmong(_viewer, authorIds) {
      calls.push({ kind: 'follows', authors: [...authorIds] });
      return new Set(authorIds.filter((id) => follows.includes(id)));
    },
  };
  return { source, calls };
}

const post = (authorId: string, audience: Audience, id = `${authorId}/${audience}`) => ({ id, authorId, audience });
const all: Audience[] = ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'];

describe('visibility batching', () => {
  it('given a page of 20 posts by 5 authors, when checked, then it asks two batched questions, not 2×20', async () => {
    const { source, calls } = relations({ a1: 'CLOSE_FRIEND', a2: 'FRIEND', a3: 'ACQUAINTANCE' }, ['a4']);
    const visibility = createVisibility('viewer', source);
    const authors = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const posts = authors.flatMap((a) => all.map((audience) => post(a, audience)));
    const visible = await visibility.visible(posts);
    expect(calls).toEqual([
      { kind: 'levels', authors },
      { kind: 'follows', authors },
    ]);
    expect(visible.filter(Boolean).map((p) => p!.id)).toEqual([
      'a1/CLOSE_FRIENDS',
      'a1/FRIENDS',
      'a1/ACQUAINTANCES',
      'a1/FOLLOWERS',
      'a2/FRIENDS',
      'a2/ACQUAINTANCES',
      'a2/FOLLOWERS',
      'a3/ACQUAINTANCES',
      'a3/FOLLOWERS',
      'a4/FOLLOWERS',
    ]);
  });

  it('given the viewer is the author, when checked, then every audience is visible without a lookup', async () => {
    const { source, calls } = relations({}, []);
    const visibility = createVisibility('me', source);
    expect(await visibility.visible(all.map((a) => post('me', a)))).toHaveLength(4);
    expect((await visibility.visible(all.map((a) => post('me', a)))).every(Boolean)).toBe(true);
    expect(await visibility.audiencesOf('me')).toEqual(all);
    expect(calls).toEqual([]);
  });

  it('given an anonymous viewer, when checked, then nothing is visible and nothing is looked up', async () => {
    const { source, calls } = relations({ a1: 'CLOSE_FRIEND' }, ['a1']);
    const visibility = createVisibility(undefined, source);
    expect((await visibility.visible(all.map((a) => post('a1', a)))).some(Boolean)).toBe(false);
    expect(await visibility.canSee(post('a1', 'FOLLOWERS'))).toBe(false);
    expect(await visibility.audiencesOf('a1')).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('given repeated questions about one author in a request, when asked again, then the relation is not fetched again', async () => {
    const { source, calls } = relations({}, ['a1']);
    const visibility = createVisibility('viewer', source);
    expect(await visibility.canSee(post('a1', 'FOLLOWERS'))).toBe(true);
    expect(await visibility.canSee(post('a1', 'FRIENDS'))).toBe(false);
    expect(await visibility.audiencesOf('a1')).toEqual(['FOLLOWERS']);
    expect(calls).toHaveLength(2);
  });

  it('given the follow list read earlier in the request, when checked, then only levels are looked up and the rule is the same', async () => {
    const { source, calls } = relations({ a1: 'FRIEND' }, ['a2']);
    const visibility = createVisibility('viewer', source);
    visibility.knowFollowees(['a2']);
    const visible = await visibility.visible([post('a1', 'FRIENDS'), post('a2', 'FOLLOWERS'), post('a3', 'FOLLOWERS')]);
    expect(visible.map((p) => p?.id)).toEqual(['a1/FRIENDS', 'a2/FOLLOWERS', undefined]);
    // a2's FOLLOWERS post is admitted by the known follow alone: its level is not read.
    expect(calls).toEqual([{ kind: 'levels', authors: ['a1', 'a3'] }]);
  });

  it('given a known followee, when only following admits their posts, then no relation is read; a narrower audience still reads the level', async () => {
    const { source, calls } = relations({ a2: 'ACQUAINTANCE' }, ['a2']);
    const visibility = createVisibility('viewer', source);
    visibility.knowFollowees(['a2']);
    expect(await visibility.canSee(post('a2', 'FOLLOWERS'))).toBe(true);
    expect(calls).toEqual([]);
    expect(await visibility.canSee(post('a2', 'FRIENDS'))).toBe(false);
    expect(await visibility.canSee(post('a2', 'ACQUAINTANCES'))).toBe(true);
    expect(calls).toEqual([{ kind: 'levels', authors: ['a2'] }]);
  });

  it('given missing rows in a page, when filtered, then the alignment with the input is kept', async () => {
    const { source } = relations({}, ['a1']);
    const visibility = createVisibility('viewer', source);
    const page = [post('a1', 'FOLLOWERS'), undefined, post('a1', 'FRIENDS'), post('a1', 'ACQUAINTANCES')];
    expect((await visibility.visible(page)).map((p) => p?.audience)).toEqual([
      'FOLLOWERS',
      undefined,
      undefined,
      undefined,
    ]);
  });
});
