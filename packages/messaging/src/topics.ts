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
} as const;
