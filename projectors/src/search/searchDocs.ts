import { PostKind } from '@verograph/contracts/posts/v1/posts';
import type { ConnectionLevel } from '@verograph/domain';

import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { audienceOf, dateOf, InvalidEventError, occurredAt, required } from '../events/projectedEvent.ts';
import { relationChanges, type RelationChange } from '../events/relationChanges.ts';

/** A user in the `users` index (mapping: migrations/elasticsearch/0001). */
export interface UserDoc {
  readonly id: string;
  readonly username: string;
  readonly display_name: string;
  readonly created_at?: string;
}

/** A post in the `posts` index (mapping: migrations/elasticsearch/0030). */
export interface LivePostDoc {
  readonly id: string;
  readonly author_id: string;
  readonly kind: string;
  readonly audience: string;
  readonly caption: string;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly deleted: false;
}

/**
 * What is left of a deleted post: no text to match, and a flag a replayed PostCreated
 * respects, so a deleted post can never come back.
 */
export interface DeletedPostDoc {
  readonly id: string;
  readonly author_id: string;
  readonly deleted: true;
}

export type PostDoc = LivePostDoc | DeletedPostDoc;

/**
 * One viewer's doc in the `audiences` index: the authors that admit the viewer, per audience
 * rule, for terms-lookup filters. Arrays are sorted and free of duplicates.
 */
export interface AudienceDoc {
  readonly viewer_id: string;
  /** Authors the viewer follows (FOLLOWERS posts). */
  readonly follows: readonly string[];
  /** Authors connected with the viewer, at any level (ACQUAINTANCES and FOLLOWERS posts). */
  readonly connected: readonly string[];
  /** Authors who file the viewer FRIEND or CLOSE_FRIEND (FRIENDS posts). */
  readonly friend_of: readonly string[];
  /** Authors who file the viewer CLOSE_FRIEND (CLOSE_FRIENDS posts). */
  readonly close_friend_of: readonly string[];
}

export type SearchTarget = 'users' | 'posts' | 'audiences';

/** One document an event changes: where, which, and how (a pure evolve of the current doc). */
export type SearchChange =
  | { readonly target: 'users'; readonly id: string; readonly evolve: (doc: UserDoc | undefined) => UserDoc }
  | { readonly target: 'posts'; readonly id: string; readonly evolve: (doc: PostDoc | undefined) => PostDoc }
  | {
      readonly target: 'audiences';
      readonly id: string;
      readonly evolve: (doc: AudienceDoc | undefined) => AudienceDoc;
    };

/** The documents an event changes. Events the search does not index give none. */
export function searchChangesFor(projected: ProjectedEvent): SearchChange[] {
  switch (projected.stream) {
    case 'users': {
      const body = projected.event.event;
      if (body.case === 'profileCreated' || body.case === 'profileUpdated') {
        const what = body.case === 'profileCreated' ? 'ProfileCreated' : 'ProfileUpdated';
        const id = required(body.value.userId, `${what}.user_id`);
        const profile = body.value.profile;
        if (!profile) throw new InvalidEventError(`${what}.profile is missing`);
        const createdAt = body.case === 'profileCreated' ? occurredAt(projected).toISOString() : undefined;
        return [
          {
            target: 'users',
            id,
            evolve: (doc) =>
              evolveUserDoc(doc, { id, username: profile.username, display_name: profile.displayName }, createdAt),
          },
        ];
      }
      return relationChanges(projected.event).map((change) => ({
        target: 'audiences',
        id: change.viewerId,
        evolve: (doc) => evolveAudienceDoc(doc ?? emptyAudienceDoc(change.viewerId), change),
      }));
    }
    case 'posts': {
      const body = projected.event.event;
      if (body.case === 'postCreated') {
        const p = body.value;
        const created = dateOf(p.createdAt);
        if (!created) throw new InvalidEventError('PostCreated.created_at is missing');
        const live: LivePostDoc = {
          id: required(p.postId, 'PostCreated.post_id'),
          author_id: required(p.authorId, 'PostCreated.author_id'),
          kind: PostKind[p.kind],
          audience: audienceOf(p.audience, 'PostCreated'),
          caption: p.caption,
          tags: [...p.tags],
          created_at: created.toISOString(),
          deleted: false,
        };
        return [{ target: 'posts', id: live.id, evolve: (doc) => (doc?.deleted ? doc : live) }];
      }
      if (body.case === 'postDeleted') {
        const tombstone: DeletedPostDoc = {
          id: required(body.value.postId, 'PostDeleted.post_id'),
          author_id: required(body.value.authorId, 'PostDeleted.author_id'),
          deleted: true,
        };
        return [{ target: 'posts', id: tombstone.id, evolve: () => tombstone }];
      }
      return [];
    }
    case 'collections':
      return [];
  }
}

/** A profile event's doc: the latest names, and the creation time of the first ProfileCreated. */
export function evolveUserDoc(
  doc: UserDoc | undefined,
  names: Omit<UserDoc, 'created_at'>,
  createdAt?: string,
): UserDoc {
  const created = doc?.created_at ?? createdAt;
  return created === undefined ? { ...names } : { ...names, created_at: created };
}

export function emptyAudienceDoc(viewerId: string): AudienceDoc {
  return { viewer_id: viewerId, follows: [], connected: [], friend_of: [], close_friend_of: [] };
}

const FRIEND_LEVELS: readonly ConnectionLevel[] = ['FRIEND', 'CLOSE_FRIEND'];

/**
 * Applies one relation change to a viewer's audience doc. Each change states the relation
 * absolutely (follows or not, filed at this level or not connected), so applying it twice
 * gives the same doc.
 */
export function evolveAudienceDoc(doc: AudienceDoc, change: RelationChange): AudienceDoc {
  const author = change.authorId;
  let next = doc;
  if (change.follows !== undefined) next = { ...next, follows: toggle(next.follows, author, change.follows) };
  if (change.level !== undefined) {
    const connectedNow = next.connected.includes(author);
    if (change.onlyIfConnected && !connectedNow) return next;
    const level = change.level;
    next = {
      ...next,
      connected: toggle(next.connected, author, level !== null),
      friend_of: toggle(next.friend_of, author, level !== null && FRIEND_LEVELS.includes(level)),
      close_friend_of: toggle(next.close_friend_of, author, level === 'CLOSE_FRIEND'),
    };
  }
  return next;
}

function toggle(ids: readonly string[], id: string, present: boolean): readonly string[] {
  const has = ids.includes(id);
  if (has === present) return ids;
  return present ? [...ids, id].sort() : ids.filter((x) => x !== id);
}
