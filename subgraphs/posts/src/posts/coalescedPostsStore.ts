import { keyBatcher } from '@verograph/subgraph-kit';

import type { PostRow, PostsStore } from './postsStore.ts';

/**
 * The posts store with `postsByIds` coalesced across the operations executing together: a live
 * update's recipients, executed as one viewer batch, each ask for the same new post (not yet in
 * the row cache) and get it from one read. Their audience checks then run together too, and read
 * the author's relations once (see visibility/relationsStore.ts).
 */
export function coalescedPostsStore(store: PostsStore): PostsStore {
  const rows = keyBatcher<PostRow>((ids) => store.postsByIds(ids));
  return {
    ...store,
    async postsByIds(ids) {
      const found = new Map<string, PostRow>();
      const answers = await Promise.all(ids.map((id) => rows.load(id)));
      answers.forEach((row, i) => {
        if (row !== undefined) found.set(ids[i]!, row);
      });
      return found;
    },
  };
}
