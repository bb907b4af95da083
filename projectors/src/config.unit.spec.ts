import { envReader } from '@verograph/service';
import { describe, expect, it } from 'vitest';

import { readConfig } from './config.ts';

describe('projectors configuration', () => {
  it('runs every projector with the local defaults', () => {
    const config = readConfig(envReader({}));
    expect(config.projectors).toEqual(['feeds', 'search', 'collections', 'counters', 'live', 'notifications']);
    expect(config.insights).toBe(true);
    expect(config.insightTopics).toEqual({
      trendingTags: 'insights.trending_tags',
      postEngagement: 'insights.post_engagement',
      followerChanges: 'insights.follower_changes',
    });
    expect(config.port).toBe(4200);
    expect(config.feeds.pushLimit).toBe(50_000);
    expect(config.topics).toEqual({ users: 'users.events', posts: 'posts.events', collections: 'collections.events' });
  });

  it('chooses projectors with PROJECTORS and fails fast on a name it does not know', () => {
    expect(readConfig(envReader({ PROJECTORS: 'feeds, live' })).projectors).toEqual(['feeds', 'live']);
    expect(readConfig(envReader({ PROJECTORS: 'feeds, live' })).insights).toBe(false);
    expect(readConfig(envReader({ PROJECTORS: 'insights' }))).toMatchObject({ projectors: [], insights: true });
    expect(() => readConfig(envReader({ PROJECTORS: 'feeds,timeline' }))).toThrow(
      /PROJECTORS=feeds,timeline must list some of feeds, search, collections, counters, live, notifications, insights/,
    );
    expect(() => readConfig(envReader({ FEED_PUSH_LIMIT: 'many' }))).toThrow(
      /FEED_PUSH_LIMIT=many must be a whole number/,
    );
  });
});
