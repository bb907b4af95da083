export * from './config.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './viewerSignature.ts';
export * from './viewerBatch.ts';
export * from './opsServer.ts';
export * from './readiness.ts';
export * from './inPool.ts';
