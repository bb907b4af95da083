export * from './buildProjector.ts';
export * from './config.ts';
export * from './consumer/projector.ts';
export * from './consumer/recordHandler.ts';
export * from './events/projectedEvent.ts';
export * from './events/relationChanges.ts';
export * from './rebuild/rebuildReadModel.ts';
export { searchAliases, resolveWriteIndices, type SearchIndices } from './search/searchStore.ts';
export type { AudienceDoc, LivePostDoc, DeletedPostDoc, PostDoc, UserDoc } from './search/searchDocs.ts';
