export * from './producer.ts';
export * from './topics.ts';
export * from './trace.ts';
