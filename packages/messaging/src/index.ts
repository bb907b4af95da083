export * from './backoff.ts';
export * from './coalescingProducer.ts';
export * from './consumer.ts';
export * from './consumerMetrics.ts';
export * from './deadLetter.ts';
export * from './producer.ts';
export * from './topics.ts';
export * from './trace.ts';
