import type { ConnectionLevel } from '@verograph/domain';
import { connectionLevels } from '@verograph/domain';
import type { CqlClient } from '@verograph/subgraph-kit';
import { partitionBatcher, rows, text } from '@verograph/subgraph-kit';
import type { types } from 'cassandra-driver';

/** What the audience rule needs to know about a viewer and many authors, in batches. */
export interface RelationSource {
  /** How each author files the viewer, for the authors connected with the viewer. One round trip. */
  levelsFor(viewerId: string, authorIds: readonly string[]): Promise<Map<string, ConnectionLevel>>;
  /** Which of the authors the viewer follows. One round trip. */
  followedAmong(viewerId: string, authorIds: readonly string[]): Promise<Set<string>>;
}

export function createRelationSource(client: CqlClient): RelationSource {
  /*
   * One author and one viewer is the shape of a post read by id, of an entity reference and of
   * a live delivery: a post delivered to twenty followers is twenty such operations, which the
   * gateway sends as one batch. Those are read from the AUTHOR's partitions, where the viewers
   * are clustering keys, coalesced across the operations executing together: one read per
   * author for all of them instead of one or two per viewer. (The author's side is also the
   * authoritative one for the level.)
   */
  const levelOnAuthorSide = partitionBatcher<ConnectionLevel>(async (authorId, viewerIds) => {
    const found = await rows(
      client,
      'SELECT other_id, state, my_level FROM connections WHERE user_id = ? AND other_id IN ?',
      [authorId, [...viewerIds]],
    );
    return connectedLevels(found, 'other_id');
  });
  const followerOnAuthorSide = partitionBatcher<true>(async (authorId, viewerIds) => {
    const found = await rows(
      client,
      'SELECT follower_id FROM follows_by_followee WHERE followee_id = ? AND follower_id IN ?',
      [authorId, [...viewerIds]],
    );
    return new Map(found.map((r) => [text(r.get('follower_id')), true as const]));
  });

  return {
    async levelsFor(viewerId, authorIds) {
      if (authorIds.length === 1) {
        const authorId = authorIds[0]!;
        const level = await levelOnAuthorSide.load(authorId, viewerId);
        return new Map(level === undefined ? [] : [[authorId, level]]);
      }
      /*
       * The author's own side is authoritative: it is how the author files the viewer. But
       * asking every author's partition costs one partition read per author, and most
       * authors in a feed are not connected with the viewer at all. The viewer's own
       * partition (one read) says with whom a connection exists; only those authors' sides
       * are then read. Both sides are written together by the users writer; in the instant
       * one exists without the other the viewer is taken as not connected, which can only
       * hide a post, never show one.
       */
      const candidates = (
        await rows(client, 'SELECT other_id FROM connections WHERE user_id = ? AND other_id IN ?', [
          viewerId,
          [...authorIds],
        ])
      ).map((r) => text(r.get('other_id')));
      if (candidates.length === 0) return new Map<string, ConnectionLevel>();
      const found = await rows(
        client,
        'SELECT user_id, state, my_level FROM connections WHERE user_id IN ? AND other_id = ?',
        [candidates, viewerId],
      );
      return connectedLevels(found, 'user_id');
    },
    async followedAmong(viewerId, authorIds) {
      if (authorIds.length === 1) {
        const authorId = authorIds[0]!;
        return new Set((await followerOnAuthorSide.load(authorId, viewerId)) ? [authorId] : []);
      }
      const found = await rows(
        client,
        'SELECT followee_id FROM follows_by_follower WHERE follower_id = ? AND followee_id IN ?',
        [viewerId, [...authorIds]],
      );
      return new Set(found.map((r) => text(r.get('followee_id'))));
    },
  };
}

/** The level each connected row files the other user at, by the user named in `column` (pending rows left out). */
function connectedLevels(found: readonly types.Row[], column: 'user_id' | 'other_id'): Map<string, ConnectionLevel> {
  const levels = new Map<string, ConnectionLevel>();
  for (const r of found) {
    const level = connectionLevels.find((l) => l === r.get('my_level'));
    if (r.get('state') === 'CONNECTED' && level !== undefined) levels.set(text(r.get(column)), level);
  }
  return levels;
}
