export * from './countingClient.ts';
export * from './graphqlClient.ts';
export * from './localCassandra.ts';
export * from './readModelFixtures.ts';
export * from './topicCapture.ts';
export * from './scratchTopic.ts';
