import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import { createProducer, runConsumer, type IncomingRecord, type MessageProducer } from '@verograph/messaging';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildProjector, type BuiltProjector, type ProjectorParts } from '../buildProjector.ts';
import type { ProjectorName } from '../consumer/projector.ts';
import { recordHandlerFor } from '../consumer/recordHandler.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { defaultFeedStoreSettings } from '../feeds/feedStore.ts';
import { defaultFeedsSettings } from '../feeds/feedsProjector.ts';
import {
  freshIndices,
  freshKeyspace,
  freshPostgresSchema,
  freshTopics,
  silentLogger,
  testGroup,
  until,
  type TestIndices,
  type TestKeyspace,
  type TestSchema,
  type TestTopics,
} from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { publishEvents } from '../testing/publish.ts';
import { allFeedRows, systemOfRecord } from '../testing/systemOfRecord.ts';
import { rebuildReadModel } from './rebuildReadModel.ts';

/**
 * Live projection through the real consumer runtime, from real protobuf events on Kafka, then
 * a rebuild of each read model from the same log: the two must be equal, row for row.
 */
let ks: TestKeyspace;
let es: TestIndices;
let db: TestSchema;
let topics: TestTopics;
let producer: MessageProducer;
let parts: ProjectorParts;

const traceparent = `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
const logLines: Record<string, unknown>[] = [];
const debugLogger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  }),
);

const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;
const u = { author: id('author'), close: id('close'), friend: id('friend'), fol: id('fol'), late: id('late') };
const at = (s: number) => new Date(Date.parse('2025-07-01T00:00:00Z') + s * 1000);
const posts = {
  cf: {
    postId: id('cf'),
    authorId: u.author,
    audience: 'CLOSE_FRIENDS' as const,
    createdAt: at(1),
    caption: 'close words',
  },
  fr: {
    postId: id('fr'),
    authorId: u.author,
    audience: 'FRIENDS' as const,
    createdAt: at(2),
    caption: 'friendly words',
  },
  fo: {
    postId: id('fo'),
    authorId: u.author,
    audience: 'FOLLOWERS' as const,
    createdAt: at(3),
    caption: 'public words',
  },
  gone: {
    postId: id('gone'),
    authorId: u.author,
    audience: 'FOLLOWERS' as const,
    createdAt: at(4),
    caption: 'deleted words',
  },
};
const collection = id('collection');

/** The history: profiles, relations, posts (one deleted), a level change, a collection. */
const history: ProjectedEvent[] = [
  ...Object.values(u).map((x) => events.profileCreated(x, x, x.toUpperCase(), at(0))),
  events.connectionRequested(u.author, u.close, 'CLOSE_FRIEND'),
  events.connectionAccepted(u.author, u.close, 'CLOSE_FRIEND', 'FRIEND'),
  events.connectionAccepted(u.friend, u.author, 'FRIEND', 'FRIEND'),
  events.followed(u.fol, u.author),
  events.followed(u.friend, u.author),
  ...Object.values(posts).map((p) => events.postCreated(p)),
  events.postDeleted(posts.gone),
  events.connectionLevelSet(u.author, u.friend, 'CLOSE_FRIEND'),
  events.followed(u.late, u.author),
  events.postLoved(posts.fo.postId, u.fol, 1),
  events.notificationsMarkedRead(u.author, at(5), 'z'),
  events.collectionCreated(collection, u.fol, 'Saved', at(5)),
  events.postAddedToCollection(collection, posts.fo.postId, 1, at(6)),
  events.postAddedToCollection(collection, posts.gone.postId, 2, at(6)),
  events.postRemovedFromCollection(collection, posts.gone.postId),
];

/** The system of record as the writers leave it after that history. */
async function seedSystemOfRecord() {
  const sor = systemOfRecord(ks.client);
  await sor.connect(u.author, u.close, 'CLOSE_FRIEND', 'FRIEND');
  await sor.connect(u.friend, u.author, 'FRIEND', 'CLOSE_FRIEND');
  await sor.follow(u.fol, u.author);
  await sor.follow(u.friend, u.author);
  await sor.follow(u.late, u.author);
  for (const p of Object.values(posts)) await sor.post(p);
  await sor.deletePost(posts.gone.postId);
}

beforeAll(async () => {
  [ks, es, db, topics] = await Promise.all([
    freshKeyspace('rebuild'),
    freshIndices('rebuild'),
    freshPostgresSchema('rebuild'),
    freshTopics('rebuild'),
  ]);
  producer = await createProducer(topics.kafka);
  parts = {
    cassandra: ks.client,
    elasticsearch: es.client,
    searchIndices: es.indices,
    postgres: db.pool,
    feedUpdatesTopic: topics.feedUpdates,
    engagementUpdatesTopic: topics.engagementUpdates,
    notificationUpdatesTopic: topics.notificationUpdates,
    feeds: defaultFeedsSettings,
    fanOut: defaultFeedStoreSettings,
    groupPrefix: testGroup('live'),
  };
  await seedSystemOfRecord();
  await publishEvents(producer, topics.topics, history, { traceparent });
  // A record no projector can decode: it must be dead-lettered, not stall the partition.
  await producer.send([{ topic: topics.topics.posts, key: 'garbage', value: new Uint8Array([0xff, 0xff, 0xff]) }]);
});

afterAll(async () => {
  await producer?.disconnect();
  await Promise.all([topics?.drop(), ks?.drop(), es?.drop(), db?.drop()]);
});

/** Runs a projector live through runConsumer until it has handled every record of its topics. */
async function projectLive(built: BuiltProjector, metrics: Registry) {
  const { projector } = built;
  const names = projector.streams.map((s) => topics.topics[s]);
  const expected =
    history.filter((e) => projector.streams.includes(e.stream)).length + (projector.streams.includes('posts') ? 1 : 0);
  let handled = 0;
  const inner = recordHandlerFor(projector, topics.topics, debugLogger);
  const consumer = await runConsumer({
    kafka: topics.kafka,
    groupId: projector.groupId,
    topics: names,
    deadLetterTopic: topics.deadLetter,
    logger: silentLogger,
    metrics,
    lagRefreshMs: 0,
    partitionsConsumedConcurrently: 3,
    handle: async (record: IncomingRecord) => {
      const outcome = await inner(record);
      handled++;
      return outcome;
    },
  });
  try {
    await until(
      `${projector.name} to handle ${expected} records`,
      () => (handled >= expected ? true : undefined),
      60_000,
    );
  } finally {
    await consumer.stop();
  }
  return expected;
}

const snapshots: Record<Exclude<ProjectorName, 'live'>, () => Promise<unknown>> = {
  feeds: async () => ({
    rows: (await allFeedRows(ks.client)).map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
    pulled: (await ks.client.execute('SELECT * FROM pulled_authors')).rows.map((r) => r.get('author_id')),
  }),
  counters: async () =>
    (await ks.client.execute('SELECT * FROM user_counts')).rows
      .map((r) => [
        r.get('user_id'),
        String(r.get('follower_count')),
        String(r.get('following_count')),
        String(r.get('connection_count')),
      ])
      .sort(),
  search: async () => {
    await es.refresh();
    const all = await es.client.search({ index: Object.values(es.indices), size: 1000, query: { match_all: {} } });
    return all.hits.hits
      .map((h) => [h._index, h._id, h._source])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  },
  notifications: async () => ({
    rows: (await ks.client.execute('SELECT * FROM notifications_by_recipient')).rows
      .map((r) => JSON.stringify(r))
      .sort(),
    markers: (await ks.client.execute('SELECT * FROM notification_read_markers')).rows
      .map((r) => JSON.stringify(r))
      .sort(),
  }),
  collections: async () => {
    const rows = async (sql: string) => (await db.pool.query(sql)).rows;
    return {
      collections: await rows('SELECT * FROM collections ORDER BY id'),
      items: await rows('SELECT * FROM collection_items ORDER BY collection_id, post_id'),
      audiences: await rows('SELECT * FROM post_audiences ORDER BY post_id'),
      grants: await rows('SELECT * FROM audience_grants ORDER BY author_id, viewer_id'),
    };
  },
};

describe.each(['feeds', 'counters', 'search', 'collections', 'notifications'] as const)('the %s read model', (name) => {
  it('is the same rebuilt from the event log as projected live', async () => {
    const metrics = new Registry();
    const live = buildProjector(name, parts);
    const records = await projectLive(live, metrics);
    const projected = await snapshots[name]();

    // A rebuild with the producer gone: it must not need it, nor announce anything.
    const report = await rebuildReadModel({
      kafka: topics.kafka,
      built: buildProjector(name, { ...parts, producer: undefined }),
      topics: topics.topics,
      logger: silentLogger,
      deadLetterTopic: topics.deadLetter,
    });
    expect(report.records).toBe(records);
    expect(await snapshots[name]()).toEqual(projected);

    // Runtime metrics of the live group: processed records, and the poison one dead-lettered.
    const text = await metrics.metrics();
    expect(text).toMatch(new RegExp(`messages_processed_total\\{group="${live.projector.groupId}"`));
    if (live.projector.streams.includes('posts')) {
      expect(text).toMatch(
        new RegExp(
          `messages_dead_lettered_total\\{group="${live.projector.groupId}",topic="[^"]+",code="UNDECODABLE"\\} 1`,
        ),
      );
    }
  });
});

describe('what live projection built', () => {
  it('holds the expected feeds, counts, search docs and collection', async () => {
    const feed = async (viewer: string) =>
      (await ks.client.execute('SELECT post_id FROM feed_by_viewer WHERE viewer_id = ?', [viewer])).rows
        .map((r) => r.get('post_id'))
        .sort();
    expect(await feed(u.close)).toEqual([posts.cf.postId, posts.fr.postId, posts.fo.postId].sort());
    expect(await feed(u.friend)).toEqual([posts.cf.postId, posts.fr.postId, posts.fo.postId].sort());
    expect(await feed(u.fol)).toEqual([posts.fo.postId]);
    expect(await feed(u.late)).toEqual([posts.fo.postId]);
    expect(await feed(u.author)).toEqual([]);

    const counts = (await ks.client.execute('SELECT * FROM user_counts WHERE user_id = ?', [u.author])).first();
    expect([counts?.get('follower_count'), counts?.get('following_count'), counts?.get('connection_count')]).toEqual([
      3n,
      0n,
      2n,
    ]);

    const audience = await es.client.get({ index: es.indices.audiences, id: u.friend });
    expect(audience._source).toEqual({
      viewer_id: u.friend,
      follows: [u.author],
      connected: [u.author],
      friend_of: [u.author],
      close_friend_of: [u.author],
    });

    const items = await db.pool.query('SELECT post_id FROM collection_items WHERE collection_id = $1', [collection]);
    expect(items.rows).toEqual([{ post_id: posts.fo.postId }]);
  });

  it('logged with the trace context the events carried in their Kafka headers', () => {
    const traceId = traceparent.split('-')[1];
    expect(logLines.some((l) => l.trace_id === traceId && typeof l.event_id === 'string')).toBe(true);
  });
});
