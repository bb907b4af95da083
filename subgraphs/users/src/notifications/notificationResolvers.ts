import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { PostAudienceCheck } from '@verograph/posts-subgraph/audienceCheck';
import { DomainError } from '@verograph/domain';
import type { Connection, PayloadBase, TimeKey } from '@verograph/subgraph-kit';
import {
  awaitReadModel,
  compareTimeKeysDesc,
  connectionFromScan,
  decodeTimeCursor,
  encodeTimeCursor,
  pageSize,
  payloadBase,
  scanPage,
} from '@verograph/subgraph-kit';

import type { UsersContext } from '../context.ts';
import { ownerOnly, type PrivateField } from '../ownerOnly.ts';
import { runUserCommand } from '../userCommands.ts';
import type { UserRow } from '../users/usersStore.ts';
import type { NotificationRow, NotificationsStore } from './notificationsStore.ts';

/** What serving notifications takes: the read model, and the posts subgraph's audience rule. */
export interface NotificationServices {
  readonly store: NotificationsStore;
  readonly audience: PostAudienceCheck;
}

/**
 * The most unread notifications counted: the count reads every unread row (to drop those about
 * posts the viewer can no longer see), so it stops here and answers this number, a "999+".
 */
export const UNREAD_COUNT_LIMIT = 1000;

/** The viewer's read marker, read once per request. */
const markers = new WeakMap<UsersContext, Promise<TimeKey | undefined>>();
function markerOf(ctx: UsersContext, viewerId: string): Promise<TimeKey | undefined> {
  let marker = markers.get(ctx);
  if (!marker) {
    marker = ctx.services.notifications.store.marker(viewerId);
    markers.set(ctx, marker);
  }
  return marker;
}

/** Notifications are their recipient's alone: asked of anyone else, the answer is FORBIDDEN. */
const NOTIFICATIONS: PrivateField = {
  what: 'read your notifications',
  privateTo: 'Notifications are private to their recipient',
};

/**
 * Keeps the rows the viewer may be told about: those about no post, and those about a post
 * the posts subgraph's audience check admits now (not demoted away, not deleted).
 */
async function shown(
  ctx: UsersContext,
  viewerId: string,
  rows: readonly NotificationRow[],
): Promise<Array<NotificationRow | undefined>> {
  const postIds = [...new Set(rows.flatMap((r) => (r.postId ? [r.postId] : [])))];
  const visible = new Set<string>();
  for (let i = 0; i < postIds.length; i += 100) {
    for (const id of await ctx.services.notifications.audience.visibleAmong(viewerId, postIds.slice(i, i + 100))) {
      visible.add(id);
    }
  }
  return rows.map((r) => (r.postId === undefined || visible.has(r.postId) ? r : undefined));
}

async function unreadCount(ctx: UsersContext, viewerId: string, marker: TimeKey | undefined): Promise<number> {
  const unread = await ctx.services.notifications.store.newerThan(viewerId, marker, UNREAD_COUNT_LIMIT);
  return (await shown(ctx, viewerId, unread)).filter((r) => r !== undefined).length;
}

interface MarkArgs {
  readonly upTo: string;
  readonly clientMutationId?: string | null;
}

export interface MarkNotificationsReadPayload extends PayloadBase {
  readonly unreadNotificationCount: number | null;
}

/** User.notifications, User.unreadNotificationCount, the Notification type and markNotificationsRead. */
export const notificationResolvers = {
  User: {
    async notifications(
      user: UserRow,
      args: { first?: number | null; after?: string | null },
      ctx: UsersContext,
    ): Promise<Connection<NotificationRow>> {
      const viewerId = ownerOnly(user, ctx, NOTIFICATIONS);
      const want = pageSize(args.first);
      const page = await scanPage({
        want,
        after: decodeTimeCursor(args.after),
        chunkSize: Math.min(Math.max(want + 1, 20), 200),
        maxChunks: 5,
        fetch: async (from, limit) => {
          const rows = await ctx.services.notifications.store.page(viewerId, from, limit);
          return { rows, done: rows.length < limit };
        },
        keyOf: (row) => row.key,
        keep: (rows) => shown(ctx, viewerId, rows),
      });
      return connectionFromScan(page, encodeTimeCursor);
    },

    async unreadNotificationCount(user: UserRow, _: unknown, ctx: UsersContext): Promise<number> {
      const viewerId = ownerOnly(user, ctx, NOTIFICATIONS);
      return unreadCount(ctx, viewerId, await markerOf(ctx, viewerId));
    },
  },

  Notification: {
    id: (row: NotificationRow) => row.key.id,
    actor: async (row: NotificationRow, _: unknown, ctx: UsersContext) =>
      (await ctx.loaders.user.load(row.actorId)) ?? null,
    post: (row: NotificationRow) => (row.postId ? { __typename: 'Post', id: row.postId } : null),
    async read(row: NotificationRow, _: unknown, ctx: UsersContext): Promise<boolean> {
      const marker = await markerOf(ctx, row.recipientId);
      return marker !== undefined && compareTimeKeysDesc(row.key, marker) >= 0;
    },
  },

  Subscription: {
    /** Declared here so it composes into the API schema; the gateway serves it from notification.updates. */
    notificationReceived: (): never => {
      throw new DomainError(
        'FORBIDDEN',
        'Subscriptions are served by the gateway (graphql-ws or SSE at /graphql), not by the users subgraph.',
      );
    },
  },

  Mutation: {
    async markNotificationsRead(_: unknown, args: MarkArgs, ctx: UsersContext): Promise<MarkNotificationsReadPayload> {
      const upTo = decodeTimeCursor(args.upTo, 'upTo')!;
      const { store } = ctx.services.notifications;
      const run = await runUserCommand(ctx, {
        mutation: 'markNotificationsRead',
        aggregateId: (viewerId) => viewerId,
        scope: [args.upTo],
        clientMutationId: args.clientMutationId,
        command: (viewerId) => ({
          case: 'markNotificationsRead',
          value: { userId: viewerId, upToTime: timestampFromDate(new Date(upTo.t)), upToId: upTo.id },
        }),
        async check(viewerId) {
          if (!(await store.has(viewerId, upTo))) {
            throw new DomainError('INVALID_CURSOR', 'upTo is not the cursor of one of your notifications.', {
              field: 'upTo',
            });
          }
        },
      });
      let unreadNotificationCount: number | null = null;
      if (run.result.status === 'APPLIED') {
        // The projector moves the marker; wait (within the mutation's wait) until it has.
        const reached = async () => {
          const marker = await store.marker(run.viewerId);
          return marker !== undefined && compareTimeKeysDesc(upTo, marker) >= 0;
        };
        await awaitReadModel(reached, run.deadline);
        unreadNotificationCount = await unreadCount(ctx, run.viewerId, await store.marker(run.viewerId));
      }
      return { ...payloadBase(run.result, args.clientMutationId), unreadNotificationCount };
    },
  },
};
