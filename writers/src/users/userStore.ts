import type cassandra from 'cassandra-driver';
import DataLoader from 'dataloader';

import type { ConnectionLevel } from '@verograph/domain';
import { connectionLevels } from '@verograph/domain';

import type { CommandMeta, RecordedEvent } from '../writer/aggregateWriter.ts';
import { assertNever } from '../writer/decision.ts';
import type { ConnectionSide, Profile, UserCommand, UserEvent, UserState } from './userModel.ts';

import { WRITE_TIME, writeInOrder, type Statement } from '../writer/orderedWrites.ts';

const PREPARED = { prepare: true } as const;

/** The users writer's side of Cassandra: what it reads to decide, and how events land. */
export interface UserStore {
  load(command: UserCommand, meta: CommandMeta): Promise<UserState>;
  reserve(command: UserCommand, events: readonly UserEvent[], state: UserState): Promise<UserState | undefined>;
  apply(events: readonly RecordedEvent<UserEvent>[]): Promise<void>;
}

export function createUserStore(client: cassandra.Client): UserStore {
  // The writer reads every command's state at once as a batch starts (batchHandler.ts): the
  // profiles and follow checks of those reads go out together, an IN request for many, instead
  // of a request each (a batch of 500 follows asked 1,500 single-row reads). Nothing is cached:
  // each load still reads the store as it is.
  const profileLoader = new DataLoader<string, Profile | undefined>(
    async (userIds) => {
      const result = await client.execute(
        'SELECT id, username, display_name, bio, avatar_url FROM users WHERE id IN ?',
        [[...new Set(userIds)]],
        PREPARED,
      );
      const found = new Map(result.rows.map((row) => [String(row.get('id')), profileFrom(row)]));
      return userIds.map((id) => found.get(id));
    },
    { cache: false, maxBatchSize: IN_LIMIT },
  );
  const followLoader = new DataLoader<string, boolean>(
    async (pairs) => {
      const byFollower = new Map<string, string[]>();
      for (const pair of pairs) {
        const [followerId, followeeId] = pair.split(PAIR_SEPARATOR) as [string, string];
        byFollower.set(followerId, [...(byFollower.get(followerId) ?? []), followeeId]);
      }
      const follows = new Set<string>();
      await Promise.all(
        [...byFollower].map(async ([followerId, followeeIds]) => {
          const result = await client.execute(
            'SELECT followee_id FROM follows_by_follower WHERE follower_id = ? AND followee_id IN ?',
            [followerId, [...new Set(followeeIds)]],
            PREPARED,
          );
          for (const row of result.rows) follows.add(`${followerId}${PAIR_SEPARATOR}${String(row.get('followee_id'))}`);
        }),
      );
      return pairs.map((pair) => follows.has(pair));
    },
    { cache: false, maxBatchSize: IN_LIMIT },
  );

  const profiles = async (...userIds: string[]) => {
    const known = userIds.filter((id) => id !== '');
    const found = await profileLoader.loadMany(known);
    const map = new Map<string, Profile>();
    found.forEach((profile, i) => {
      if (profile instanceof Error) throw profile;
      if (profile) map.set(known[i]!, profile);
    });
    return map;
  };

  const following = (followerId: string, followeeId: string) =>
    followLoader.load(`${followerId}${PAIR_SEPARATOR}${followeeId}`);

  const levelOf = (value: unknown): ConnectionLevel | undefined => connectionLevels.find((l) => l === value);
  const side = async (userId: string, otherId: string): Promise<[string, ConnectionSide] | undefined> => {
    const row = (
      await client.execute(
        'SELECT state, my_level, their_level FROM connections WHERE user_id = ? AND other_id = ?',
        [userId, otherId],
        PREPARED,
      )
    ).first();
    const state = row?.get('state');
    if (state !== 'OUTGOING' && state !== 'INCOMING' && state !== 'CONNECTED') return undefined;
    return [userId, { state, myLevel: levelOf(row!.get('my_level')), theirLevel: levelOf(row!.get('their_level')) }];
  };
  const connection = async (a: string, b: string) =>
    new Map(
      (await Promise.all([side(a, b), side(b, a)])).filter((s): s is [string, ConnectionSide] => s !== undefined),
    );

  const usernameOf = async (userId: string) =>
    (await client.execute('SELECT username FROM users WHERE id = ?', [userId], PREPARED)).first()?.get('username') as
      string | null | undefined;

  /** Claims a username for a user (idempotent for that user); answers who holds it. */
  const claim = async (username: string, userId: string): Promise<string> => {
    const result = await client.execute(
      'INSERT INTO users_by_username (username, user_id) VALUES (?, ?) IF NOT EXISTS',
      [username, userId],
      PREPARED,
    );
    return result.wasApplied() ? userId : String(result.first()?.get('user_id') ?? '');
  };

  const statements = ({ event, envelope }: RecordedEvent<UserEvent>): Statement[] => {
    const at = envelope.occurredAt;
    switch (event.type) {
      case 'ProfileCreated':
        return [
          {
            query:
              'INSERT INTO users (id, username, display_name, bio, avatar_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
            params: [event.userId, ...profileColumns(event.profile), at, at, WRITE_TIME],
          },
        ];
      case 'ProfileUpdated': {
        return [
          {
            query:
              'UPDATE users USING TIMESTAMP ? SET username = ?, display_name = ?, bio = ?, avatar_url = ?, updated_at = ? WHERE id = ?',
            params: [WRITE_TIME, ...profileColumns(event.profile), at, event.userId],
          },
        ];
      }
      case 'Followed':
        return [
          {
            query:
              'INSERT INTO follows_by_follower (follower_id, followee_id, created_at) VALUES (?, ?, ?) USING TIMESTAMP ?',
            params: [event.followerId, event.followeeId, at, WRITE_TIME],
          },
          {
            query:
              'INSERT INTO follows_by_followee (followee_id, follower_id, created_at) VALUES (?, ?, ?) USING TIMESTAMP ?',
            params: [event.followeeId, event.followerId, at, WRITE_TIME],
          },
        ];
      case 'Unfollowed':
        return [
          {
            query: 'DELETE FROM follows_by_follower USING TIMESTAMP ? WHERE follower_id = ? AND followee_id = ?',
            params: [WRITE_TIME, event.followerId, event.followeeId],
          },
          {
            query: 'DELETE FROM follows_by_followee USING TIMESTAMP ? WHERE followee_id = ? AND follower_id = ?',
            params: [WRITE_TIME, event.followeeId, event.followerId],
          },
        ];
      case 'ConnectionRequested':
        // The requester's level is theirs alone until the request is accepted.
        return [
          connectionRow(event.requesterId, event.addresseeId, 'OUTGOING', event.level, null, at),
          connectionRow(event.addresseeId, event.requesterId, 'INCOMING', null, null, at),
        ];
      case 'ConnectionAccepted':
        return [
          connectionRow(
            event.requesterId,
            event.accepterId,
            'CONNECTED',
            event.requesterLevel,
            event.accepterLevel,
            at,
          ),
          connectionRow(
            event.accepterId,
            event.requesterId,
            'CONNECTED',
            event.accepterLevel,
            event.requesterLevel,
            at,
          ),
        ];
      case 'ConnectionLevelSet':
        return [
          {
            query:
              'UPDATE connections USING TIMESTAMP ? SET my_level = ?, updated_at = ? WHERE user_id = ? AND other_id = ?',
            params: [WRITE_TIME, event.level, at, event.userId, event.otherId],
          },
          {
            query:
              'UPDATE connections USING TIMESTAMP ? SET their_level = ?, updated_at = ? WHERE user_id = ? AND other_id = ?',
            params: [WRITE_TIME, event.level, at, event.otherId, event.userId],
          },
        ];
      // The read marker belongs to the notifications read model: its projector moves it.
      case 'NotificationsMarkedRead':
        return [];
      case 'ConnectionRemoved':
        return bothSidesGone(event.userId, event.otherId);
      case 'ConnectionDeclined':
        return bothSidesGone(event.declinerId, event.requesterId);
      case 'ConnectionRequestCancelled':
        return bothSidesGone(event.requesterId, event.addresseeId);
      default:
        return assertNever(event);
    }
  };

  return {
    async load(command) {
      switch (command.type) {
        case 'CreateProfile':
        case 'UpdateProfile':
          return { profiles: await profiles(command.userId) };
        case 'Follow': {
          const [known, follows] = await Promise.all([
            profiles(command.followerId, command.followeeId),
            following(command.followerId, command.followeeId),
          ]);
          return { profiles: known, following: follows };
        }
        case 'Unfollow':
          return { profiles: new Map(), following: await following(command.followerId, command.followeeId) };
        case 'RequestConnection': {
          const [known, sides] = await Promise.all([
            profiles(command.requesterId, command.addresseeId),
            connection(command.requesterId, command.addresseeId),
          ]);
          return { profiles: known, connection: sides };
        }
        case 'AcceptConnection':
          return { profiles: new Map(), connection: await connection(command.accepterId, command.requesterId) };
        case 'SetConnectionLevel':
        case 'RemoveConnection':
          return { profiles: new Map(), connection: await connection(command.userId, command.otherId) };
        case 'DeclineConnection':
          return { profiles: new Map(), connection: await connection(command.declinerId, command.requesterId) };
        case 'CancelConnectionRequest':
          return { profiles: new Map(), connection: await connection(command.requesterId, command.addresseeId) };
        case 'MarkNotificationsRead':
          return { profiles: new Map() };
        default:
          return assertNever(command);
      }
    },

    async reserve(command, events, state) {
      for (const event of events) {
        if (event.type !== 'ProfileCreated' && event.type !== 'ProfileUpdated') continue;
        const { username } = event.profile;
        if (state.profiles.get(event.userId)?.username === username) continue;
        const holder = await claim(username, event.userId);
        if (holder !== event.userId) return { ...state, usernameHolder: holder };
      }
      return undefined;
    },

    async apply(events) {
      // An old username is released before the row moves to the new one: should the writer
      // crash in between, the replay still finds the old name in the row. The row holds the
      // name from before these events; a profile event among them may have moved it since.
      const named = new Map<string, string>();
      for (const { event } of events) {
        if (event.type === 'ProfileCreated') named.set(event.userId, event.profile.username);
        if (event.type !== 'ProfileUpdated') continue;
        const old = named.get(event.userId) ?? (await usernameOf(event.userId));
        if (old && old !== event.profile.username) {
          await client.execute(
            'DELETE FROM users_by_username WHERE username = ? IF user_id = ?',
            [old, event.userId],
            PREPARED,
          );
        }
        named.set(event.userId, event.profile.username);
      }
      // Both sides of a follow or a connection go in one request with the events around them.
      await writeInOrder(client, events.map(statements));
    },
  };
}

/** Keys per IN request: Cassandra reads each from its own partition or row. */
const IN_LIMIT = 100;
/** Between the two ids of a follow key; no id holds it. */
const PAIR_SEPARATOR = '\u0000';

function profileFrom(row: cassandra.types.Row): Profile {
  return {
    username: String(row.get('username') ?? ''),
    displayName: String(row.get('display_name') ?? ''),
    bio: String(row.get('bio') ?? ''),
    avatarUrl: String(row.get('avatar_url') ?? ''),
  };
}

function profileColumns(profile: Profile): string[] {
  return [profile.username, profile.displayName, profile.bio, profile.avatarUrl];
}

/** Both rows of a pair deleted: a removed connection, or a declined or withdrawn request. */
function bothSidesGone(a: string, b: string): Statement[] {
  return [
    {
      query: 'DELETE FROM connections USING TIMESTAMP ? WHERE user_id = ? AND other_id = ?',
      params: [WRITE_TIME, a, b],
    },
    {
      query: 'DELETE FROM connections USING TIMESTAMP ? WHERE user_id = ? AND other_id = ?',
      params: [WRITE_TIME, b, a],
    },
  ];
}

function connectionRow(
  userId: string,
  otherId: string,
  state: ConnectionSide['state'],
  myLevel: ConnectionLevel | null,
  theirLevel: ConnectionLevel | null,
  at: Date,
): Statement {
  return {
    query:
      'INSERT INTO connections (user_id, other_id, state, my_level, their_level, updated_at) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
    params: [userId, otherId, state, myLevel, theirLevel, at, WRITE_TIME],
  };
}
