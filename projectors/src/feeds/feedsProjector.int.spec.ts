import { randomUUID } from 'node:crypto';

import { FeedUpdateKind, FeedUpdateSchema, type FeedUpdate } from '@verograph/contracts/live/v1/updates';
import { createProducer, type MessageProducer } from '@verograph/messaging';
import type { Audience } from '@verograph/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createWriteClock } from '../cassandra/writeClock.ts';
import { quietContext } from '../consumer/projector.ts';
import { eventId, type ProjectedEvent } from '../events/projectedEvent.ts';
import { freshKeyspace, freshTopics, silentLogger, type TestKeyspace, type TestTopics } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { readPublished } from '../testing/readPublished.ts';
import { allFeedRows, systemOfRecord, timelineOf, timelinesOf } from '../testing/systemOfRecord.ts';
import { createFeedStore } from './feedStore.ts';
import { createFeedUpdatesPublisher, type FeedUpdatesSink } from './feedUpdates.ts';
import {
  createPulledMemory,
  defaultFeedsSettings,
  handleFeedEvent,
  type FeedsDeps,
  type FeedsSettings,
} from './feedsProjector.ts';

let ks: TestKeyspace;
let sor: ReturnType<typeof systemOfRecord>;
const published: FeedUpdate[] = [];
const capture: FeedUpdatesSink = { publish: async (updates) => void published.push(...updates) };

function deps(settings: Partial<FeedsSettings> = {}, updates: FeedUpdatesSink = capture): FeedsDeps {
  return {
    store: createFeedStore(ks.client),
    updates,
    clock: createWriteClock(),
    settings: { ...defaultFeedsSettings, ...settings },
  };
}

async function handle(event: ProjectedEvent, d = deps()) {
  expect(await handleFeedEvent(event, d, quietContext(silentLogger))).toEqual({ kind: 'done' });
}

beforeAll(async () => {
  ks = await freshKeyspace('feeds');
  sor = systemOfRecord(ks.client);
});
afterAll(async () => {
  await ks?.drop();
});

/**
 * An author and the people around them, all with ids of this spec only:
 * close (files CLOSE_FRIEND), friend (FRIEND, also follows), acq (ACQUAINTANCE), fol (follows
 * only), stranger (the author follows them — which shows the author nothing), pending (asked
 * to connect, not accepted).
 */
async function circle() {
  const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;
  const c = {
    author: id('author'),
    close: id('close'),
    friend: id('friend'),
    acq: id('acq'),
    fol: id('fol'),
    stranger: id('stranger'),
    pending: id('pending'),
  };
  await sor.connect(c.author, c.close, 'CLOSE_FRIEND', 'FRIEND');
  await sor.connect(c.author, c.friend, 'FRIEND', 'ACQUAINTANCE');
  await sor.follow(c.friend, c.author);
  await sor.connect(c.acq, c.author, 'CLOSE_FRIEND', 'ACQUAINTANCE');
  await sor.follow(c.fol, c.author);
  await sor.follow(c.author, c.stranger);
  await sor.request(c.author, c.pending, 'CLOSE_FRIEND');
  const viewers = [c.author, c.close, c.friend, c.acq, c.fol, c.stranger, c.pending];
  return { ...c, viewers };
}

let clockTick = Date.parse('2025-04-01T00:00:00Z');
async function writePost(authorId: string, audience: Audience) {
  const post = {
    postId: `${audience.toLowerCase()}-${randomUUID().slice(0, 8)}`,
    authorId,
    audience,
    createdAt: new Date((clockTick += 1000)),
  };
  await sor.post(post);
  return { ...post, created: events.postCreated(post), deleted: events.postDeleted(post) };
}

async function postOnePerAudience(authorId: string) {
  const cf = await writePost(authorId, 'CLOSE_FRIENDS');
  const fr = await writePost(authorId, 'FRIENDS');
  const ac = await writePost(authorId, 'ACQUAINTANCES');
  const fo = await writePost(authorId, 'FOLLOWERS');
  for (const p of [cf, fr, ac, fo]) await handle(p.created);
  return { cf, fr, ac, fo };
}

describe('fan-out on PostCreated', () => {
  it('reaches exactly the viewers the audience admits, and announces each row once', async () => {
    const c = await circle();
    const { cf, fr, ac, fo } = await postOnePerAudience(c.author);

    expect(await timelinesOf(ks.client, c.viewers)).toEqual({
      [c.author]: [],
      [c.close]: [cf.postId, fr.postId, ac.postId, fo.postId].sort(),
      [c.friend]: [fr.postId, ac.postId, fo.postId].sort(),
      [c.acq]: [ac.postId, fo.postId].sort(),
      [c.fol]: [fo.postId],
      [c.stranger]: [],
      [c.pending]: [],
    });
    // Newest first.
    expect(await timelineOf(ks.client, c.close)).toEqual([fo.postId, ac.postId, fr.postId, cf.postId]);

    const added = published.filter((u) => u.postId === fr.postId);
    expect(added.map((u) => u.recipientId).sort()).toEqual([c.close, c.friend].sort());
    expect(added.every((u) => u.kind === FeedUpdateKind.POST_ADDED && u.eventId === eventId(fr.created))).toBe(true);
  });

  it('replaying the same events twice changes nothing', async () => {
    const c = await circle();
    const { cf, fr, ac, fo } = await postOnePerAudience(c.author);
    const before = await allFeedRows(ks.client);
    for (const p of [cf, fr, ac, fo, cf, fr, ac, fo]) await handle(p.created);
    expect(await allFeedRows(ks.client)).toEqual(before);
  });
});

describe('PostDeleted', () => {
  it('removes the post from every timeline it was pushed to, and only that post', async () => {
    const c = await circle();
    const { cf, fr, ac, fo } = await postOnePerAudience(c.author);
    await sor.deletePost(fr.postId);
    published.length = 0;
    await handle(fr.deleted);

    expect(await timelinesOf(ks.client, [c.close, c.friend, c.acq, c.fol])).toEqual({
      [c.close]: [cf.postId, ac.postId, fo.postId].sort(),
      [c.friend]: [ac.postId, fo.postId].sort(),
      [c.acq]: [ac.postId, fo.postId].sort(),
      [c.fol]: [fo.postId],
    });
    expect(published.map((u) => [u.recipientId, u.kind]).sort()).toEqual(
      [
        [c.close, FeedUpdateKind.POST_REMOVED],
        [c.friend, FeedUpdateKind.POST_REMOVED],
      ].sort(),
    );
    // A replayed PostCreated of a deleted post pushes nothing back.
    await handle(fr.created);
    await handle(fr.deleted);
    expect(await timelineOf(ks.client, c.close)).not.toContain(fr.postId);
  });
});

describe('re-evaluation when a relation changes', () => {
  it('a level change re-evaluates that one viewer, and nobody else', async () => {
    const c = await circle();
    const { cf, fr, ac, fo } = await postOnePerAudience(c.author);
    const others = [c.author, c.close, c.friend, c.fol, c.stranger, c.pending];
    const othersBefore = await timelinesOf(ks.client, others);

    await sor.setLevel(c.author, c.acq, 'CLOSE_FRIEND');
    published.length = 0;
    await handle(events.connectionLevelSet(c.author, c.acq, 'CLOSE_FRIEND'));
    expect(await timelineOf(ks.client, c.acq)).toEqual([fo.postId, ac.postId, fr.postId, cf.postId]);
    expect(published.map((u) => [u.recipientId, u.postId, u.kind]).sort()).toEqual(
      [
        [c.acq, cf.postId, FeedUpdateKind.POST_ADDED],
        [c.acq, fr.postId, FeedUpdateKind.POST_ADDED],
      ].sort(),
    );
    expect(await timelinesOf(ks.client, others)).toEqual(othersBefore);

    // And down again: the close friend, now an acquaintance, loses the closer posts.
    await sor.setLevel(c.author, c.close, 'ACQUAINTANCE');
    await handle(events.connectionLevelSet(c.author, c.close, 'ACQUAINTANCE'));
    expect((await timelineOf(ks.client, c.close)).sort()).toEqual([ac.postId, fo.postId].sort());
  });

  it('an unfollow removes the author, a new follow brings back the followers posts', async () => {
    const c = await circle();
    const { fo } = await postOnePerAudience(c.author);
    await sor.unfollow(c.fol, c.author);
    await handle(events.unfollowed(c.fol, c.author));
    expect(await timelineOf(ks.client, c.fol)).toEqual([]);

    await sor.follow(c.stranger, c.author);
    await handle(events.followed(c.stranger, c.author));
    expect(await timelineOf(ks.client, c.stranger)).toEqual([fo.postId]);
  });

  it('a removed connection who still follows keeps only the followers posts; an accepted one gets the rest', async () => {
    const c = await circle();
    const { fr, ac, fo } = await postOnePerAudience(c.author);
    await sor.disconnect(c.author, c.friend);
    await handle(events.connectionRemoved(c.friend, c.author));
    expect(await timelineOf(ks.client, c.friend)).toEqual([fo.postId]);
    // The author is not in the friend's… nor the friend in the author's: nobody's own feed holds them.
    expect(await timelineOf(ks.client, c.author)).toEqual([]);

    await sor.connect(c.author, c.pending, 'FRIEND', 'FRIEND');
    await handle(events.connectionAccepted(c.author, c.pending, 'FRIEND', 'FRIEND'));
    expect((await timelineOf(ks.client, c.pending)).sort()).toEqual([fr.postId, ac.postId, fo.postId].sort());
  });

  it('re-evaluating again, and replaying the whole history, changes nothing', async () => {
    const c = await circle();
    const posts = await postOnePerAudience(c.author);
    await sor.setLevel(c.author, c.friend, 'CLOSE_FRIEND');
    const history = [
      ...Object.values(posts).map((p) => p.created),
      events.connectionLevelSet(c.author, c.friend, 'CLOSE_FRIEND'),
      events.followed(c.fol, c.author),
    ];
    for (const e of history) await handle(e);
    const once = await allFeedRows(ks.client);
    for (const e of [...history, ...history]) await handle(e);
    expect(await allFeedRows(ks.client)).toEqual(once);
  });
});

describe('hybrid push and pull', () => {
  it('an author above the push limit is pulled: connections get pushes, plain followers do not', async () => {
    const c = await circle();
    for (let i = 0; i < 3; i++) await sor.follow(`${c.author}-fan-${i}`, c.author);
    await sor.setFollowerCount(c.author, 5);
    const settings = { pushLimit: 4 };
    const fo = await writePost(c.author, 'FOLLOWERS');
    await handle(fo.created, deps(settings));

    const pulled = await ks.client.execute('SELECT since FROM pulled_authors WHERE author_id = ?', [c.author]);
    expect(pulled.first()?.get('since')).toEqual(fo.createdAt);
    expect(await timelinesOf(ks.client, [c.close, c.friend, c.acq, c.fol, `${c.author}-fan-0`])).toEqual({
      [c.close]: [fo.postId],
      [c.friend]: [fo.postId],
      [c.acq]: [fo.postId],
      [c.fol]: [],
      [`${c.author}-fan-0`]: [],
    });

    // Its deletion reaches the pushed connections.
    await sor.deletePost(fo.postId);
    await handle(fo.deleted, deps(settings));
    expect(await timelinesOf(ks.client, [c.close, c.friend, c.acq])).toEqual({
      [c.close]: [],
      [c.friend]: [],
      [c.acq]: [],
    });
  });

  it('remembering a pulled author changes only what is read early, never what is written', async () => {
    const c = await circle();
    for (let i = 0; i < 3; i++) await sor.follow(`${c.author}-fan-${i}`, c.author);
    await sor.setFollowerCount(c.author, 5);
    const memory = createPulledMemory();
    const run = async (event: ProjectedEvent, pushLimit = 4) =>
      expect(await handleFeedEvent(event, deps({ pushLimit }), quietContext(silentLogger), memory)).toEqual({
        kind: 'done',
      });
    const first = await writePost(c.author, 'FOLLOWERS');
    await run(first.created);
    expect(memory.has(c.author)).toBe(true);
    // Remembered as pulled: the second post still reaches the connections, and still not the fans.
    const second = await writePost(c.author, 'FOLLOWERS');
    await run(second.created);
    expect(await timelinesOf(ks.client, [c.close, c.fol, `${c.author}-fan-0`])).toEqual({
      [c.close]: [first.postId, second.postId].sort(),
      [c.fol]: [],
      [`${c.author}-fan-0`]: [],
    });
    // Pushed again once no longer pulled (a rebuild empties pulled_authors; the limit is raised), memory or not.
    await ks.client.execute('DELETE FROM pulled_authors WHERE author_id = ?', [c.author]);
    const third = await writePost(c.author, 'FOLLOWERS');
    await run(third.created, 10);
    expect(await timelineOf(ks.client, `${c.author}-fan-0`)).toEqual([third.postId]);
  });

  it('notices the limit while paging followers when the counts are stale', async () => {
    const c = await circle();
    for (let i = 0; i < 6; i++) await sor.follow(`${c.author}-fan-${i}`, c.author);
    const fo = await writePost(c.author, 'FOLLOWERS');
    await handle(fo.created, deps({ pushLimit: 3, followerPageSize: 2 }));
    const pulled = await ks.client.execute('SELECT since FROM pulled_authors WHERE author_id = ?', [c.author]);
    expect(pulled.rowLength).toBe(1);
    expect(await timelineOf(ks.client, c.acq)).toEqual([fo.postId]);
  });
});

describe('live feed updates on Kafka', () => {
  let topics: TestTopics;
  let producer: MessageProducer;
  beforeAll(async () => {
    topics = await freshTopics('feeds');
    producer = await createProducer(topics.kafka);
  });
  afterAll(async () => {
    await producer?.disconnect();
    await topics?.drop();
  });

  it('publishes one FeedUpdate per recipient, keyed by recipient, with the event id', async () => {
    const c = await circle();
    const fr = await writePost(c.author, 'FRIENDS');
    await handle(fr.created, deps({}, createFeedUpdatesPublisher(producer, topics.feedUpdates)));

    const seen = await readPublished(topics.kafka, topics.feedUpdates, FeedUpdateSchema, 2, 'two feed updates');
    expect(seen.map((s) => s.key).sort()).toEqual([c.close, c.friend].sort());
    for (const { key, update } of seen) {
      expect(update).toMatchObject({
        recipientId: key,
        kind: FeedUpdateKind.POST_ADDED,
        postId: fr.postId,
        authorId: c.author,
        eventId: eventId(fr.created),
      });
    }
  });
});
