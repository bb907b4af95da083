/** Every topic, named after what flows in it. Created by migrations/kafka. */
export const topics = {
  usersCommands: 'users.commands',
  usersEvents: 'users.events',
  postsCommands: 'posts.commands',
  postsEvents: 'posts.events',
  collectionsCommands: 'collections.commands',
  collectionsEvents: 'collections.events',
  commandOutcomes: 'commands.outcomes',
  feedUpdates: 'feed.updates',
  engagementUpdates: 'engagement.updates',
  notificationUpdates: 'notification.updates',
  deadLetter: 'deadletter',
  // The insights job's results (insights/, Apache Flink), written transactionally: read committed.
  insightsTrendingTags: 'insights.trending_tags',
  insightsPostEngagement: 'insights.post_engagement',
  insightsFollowerChanges: 'insights.follower_changes',
  insightsThrottles: 'insights.throttles',
} as const;
