import { FeedUpdateKind } from '@verograph/contracts/live/v1/updates';

import type { WriteClock } from '../cassandra/writeClock.ts';
import type { DeliveryContext, HandlerOutcome, Projector } from '../consumer/projector.ts';
import { applying } from '../consumer/projector.ts';
import { eventId, occurredAt, type ProjectedEvent } from '../events/projectedEvent.ts';
import type { FeedPost, FeedRow, PostState, ViewerAuthorPair } from './feedPlan.ts';
import {
  connectionCandidates,
  feedWorkFor,
  followerCandidates,
  planReevaluation,
  pulledAtCreation,
  pushRecipients,
  rowFor,
} from './feedPlan.ts';
import type { FeedStore } from './feedStore.ts';
import { feedUpdatesFor, type FeedUpdatesSink } from './feedUpdates.ts';

export interface FeedsSettings {
  /** Above this many followers an author's followers pull instead of receiving pushes. */
  readonly pushLimit: number;
  /** Followers read per page during a fan-out (rows written between two heartbeats). */
  readonly followerPageSize: number;
  /** How many of an author's latest posts a new or upgraded viewer gets into their timeline. */
  readonly backfill: number;
}

export const defaultFeedsSettings: FeedsSettings = { pushLimit: 50_000, followerPageSize: 5_000, backfill: 200 };

export interface FeedsDeps {
  readonly store: FeedStore;
  readonly updates: FeedUpdatesSink;
  readonly clock: WriteClock;
  readonly settings: FeedsSettings;
}

/**
 * The feeds projector: fan-out on write into `feed_by_viewer`, hybrid with pull for authors
 * with very many followers, re-evaluation of one viewer/author pair when their relation changes.
 *
 * Every decision reads the system of record as it is now (not the event's snapshot), and every
 * write carries a timestamp taken before that read: replays, reordering between topics and
 * races between two handlers all converge on what the latest read says.
 */
export function createFeedsProjector(deps: FeedsDeps, groupId = 'projectors.feeds'): Projector {
  const memory = createPulledMemory();
  return {
    name: 'feeds',
    groupId,
    streams: ['posts', 'users'],
    handle: (event, context) => handleFeedEvent(event, deps, context, memory),
  };
}

/**
 * Authors this projector has seen pulled. It decides only whether a push reads the first page
 * of followers before knowing whether the author is pulled (a read with no effect, wasted on a
 * pulled author's thousands of followers): never what is written.
 */
export interface PulledMemory {
  has(authorId: string): boolean;
  add(authorId: string): void;
}

/** A bounded memory of pulled authors (forgotten all at once when full: forgetting only costs a read). */
export function createPulledMemory(max = 10_000): PulledMemory {
  const authors = new Set<string>();
  return {
    has: (authorId) => authors.has(authorId),
    add(authorId) {
      if (authors.size >= max) authors.clear();
      authors.add(authorId);
    },
  };
}

export function handleFeedEvent(
  projected: ProjectedEvent,
  deps: FeedsDeps,
  context: DeliveryContext,
  memory: PulledMemory = createPulledMemory(),
): Promise<HandlerOutcome> {
  return applying(async () => {
    const work = feedWorkFor(projected);
    if (work.kind === 'none') return;
    const cause = { eventId: eventId(projected), occurredAt: occurredAt(projected) };
    const publish = publisher(deps, context, cause);
    switch (work.kind) {
      case 'push':
        await push(work.post, deps, context, publish, memory);
        break;
      case 'retract':
        await retract(work, deps, context, publish);
        break;
      case 'reevaluate':
        for (const pair of work.pairs) await reevaluate(pair, deps, publish);
        break;
    }
    await publish.flush();
    context.log.debug({ work: work.kind }, 'feed updated');
  });
}

/** Publishes live updates one batch behind the writes, so a page's writes overlap the last page's publish. */
function publisher(deps: FeedsDeps, context: DeliveryContext, cause: { eventId: string; occurredAt: Date }) {
  let chain = Promise.resolve();
  return {
    rows(rows: readonly FeedRow[], kind: FeedUpdateKind) {
      if (rows.length === 0) return;
      const updates = feedUpdatesFor(rows, kind, cause);
      chain = chain.then(() => deps.updates.publish(updates, context.traceHeaders));
      // Marked as handled here; flush() still hands the failure to the handler.
      chain.catch(() => {});
    },
    flush: () => chain,
  };
}
type Publisher = ReturnType<typeof publisher>;

async function push(
  post: FeedPost,
  deps: FeedsDeps,
  context: DeliveryContext,
  publish: Publisher,
  memory: PulledMemory,
): Promise<void> {
  const { store, settings } = deps;
  const at = deps.clock();
  // The first page of followers is read beside the four reads below, not after them: one round
  // trip fewer before the first rows (and their live updates) go out. Unless the author was seen
  // pulled: then the page would most likely be read for nothing.
  const followerPages = memory.has(post.authorId)
    ? undefined
    : prefetched(store.followersOf(post.authorId, settings.followerPageSize));
  const [states, connections, pulledSince, followerCount] = await Promise.all([
    store.postStates([post.postId]),
    store.connectionsOf(post.authorId),
    store.pulledSince(post.authorId),
    store.followerCount(post.authorId),
  ]);
  const state = states.get(post.postId);
  // Deleted since (or never written): PostDeleted, behind this event on the same partition, has
  // nothing to retract then, so pushing now would leave rows for good.
  if (!state || state.deleted) return;

  let pulled = pulledSince !== undefined;
  if (!pulled && (followerCount ?? 0n) > BigInt(settings.pushLimit)) {
    await store.markPulled(post.authorId, post.createdAt);
    pulled = true;
  }
  if (pulled) memory.add(post.authorId);

  const connectedFollowers = new Set<string>();
  if (!pulled) {
    let followers = 0;
    const pages = followerPages ?? prefetched(store.followersOf(post.authorId, settings.followerPageSize));
    for await (const page of pages) {
      await context.heartbeat();
      followers += page.length;
      for (const id of page) if (connections.has(id)) connectedFollowers.add(id);
      // The counts were stale: the author crossed the limit. Plain followers from here on pull.
      if (followers > settings.pushLimit) {
        await store.markPulled(post.authorId, post.createdAt);
        pulled = true;
        memory.add(post.authorId);
      }
      const rows = pushRecipients(post, followerCandidates(page, connections), pulled).map((v) => rowFor(v, post));
      await store.insertRows(rows, at);
      publish.rows(rows, FeedUpdateKind.POST_ADDED);
      if (pulled) break;
    }
  }
  const rows = pushRecipients(post, connectionCandidates(connections, connectedFollowers), pulled).map((v) =>
    rowFor(v, post),
  );
  await store.insertRows(rows, at);
  publish.rows(rows, FeedUpdateKind.POST_ADDED);
}

/**
 * Removes a deleted post from the timelines that hold it: the viewers who may see it under the
 * relations as they are now. A viewer whose relation changed since is covered by the
 * re-evaluation of that change, which drops every row of a deleted post.
 */
async function retract(
  deleted: { postId: string; authorId: string; createdAt: Date },
  deps: FeedsDeps,
  context: DeliveryContext,
  publish: Publisher,
): Promise<void> {
  const { store, settings } = deps;
  const at = deps.clock();
  const [states, connections, pulledSince] = await Promise.all([
    store.postStates([deleted.postId]),
    store.connectionsOf(deleted.authorId),
    store.pulledSince(deleted.authorId),
  ]);
  // When the writer removed the post's row, assume the widest audience so no timeline keeps it.
  const post: FeedPost = { ...deleted, audience: states.get(deleted.postId)?.audience ?? 'FOLLOWERS' };
  const pulled = pulledAtCreation(post.createdAt, pulledSince);

  const connectedFollowers = new Set<string>();
  if (!pulled) {
    for await (const page of prefetched(store.followersOf(post.authorId, settings.followerPageSize))) {
      await context.heartbeat();
      for (const id of page) if (connections.has(id)) connectedFollowers.add(id);
      const rows = pushRecipients(post, followerCandidates(page, connections), false).map((v) => rowFor(v, post));
      await store.deleteRows(rows, at);
      publish.rows(rows, FeedUpdateKind.POST_REMOVED);
    }
  }
  const rows = pushRecipients(post, connectionCandidates(connections, connectedFollowers), pulled).map((v) =>
    rowFor(v, post),
  );
  await store.deleteRows(rows, at);
  publish.rows(rows, FeedUpdateKind.POST_REMOVED);
}

async function reevaluate(pair: ViewerAuthorPair, deps: FeedsDeps, publish: Publisher): Promise<void> {
  const { store, settings } = deps;
  const at = deps.clock();
  const [relation, pulledSince, recent, timeline] = await Promise.all([
    store.relation(pair.authorId, pair.viewerId),
    store.pulledSince(pair.authorId),
    store.recentPosts(pair.authorId, settings.backfill),
    store.timelineRowsOf(pair.viewerId, pair.authorId),
  ]);
  const postStates = await store.postStates([...recent.map((p) => p.postId), ...timeline.map((r) => r.postId)]);
  // A post listed by author but gone from `posts` counts as deleted.
  const recentPosts: PostState[] = recent.map(
    (p) =>
      postStates.get(p.postId) ?? {
        postId: p.postId,
        authorId: pair.authorId,
        audience: 'CLOSE_FRIENDS',
        createdAt: p.createdAt,
        deleted: true,
      },
  );
  const changes = planReevaluation({
    ...pair,
    relation,
    authorPulled: pulledSince !== undefined,
    recentPosts,
    timeline,
    postStates,
  });
  await store.deleteRows(changes.remove, at);
  await store.insertRows(changes.add, at);
  publish.rows(changes.remove, FeedUpdateKind.POST_REMOVED);
  publish.rows(changes.add, FeedUpdateKind.POST_ADDED);
}

/**
 * Starts reading the first page at once, and yields each page while the next one is already
 * being read: the reads hide behind the other work. A page read for nothing (the caller never
 * iterates, or stops early) is dropped, failure included.
 */
function prefetched<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  const first = iterator.next();
  first.catch(() => {});
  return {
    async *[Symbol.asyncIterator]() {
      let next = first;
      for (;;) {
        const result = await next;
        if (result.done) return;
        next = iterator.next();
        next.catch(() => {});
        yield result.value;
      }
    },
  };
}
