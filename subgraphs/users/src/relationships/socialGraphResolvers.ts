import type { ConnectionLevel } from '@verograph/domain';
import type { Connection, ScanChunk, ScanResult } from '@verograph/subgraph-kit';
import {
  connectionFromScan,
  decodeCursor,
  encodeCursor,
  pageSize,
  requireViewer,
  scanPage,
} from '@verograph/subgraph-kit';

import type { UsersContext } from '../context.ts';
import { ownerOnly, type PrivateField } from '../ownerOnly.ts';
import type { UserRow } from '../users/usersStore.ts';
import type { ConnectionRow, FollowRow } from './socialGraphStore.ts';

interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/**
 * The sort key of every list here: the other user's id, the clustering order of the tables
 * they are read from (`follows_by_*`, `connections`). Those tables are keyed for "does A
 * follow / how does A file B" and for fan-out, not by time, so these lists are in id order;
 * newest first would need a table clustered by time, which nothing needs yet.
 */
interface IdKey {
  readonly id: string;
}

function isIdKey(value: unknown): value is IdKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { id } = value as Record<string, unknown>;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 && Object.keys(value).length === 1;
}

const encodeIdCursor = (key: IdKey): string => encodeCursor({ id: key.id });
const decodeIdCursor = (after: string | null | undefined): IdKey | undefined =>
  after === null || after === undefined ? undefined : decodeCursor(after, isIdKey);

/**
 * Rows per round trip, and round trips per page. A follow list keeps nearly every row (only a
 * user without a profile is skipped); a connection list filters one partition by state, so a
 * page of pending requests among many connections may stop on its budget and resume from there.
 */
const CHUNK = 100;
const MAX_CHUNKS = 10;

/** What an edge carries besides its cursor: the user, and facts about the relation. */
type EdgeItem<E> = { readonly node: UserRow } & E;
type EdgeOf<E> = { readonly cursor: string; readonly node: UserRow } & E;
/** A Relay connection whose edges carry more than cursor and node. */
interface RichConnection<E> {
  readonly edges: readonly EdgeOf<E>[];
  readonly pageInfo: Connection<unknown>['pageInfo'];
}

/** One page of a partition scan, as a Relay connection whose edges carry `E` beside the node. */
async function page<R, E extends object>(
  ctx: UsersContext,
  args: PageArgs,
  fetch: (afterId: string | undefined, limit: number) => Promise<ScanChunk<R>>,
  idOf: (row: R) => string,
  extra: (row: R) => E | undefined,
  /** Whether `extra` drops rows by state: then every chunk is a full one, however small the page. */
  filtered = false,
): Promise<RichConnection<E>> {
  const want = pageSize(args.first);
  const after = decodeIdCursor(args.after);
  const result: ScanResult<EdgeItem<E>, IdKey> = await scanPage({
    want,
    after,
    chunkSize: filtered ? CHUNK : Math.min(CHUNK, want + 1),
    maxChunks: MAX_CHUNKS,
    fetch: (from, limit) => fetch(from?.id, limit),
    keyOf: (row) => ({ id: idOf(row) }),
    async keep(rows) {
      const listed = rows.map(extra);
      const ids = rows.filter((_, i) => listed[i] !== undefined).map(idOf);
      const users = new Map(ids.map((id, i) => [id, i]));
      const loaded = await ctx.loaders.user.loadMany(ids);
      return rows.map((row, i) => {
        const facts = listed[i];
        const user = loaded[users.get(idOf(row)) ?? -1];
        // A user without a profile row is nobody to list.
        if (facts === undefined || user === undefined || user instanceof Error) return undefined;
        return { ...facts, node: user };
      });
    },
  });
  const connection = connectionFromScan(result, encodeIdCursor);
  return {
    pageInfo: connection.pageInfo,
    edges: connection.edges.map(({ cursor, node }) => ({ ...node, cursor })),
  };
}

const follows = (which: 'followers' | 'following') =>
  async function (user: UserRow, args: PageArgs, ctx: UsersContext) {
    requireViewer(ctx.viewer.viewerId, `see whom a user follows and who follows them`);
    const store = ctx.services.socialGraph;
    return page(
      ctx,
      args,
      (afterId, limit) => store[which](user.id, afterId, limit),
      (row: FollowRow) => row.userId,
      (row) => ({ since: row.since }),
    );
  };

type RequestDirection = 'INCOMING' | 'OUTGOING';

/** Connections, their levels and pending requests are their owner's alone: FORBIDDEN to anyone else. */
const CONNECTIONS: PrivateField = {
  what: 'see your connections and connection requests',
  privateTo: 'Connections, their levels and connection requests are private to their owner',
};

/**
 * User.followers and User.following (any signed-in viewer, like the profile they hang off),
 * and User.connections and User.connectionRequests: answered only when the User is the
 * signed-in viewer (through `me`, or `user(id:)` with their own id), FORBIDDEN otherwise.
 */
export const socialGraphResolvers = {
  User: {
    followers: follows('followers'),
    following: follows('following'),

    connections(user: UserRow, args: PageArgs & { level?: ConnectionLevel | null }, ctx: UsersContext) {
      const viewerId = ownerOnly(user, ctx, CONNECTIONS);
      const level = args.level ?? undefined;
      return page(
        ctx,
        args,
        (afterId, limit) => ctx.services.socialGraph.connections(viewerId, afterId, limit),
        (row: ConnectionRow) => row.otherId,
        (row) => {
          if (row.state !== 'CONNECTED' || row.myLevel === undefined) return undefined;
          if (level !== undefined && row.myLevel !== level) return undefined;
          return { level: row.myLevel };
        },
        true,
      );
    },

    connectionRequests(user: UserRow, args: PageArgs & { direction: RequestDirection }, ctx: UsersContext) {
      const viewerId = ownerOnly(user, ctx, CONNECTIONS);
      return page(
        ctx,
        args,
        (afterId, limit) => ctx.services.socialGraph.connections(viewerId, afterId, limit),
        (row: ConnectionRow) => row.otherId,
        (row) => {
          if (row.state !== args.direction) return undefined;
          // The level of a request is the requester's alone: the addressee never sees it.
          return {
            direction: args.direction,
            level: args.direction === 'OUTGOING' ? (row.myLevel ?? null) : null,
            requestedAt: row.updatedAt,
          };
        },
        true,
      );
    },
  },
};
