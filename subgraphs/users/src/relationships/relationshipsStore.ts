import type { ConnectionLevel } from '@verograph/domain';
import { connectionLevels } from '@verograph/domain';
import type { CqlClient } from '@verograph/subgraph-kit';
import { rows, text } from '@verograph/subgraph-kit';

/** One side of a connection, from `user_id`'s point of view. */
export interface ConnectionSide {
  readonly otherId: string;
  /** OUTGOING: user_id asked; INCOMING: other_id asked; CONNECTED: both agreed. */
  readonly state: 'OUTGOING' | 'INCOMING' | 'CONNECTED';
  /** How user_id files other_id. */
  readonly myLevel: ConnectionLevel | undefined;
}

/** Batched reads of one user's follows and connections: each call is one round trip. */
export interface RelationshipsStore {
  /** Which of `candidates` the follower follows. */
  followeesAmong(followerId: string, candidates: readonly string[]): Promise<Set<string>>;
  /** The user's side of their connections with `others` (pending ones included). */
  connectionsAmong(userId: string, others: readonly string[]): Promise<Map<string, ConnectionSide>>;
}

const STATES = new Set(['OUTGOING', 'INCOMING', 'CONNECTED']);

export function levelOf(raw: unknown): ConnectionLevel | undefined {
  return connectionLevels.find((level) => level === raw);
}

export function createRelationshipsStore(client: CqlClient): RelationshipsStore {
  return {
    async followeesAmong(followerId, candidates) {
      const found = await rows(
        client,
        'SELECT followee_id FROM follows_by_follower WHERE follower_id = ? AND followee_id IN ?',
        [followerId, [...candidates]],
      );
      return new Set(found.map((r) => text(r.get('followee_id'))));
    },
    async connectionsAmong(userId, others) {
      const found = await rows(
        client,
        'SELECT other_id, state, my_level FROM connections WHERE user_id = ? AND other_id IN ?',
        [userId, [...others]],
      );
      const sides = new Map<string, ConnectionSide>();
      for (const r of found) {
        const state = text(r.get('state'));
        if (!STATES.has(state)) continue;
        const otherId = text(r.get('other_id'));
        sides.set(otherId, {
          otherId,
          state: state as ConnectionSide['state'],
          myLevel: levelOf(r.get('my_level')),
        });
      }
      return sides;
    },
  };
}
