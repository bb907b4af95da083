import type { CommandServices, ViewerRequest } from '@verograph/subgraph-kit';
import { keyedLoader } from '@verograph/subgraph-kit';
import type DataLoader from 'dataloader';

import type { NotificationServices } from './notifications/notificationResolvers.ts';
import type { ConnectionSide, RelationshipsStore } from './relationships/relationshipsStore.ts';
import type { SocialGraphStore } from './relationships/socialGraphStore.ts';
import type { UserCounts, UserRow, UsersStore } from './users/usersStore.ts';

/** The stores and the command path, built once by main.ts and shared by every request. */
export interface UsersServices extends CommandServices {
  readonly users: UsersStore;
  readonly relationships: RelationshipsStore;
  /** Whole follow and connection lists, page by page. */
  readonly socialGraph: SocialGraphStore;
  readonly notifications: NotificationServices;
}

/** One request's loaders: each entity is fetched at most once and in batches. */
export interface UsersLoaders {
  readonly user: DataLoader<string, UserRow | undefined>;
  readonly userIdByUsername: DataLoader<string, string | undefined>;
  readonly counts: DataLoader<string, UserCounts | undefined>;
  /** Whether the viewer follows a user (always undefined for an anonymous viewer). */
  readonly viewerFollows: DataLoader<string, true | undefined>;
  /** The viewer's side of their connection with a user. */
  readonly viewerConnection: DataLoader<string, ConnectionSide | undefined>;
}

export interface UsersContext {
  readonly viewer: ViewerRequest;
  readonly services: UsersServices;
  readonly loaders: UsersLoaders;
}

export function createUsersContext(services: UsersServices, viewer: ViewerRequest): UsersContext {
  const { users, relationships } = services;
  const viewerId = viewer.viewerId;
  return {
    viewer,
    services,
    loaders: {
      user: keyedLoader((ids: readonly string[]) => users.usersByIds(ids)),
      userIdByUsername: keyedLoader((names: readonly string[]) => users.userIdsByUsernames(names)),
      counts: keyedLoader((ids: readonly string[]) => users.countsByIds(ids)),
      viewerFollows: keyedLoader(async (ids: readonly string[]) => {
        if (viewerId === undefined) return new Map<string, true>();
        const followed = await relationships.followeesAmong(viewerId, ids);
        return new Map([...followed].map((id) => [id, true as const]));
      }),
      viewerConnection: keyedLoader(async (ids: readonly string[]) =>
        viewerId === undefined ? new Map<string, ConnectionSide>() : relationships.connectionsAmong(viewerId, ids),
      ),
    },
  };
}
