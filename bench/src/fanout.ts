/**
 * `npm run bench -- fanout` (and item 5 of `write`): how long the feeds projector takes to put
 * one post into the timelines of an author's 10,000 followers — `handleFeedEvent` for one
 * PostCreated, exactly as the projectors process runs it — beside the straightforward fan-out
 * (one prepared INSERT per follower through executeConcurrent, at the same concurrency), in a
 * keyspace of this run built with the repository's migrations and dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import {
  createCassandraClient,
  createFeedStore,
  createWriteClock,
  defaultFeedStoreSettings,
  defaultFeedsSettings,
  discardFeedUpdates,
  handleFeedEvent,
  quietContext,
  type ProjectedEvent,
} from '@verograph/projectors';
import { createLogger, engineAddresses } from '@verograph/service';
import { migrationSettings, runMigrations } from '@verograph/stack';
import cassandra from 'cassandra-driver';

import { machineLoad, ms, ratio, verdict } from './stats.ts';

export interface FanoutFigures {
  readonly followers: number;
  readonly concurrency: number;
  readonly ours: readonly number[];
  readonly baseline: readonly number[];
  readonly keyspace: string;
  readonly migrateSeconds: number;
  /** The machine's load when the timed runs began. */
  readonly load: string;
}

interface FeedPost {
  readonly postId: string;
  readonly authorId: string;
  readonly createdAt: Date;
}

/** A PostCreated event as the posts writer publishes it. */
function postCreated(post: FeedPost): ProjectedEvent {
  const envelope = {
    messageId: randomUUID(),
    commandId: randomUUID(),
    aggregateId: post.postId,
    occurredAt: timestampFromDate(post.createdAt),
    actorId: post.authorId,
  };
  const value = {
    postId: post.postId,
    authorId: post.authorId,
    kind: PostKind.TEXT,
    audience: Audience.FOLLOWERS,
    caption: 'fan-out',
    url: '',
    tags: [],
    createdAt: timestampFromDate(post.createdAt),
  };
  return { stream: 'posts', event: create(PostEventSchema, { envelope, event: { case: 'postCreated', value } }) };
}

export async function measureFanout(options: { followers: number; runs: number }): Promise<FanoutFigures> {
  const engines = engineAddresses();
  const [host, port] = engines.cassandraContactPoints[0]!.split(':');
  const keyspace = `bench_fanout_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const migrateStarted = performance.now();
  await runMigrations(
    { cassandra: { host: host!, port: Number(port ?? 9042) } },
    { ...migrationSettings(), cassandraKeyspace: keyspace },
  );
  const migrateSeconds = (performance.now() - migrateStarted) / 1000;
  // The projectors' own client (consistency, pooling, bigint encoding), on the new keyspace.
  const client = createCassandraClient({
    contactPoints: engines.cassandraContactPoints,
    localDataCenter: engines.cassandraDataCenter,
    keyspace,
    credentials: engines.cassandraCredentials,
  });
  try {
    await client.connect();
    const authorId = `bench-star-${randomUUID().slice(0, 8)}`;
    const followers = Array.from({ length: options.followers }, (_, i) => `${authorId}-fan-${i}`);
    const now = new Date();
    await cassandra.concurrent.executeConcurrent(
      client,
      'INSERT INTO follows_by_followee (followee_id, follower_id, created_at) VALUES (?, ?, ?)',
      followers.map((f) => [authorId, f, now]),
      { concurrencyLevel: 128 },
    );
    await client.execute('INSERT INTO user_counts (user_id, follower_count) VALUES (?, ?)', [
      authorId,
      BigInt(options.followers),
    ]);

    // The post is in the system of record first, as the writer leaves it before publishing.
    const newPost = async (): Promise<FeedPost> => {
      const post = { postId: randomUUID(), authorId, createdAt: new Date() };
      await client.execute(
        `INSERT INTO posts (id, author_id, kind, audience, caption, created_at, deleted, love_count, comment_count)
         VALUES (?, ?, 'TEXT', 'FOLLOWERS', 'fan-out', ?, false, 0, 0)`,
        [post.postId, authorId, post.createdAt],
      );
      await client.execute(
        'INSERT INTO posts_by_author (author_id, created_at, post_id, kind, audience) VALUES (?, ?, ?, ?, ?)',
        [authorId, post.createdAt, post.postId, 'TEXT', 'FOLLOWERS'],
      );
      return post;
    };
    const rowsOf = async (postId: string) => {
      const counted = await client.execute(
        'SELECT COUNT(*) AS n FROM feed_by_viewer WHERE post_id = ? ALLOW FILTERING',
        [postId],
        { readTimeout: 60_000 },
      );
      return Number(counted.first()?.get('n'));
    };

    const deps = {
      store: createFeedStore(client, defaultFeedStoreSettings),
      updates: discardFeedUpdates,
      clock: createWriteClock(),
      settings: defaultFeedsSettings,
    };
    const context = quietContext(createLogger('bench', 'warn'));
    const ours = async () => {
      const post = await newPost();
      const started = performance.now();
      const outcome = await handleFeedEvent(postCreated(post), deps, context);
      const took = performance.now() - started;
      if (outcome.kind !== 'done') throw new Error(`handleFeedEvent answered ${JSON.stringify(outcome)}`);
      const rows = await rowsOf(post.postId);
      if (rows !== options.followers) throw new Error(`the fan-out wrote ${rows} rows, not ${options.followers}`);
      return took;
    };
    const insert = 'INSERT INTO feed_by_viewer (viewer_id, created_at, post_id, author_id) VALUES (?, ?, ?, ?)';
    const baseline = async () => {
      const post = { postId: randomUUID(), authorId, createdAt: new Date() };
      const started = performance.now();
      await cassandra.concurrent.executeConcurrent(
        client,
        insert,
        followers.map((viewer) => [viewer, post.createdAt, post.postId, authorId]),
        { concurrencyLevel: defaultFeedStoreSettings.concurrency },
      );
      const took = performance.now() - started;
      const rows = await rowsOf(post.postId);
      if (rows !== options.followers) throw new Error(`the baseline wrote ${rows} rows, not ${options.followers}`);
      return took;
    };

    // One warm-up each (prepared statements, connections, JIT), then alternating runs, so any
    // drift in the shared machine's load hits both alike.
    await ours();
    await baseline();
    const load = machineLoad();
    const figures = { ours: [] as number[], baseline: [] as number[] };
    for (let run = 0; run < options.runs; run++) {
      figures.ours.push(await ours());
      figures.baseline.push(await baseline());
    }
    return {
      followers: options.followers,
      concurrency: defaultFeedStoreSettings.concurrency,
      keyspace,
      migrateSeconds,
      load,
      ...figures,
    };
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { readTimeout: 60_000 }).catch((error) => {
      console.error(`could not drop keyspace ${keyspace}: ${String(error)}`);
    });
    await client.shutdown();
  }
}

/** Prints item 4; returns its headline figure (best run of ours, in milliseconds). */
export function printFanout(f: FanoutFigures): number {
  const best = (runs: readonly number[]) => Math.min(...runs);
  const all = (runs: readonly number[]) => runs.map((r) => r.toFixed(0)).join(', ');
  console.log(
    `\nfan-out of one PostCreated to ${f.followers.toLocaleString('en')} followers ` +
      `(keyspace ${f.keyspace}, migrated in ${f.migrateSeconds.toFixed(1)} s, dropped after; ` +
      `best of ${f.ours.length} after a warm-up; ${f.load} at start)`,
  );
  console.log(`  ours: projectors handleFeedEvent          best ${ms(best(f.ours))}   runs ms: ${all(f.ours)}`);
  console.log(
    `  baseline: ${f.followers} prepared INSERTs, executeConcurrent(concurrencyLevel ${f.concurrency})` +
      `   best ${ms(best(f.baseline))}   runs ms: ${all(f.baseline)}`,
  );
  console.log(
    `  ratio ours/baseline: ${ratio(best(f.ours), best(f.baseline))} time   ` +
      `(target ≤ 1000 ms: ${verdict(best(f.ours) <= 1000)})`,
  );
  return best(f.ours);
}
