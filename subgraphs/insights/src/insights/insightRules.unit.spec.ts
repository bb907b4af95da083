import { describe, expect, it } from 'vitest';

import { mayReadInsights, postInsightsOf, rankTrending, userInsightsOf } from './insightRules.ts';

const t = (minute: number) => new Date(Date.UTC(2026, 11, 5, 8, minute));

describe('insight rules', () => {
  it('ranks trending tags by uses, then authors, then tag, and keeps the first n', () => {
    const rows = [
      { tag: 'b', uses: 9, authors: 5 },
      { tag: 'a', uses: 9, authors: 5 },
      { tag: 'c', uses: 9, authors: 7 },
      { tag: 'd', uses: 20, authors: 5 },
    ];
    expect(rankTrending(rows, 3).map((r) => r.tag)).toEqual(['d', 'c', 'a']);
    expect(rankTrending(rows, 0)).toEqual([]);
  });

  it('never lists a tag fewer than five distinct authors used, whatever the job published', () => {
    expect(
      rankTrending(
        [
          { tag: 'us-two', uses: 50, authors: 2 },
          { tag: 'many', uses: 5, authors: 5 },
        ],
        10,
      ),
    ).toEqual([{ tag: 'many', uses: 5, authors: 5 }]);
  });

  it("lets only the signed-in owner read an owner's insights", () => {
    expect(mayReadInsights('ann', 'ann')).toBe(true);
    expect(mayReadInsights('bob', 'ann')).toBe(false);
    expect(mayReadInsights(undefined, 'ann')).toBe(false);
    // A post with no author on record (missing, deleted): nobody, the same null as for a stranger.
    expect(mayReadInsights('ann', undefined)).toBe(false);
  });

  it('sums the buckets and lists them newest first', () => {
    const post = postInsightsOf([
      { start: t(0), end: t(5), loves: 2, comments: 1 },
      { start: t(10), end: t(15), loves: 3, comments: 0 },
    ]);
    expect(post).toMatchObject({ loves: 5, comments: 1 });
    expect(post.buckets.map((b) => b.start)).toEqual([t(10), t(0)]);
    const user = userInsightsOf([
      { start: t(0), end: t(60), gained: 4, lost: 1 },
      { start: t(1), end: t(61), gained: 0, lost: 2 },
    ]);
    expect(user).toMatchObject({ followersGained: 4, followersLost: 3 });
    expect(postInsightsOf([])).toEqual({ loves: 0, comments: 0, buckets: [] });
  });
});
