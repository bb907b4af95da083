import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { audienceOf, dateOf, InvalidEventError, required } from '../events/projectedEvent.ts';
import { relationChanges } from '../events/relationChanges.ts';
import { canSee, type Audience, type AuthorRelation, type ConnectionLevel } from '@verograph/domain';

/** A post as the feed sees it. */
export interface FeedPost {
  readonly postId: string;
  readonly authorId: string;
  readonly audience: Audience;
  readonly createdAt: Date;
}

/** A post's current state in the system of record. */
export interface PostState extends FeedPost {
  readonly deleted: boolean;
}

/** One row of `feed_by_viewer`. */
export interface FeedRow {
  readonly viewerId: string;
  readonly createdAt: Date;
  readonly postId: string;
  readonly authorId: string;
}

/** A possible recipient with what the author's side says about them. */
export interface Candidate {
  readonly viewerId: string;
  readonly relation: AuthorRelation;
}

/** A viewer/author pair whose timeline relation changed. */
export interface ViewerAuthorPair {
  readonly viewerId: string;
  readonly authorId: string;
}

/** What the feeds projector does for one event. */
export type FeedWork =
  | { readonly kind: 'push'; readonly post: FeedPost }
  | { readonly kind: 'retract'; readonly postId: string; readonly authorId: string; readonly createdAt: Date }
  | { readonly kind: 'reevaluate'; readonly pairs: readonly ViewerAuthorPair[] }
  | { readonly kind: 'none' };

/** Decides the feed work an event asks for; throws InvalidEventError on a broken event. */
export function feedWorkFor(projected: ProjectedEvent): FeedWork {
  switch (projected.stream) {
    case 'posts': {
      const body = projected.event.event;
      if (body.case === 'postCreated') {
        const created = dateOf(body.value.createdAt);
        if (!created) throw new InvalidEventError('PostCreated.created_at is missing');
        return {
          kind: 'push',
          post: {
            postId: required(body.value.postId, 'PostCreated.post_id'),
            authorId: required(body.value.authorId, 'PostCreated.author_id'),
            audience: audienceOf(body.value.audience, 'PostCreated'),
            createdAt: created,
          },
        };
      }
      if (body.case === 'postDeleted') {
        const created = dateOf(body.value.createdAt);
        if (!created) throw new InvalidEventError('PostDeleted.created_at is missing');
        return {
          kind: 'retract',
          postId: required(body.value.postId, 'PostDeleted.post_id'),
          authorId: required(body.value.authorId, 'PostDeleted.author_id'),
          createdAt: created,
        };
      }
      return { kind: 'none' };
    }
    case 'users': {
      const pairs = uniquePairs(relationChanges(projected.event));
      return pairs.length > 0 ? { kind: 'reevaluate', pairs } : { kind: 'none' };
    }
    case 'collections':
      return { kind: 'none' };
  }
}

function uniquePairs(changes: readonly ViewerAuthorPair[]): ViewerAuthorPair[] {
  const seen = new Map<string, ViewerAuthorPair>();
  for (const { viewerId, authorId } of changes) seen.set(`${viewerId}\u0000${authorId}`, { viewerId, authorId });
  return [...seen.values()];
}

/** The relation the audience rule reads, from the author's connection row and the follow. */
export function relationOf(level: ConnectionLevel | undefined, follows: boolean): AuthorRelation {
  return level === undefined ? { follows } : { level, follows };
}

/**
 * Whether a post is pushed into a viewer's timeline. Never to the author. For an author whose
 * followers are pulled at read time, only viewers the author filed at a level get a push: their
 * visibility differs per level, which the read-time pull of followers cannot know.
 */
export function receivesPush(post: FeedPost, candidate: Candidate, authorPulled: boolean): boolean {
  if (candidate.viewerId === post.authorId) return false;
  if (!canSee(candidate.viewerId, post, candidate.relation)) return false;
  return !authorPulled || candidate.relation.level !== undefined;
}

/** The viewers among `candidates` who get the post pushed. */
export function pushRecipients(post: FeedPost, candidates: Iterable<Candidate>, authorPulled: boolean): string[] {
  const recipients: string[] = [];
  for (const candidate of candidates)
    if (receivesPush(post, candidate, authorPulled)) recipients.push(candidate.viewerId);
  return recipients;
}

/** Followers of the author, each with the level the author files them at (if connected). */
export function followerCandidates(
  followerIds: readonly string[],
  connections: ReadonlyMap<string, ConnectionLevel | undefined>,
): Candidate[] {
  return followerIds.map((viewerId) => ({ viewerId, relation: relationOf(connections.get(viewerId), true) }));
}

/** The author's connections not already met among the followers: they do not follow the author. */
export function connectionCandidates(
  connections: ReadonlyMap<string, ConnectionLevel | undefined>,
  followersSeen: ReadonlySet<string>,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const [viewerId, level] of connections) {
    if (!followersSeen.has(viewerId)) candidates.push({ viewerId, relation: relationOf(level, false) });
  }
  return candidates;
}

/**
 * Whether the author's followers were pulled (not pushed) when the post was created: they were
 * if the author was already in `pulled_authors` at the post's time.
 */
export function pulledAtCreation(createdAt: Date, pulledSince: Date | undefined): boolean {
  return pulledSince !== undefined && createdAt.getTime() >= pulledSince.getTime();
}

/** What one viewer's timeline should hold of one author, given the relation now. */
export interface Reevaluation {
  readonly viewerId: string;
  readonly authorId: string;
  readonly relation: AuthorRelation;
  readonly authorPulled: boolean;
  /** The author's latest posts (a bounded window), newest first. */
  readonly recentPosts: readonly PostState[];
  /** The author's rows currently in the viewer's timeline. */
  readonly timeline: readonly FeedRow[];
  /** The current state of the posts in `timeline`; a missing one no longer exists. */
  readonly postStates: ReadonlyMap<string, PostState>;
}

export interface TimelineChanges {
  readonly add: FeedRow[];
  readonly remove: FeedRow[];
}

/**
 * Re-evaluates one viewer's timeline for one author after their relation changed: removes every
 * row of the author the viewer may no longer see (however old), and adds the recent posts that
 * are now visible and missing. Rows that stay visible are left alone, so this is idempotent.
 */
export function planReevaluation(r: Reevaluation): TimelineChanges {
  const remove = r.timeline.filter((row) => {
    const state = r.postStates.get(row.postId);
    return state === undefined || state.deleted || !canSee(r.viewerId, state, r.relation);
  });
  const removed = new Set(remove);
  const kept = new Set(r.timeline.filter((row) => !removed.has(row)).map((row) => row.postId));
  const candidate: Candidate = { viewerId: r.viewerId, relation: r.relation };
  const add = r.recentPosts
    .filter((post) => !post.deleted && !kept.has(post.postId) && receivesPush(post, candidate, r.authorPulled))
    .map((post) => rowFor(r.viewerId, post));
  return { add, remove };
}

export function rowFor(viewerId: string, post: Pick<FeedPost, 'postId' | 'authorId' | 'createdAt'>): FeedRow {
  return { viewerId, createdAt: post.createdAt, postId: post.postId, authorId: post.authorId };
}
