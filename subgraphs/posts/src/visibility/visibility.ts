import type { Audience, AuthorRelation } from '@verograph/domain';
import { audiences, canSee, visibleAudiences } from '@verograph/domain';
import { MAX_BATCH } from '@verograph/subgraph-kit';
import DataLoader from 'dataloader';

import type { RelationSource } from './relationsStore.ts';

/** What decides whether a viewer sees a post. */
export interface Audienced {
  readonly authorId: string;
  readonly audience: Audience;
}

/** One request's view of the audience rule, with the author relations it needs loaded in batches. */
export interface Visibility {
  readonly viewerId: string | undefined;
  /** How the author relates to the viewer (loaded once per author per request). */
  relationTo(authorId: string): Promise<AuthorRelation>;
  /** The audiences of an author's posts the viewer may see. */
  audiencesOf(authorId: string): Promise<readonly Audience[]>;
  canSee(post: Audienced): Promise<boolean>;
  /**
   * Tells the rule the viewer's complete follow list, read earlier in this same request, so
   * the follow half of a relation needs no round trip. Call it before the first check.
   */
  knowFollowees(followeeIds: Iterable<string>): void;
  /** The posts the viewer may see, aligned with the input (undefined where not). */
  visible<P extends Audienced>(posts: ReadonlyArray<P | undefined>): Promise<Array<P | undefined>>;
}

const stranger: AuthorRelation = { follows: false };

/**
 * The audience rule (`canSee`) for one viewer over many posts. Every author relation a
 * request needs is fetched through one DataLoader, so a page of posts by N authors costs
 * two round trips (connections, follows) per batch, not 2×N; an anonymous viewer and the
 * viewer's own posts cost none. Relations are read at request time, so a changed level
 * takes effect on the next read.
 */
export function createVisibility(viewerId: string | undefined, source: RelationSource): Visibility {
  let knownFollowees: ReadonlySet<string> | undefined;
  const relations = new DataLoader<string, AuthorRelation>(
    async (authorIds) => {
      if (viewerId === undefined) return authorIds.map(() => stranger);
      const known = knownFollowees;
      const [levels, followed] = await Promise.all([
        source.levelsFor(viewerId, authorIds),
        known ? new Set(authorIds.filter((id) => known.has(id))) : source.followedAmong(viewerId, authorIds),
      ]);
      return authorIds.map((id) => ({ level: levels.get(id), follows: followed.has(id) }));
    },
    { maxBatchSize: MAX_BATCH },
  );

  const relationTo = (authorId: string): Promise<AuthorRelation> =>
    viewerId === undefined || viewerId === authorId ? Promise.resolve(stranger) : relations.load(authorId);

  const canSeePost = async (post: Audienced): Promise<boolean> => {
    if (viewerId === undefined) return false;
    if (viewerId === post.authorId) return true;
    /*
     * A level only ever adds to what following shows, so a post that following alone admits
     * needs no connection read when the follow is known from this request's own read. A feed
     * page of followed authors' FOLLOWERS posts then costs no relation read at all; a post it
     * does not admit still reads one (see the feed's `visibleFeedPosts` for a missing one).
     */
    if (knownFollowees?.has(post.authorId) === true && canSee(viewerId, post, { follows: true })) return true;
    return canSee(viewerId, post, await relationTo(post.authorId));
  };

  return {
    viewerId,
    relationTo,
    async audiencesOf(authorId) {
      if (viewerId === undefined) return [];
      if (viewerId === authorId) return audiences;
      return visibleAudiences(await relationTo(authorId));
    },
    canSee: canSeePost,
    knowFollowees(followeeIds) {
      knownFollowees = new Set(followeeIds);
    },
    async visible(posts) {
      if (viewerId === undefined) return posts.map(() => undefined);
      return Promise.all(
        posts.map(async (post) => (post !== undefined && (await canSeePost(post)) ? post : undefined)),
      );
    },
  };
}
