import type { CqlClient } from '@verograph/subgraph-kit';
import { longToNumber, rows, text, timestamp } from '@verograph/subgraph-kit';

/** A profile as the users writer recorded it. */
export interface UserRow {
  readonly __typename: 'User';
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly bio: string;
  readonly avatarUrl: string | null;
  readonly createdAt: Date;
}

/** Followers, followings and connections, as the counters projector keeps them. */
export interface UserCounts {
  readonly followers: number;
  readonly following: number;
  readonly connections: number;
}

/** Batched reads of profiles: each call is one Cassandra round trip. */
export interface UsersStore {
  usersByIds(ids: readonly string[]): Promise<Map<string, UserRow>>;
  userIdsByUsernames(usernames: readonly string[]): Promise<Map<string, string>>;
  countsByIds(ids: readonly string[]): Promise<Map<string, UserCounts>>;
}

export function createUsersStore(client: CqlClient): UsersStore {
  return {
    async usersByIds(ids) {
      const found = await rows(
        client,
        'SELECT id, username, display_name, bio, avatar_url, created_at FROM users WHERE id IN ?',
        [[...ids]],
      );
      return new Map(
        found.map((r) => {
          const user: UserRow = {
            __typename: 'User',
            id: text(r.get('id')),
            username: text(r.get('username')),
            displayName: text(r.get('display_name')),
            bio: text(r.get('bio')),
            avatarUrl: text(r.get('avatar_url')) || null,
            createdAt: timestamp(r.get('created_at')),
          };
          return [user.id, user];
        }),
      );
    },
    async userIdsByUsernames(usernames) {
      const found = await rows(client, 'SELECT username, user_id FROM users_by_username WHERE username IN ?', [
        [...usernames],
      ]);
      return new Map(found.map((r) => [text(r.get('username')), text(r.get('user_id'))]));
    },
    async countsByIds(ids) {
      const found = await rows(
        client,
        'SELECT user_id, follower_count, following_count, connection_count FROM user_counts WHERE user_id IN ?',
        [[...ids]],
      );
      return new Map(
        found.map((r) => [
          text(r.get('user_id')),
          {
            followers: longToNumber(r.get('follower_count')),
            following: longToNumber(r.get('following_count')),
            connections: longToNumber(r.get('connection_count')),
          },
        ]),
      );
    },
  };
}
