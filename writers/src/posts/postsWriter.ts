import type cassandra from 'cassandra-driver';

import type { AggregateWriter } from '../writer/aggregateWriter.ts';
import { evolvePostState } from './evolvePost.ts';
import { decidePost, postAggregateId } from './decidePost.ts';
import { decodePostCommand, decodePostEvent, encodePostEvent } from './postCodec.ts';
import type { PostCommand, PostEvent, PostState } from './postModel.ts';
import { createPostStore } from './postStore.ts';

/** The posts writer: posts, loves and comments, from posts.commands to posts.events. */
export function createPostsWriter(client: cassandra.Client): AggregateWriter<PostCommand, PostEvent, PostState> {
  const store = createPostStore(client);
  return {
    aggregate: 'posts',
    decode: decodePostCommand,
    aggregateIdOf: postAggregateId,
    load: (command) => store.load(command),
    decide: decidePost,
    evolve: evolvePostState,
    encodeEvent: encodePostEvent,
    decodeEvent: decodePostEvent,
    apply: (events) => store.apply(events),
    forget: () => store.forget(),
  };
}
