import type { CqlClient } from '@verograph/subgraph-kit';

import { createPostsStore } from '../posts/postsStore.ts';
import { createRelationSource } from './relationsStore.ts';
import { createVisibility } from './visibility.ts';

/** The posts subgraph's audience rule over post ids, for a read model that only knows ids. */
export interface PostAudienceCheck {
  /**
   * The ids among `postIds` that the viewer may see now: the post exists, is not deleted, and
   * its audience admits the viewer by the relations recorded at this moment. Missing, deleted
   * and invisible posts are all simply absent from the answer.
   */
  visibleAmong(viewerId: string | undefined, postIds: readonly string[]): Promise<Set<string>>;
}

/**
 * The same check `post(id)` and `Post.__resolveReference` make, read from the system of record
 * (the posts table, the connections and follows rows), for the search subgraph: its
 * Elasticsearch documents trail a demotion or a deletion by the projector's lag, so a hit is
 * shown only once this check agrees. Two or three Cassandra round trips per page of hits.
 */
export function createPostAudienceCheck(client: CqlClient): PostAudienceCheck {
  const posts = createPostsStore(client);
  const relations = createRelationSource(client);
  return {
    async visibleAmong(viewerId, postIds) {
      if (viewerId === undefined || postIds.length === 0) return new Set();
      const rows = await posts.postsByIds([...new Set(postIds)]);
      const live = postIds.map((id) => {
        const row = rows.get(id);
        return row === undefined || row.deleted ? undefined : row;
      });
      const visible = await createVisibility(viewerId, relations).visible(live);
      return new Set(visible.flatMap((post) => (post === undefined ? [] : [post.id])));
    },
  };
}
