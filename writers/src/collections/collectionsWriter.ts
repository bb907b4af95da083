import type cassandra from 'cassandra-driver';

import type { AggregateWriter } from '../writer/aggregateWriter.ts';
import { evolveCollectionState } from './evolveCollection.ts';
import { decodeCollectionCommand, decodeCollectionEvent, encodeCollectionEvent } from './collectionCodec.ts';
import type { CollectionCommand, CollectionEvent, CollectionState } from './collectionModel.ts';
import { createCollectionStore } from './collectionStore.ts';
import { collectionAggregateId, decideCollection } from './decideCollection.ts';

/** The collections writer: collections and their items, from collections.commands to collections.events. */
export function createCollectionsWriter(
  client: cassandra.Client,
): AggregateWriter<CollectionCommand, CollectionEvent, CollectionState> {
  const store = createCollectionStore(client);
  return {
    aggregate: 'collections',
    decode: decodeCollectionCommand,
    aggregateIdOf: collectionAggregateId,
    load: (command) => store.load(command),
    decide: decideCollection,
    evolve: evolveCollectionState,
    encodeEvent: encodeCollectionEvent,
    decodeEvent: decodeCollectionEvent,
    apply: (events) => store.apply(events),
  };
}
