import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createProducer, type MessageProducer } from '@verograph/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  freshIndices,
  freshKeyspace,
  freshPostgresSchema,
  freshTopics,
  testGroup,
  until,
  type TestIndices,
  type TestKeyspace,
  type TestSchema,
  type TestTopics,
} from './testing/engines.ts';
import { events } from './testing/events.ts';
import { publishEvents } from './testing/publish.ts';
import { systemOfRecord } from './testing/systemOfRecord.ts';

/** The projectors process as it is deployed: `tsx src/main.ts`, configured by its environment only. */
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let ks: TestKeyspace;
let es: TestIndices;
let db: TestSchema;
let topics: TestTopics;
let producer: MessageProducer;
let child: ChildProcess;
let port: number;
let env: NodeJS.ProcessEnv;
const output: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const get = async (path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return response ? { status: response.status, body: await response.text() } : undefined;
};

beforeAll(async () => {
  [ks, es, db, topics] = await Promise.all([
    freshKeyspace('main'),
    freshIndices('main'),
    freshPostgresSchema('main'),
    freshTopics('main'),
  ]);
  producer = await createProducer(topics.kafka);
  port = await freePort();
  env = {
    ...process.env,
    PROJECTORS: 'feeds,search,collections,counters,live',
    PROJECTORS_PORT: String(port),
    PROJECTORS_GROUP_PREFIX: testGroup('main'),
    CASSANDRA_KEYSPACE: ks.keyspace,
    POSTGRES_URL: `postgres://postgres@127.0.0.1:5432/verograph?options=${encodeURIComponent(`-c search_path=${db.schema}`)}`,
    SEARCH_USERS_INDEX: es.indices.users,
    SEARCH_POSTS_INDEX: es.indices.posts,
    SEARCH_AUDIENCES_INDEX: es.indices.audiences,
    USERS_EVENTS_TOPIC: topics.topics.users,
    POSTS_EVENTS_TOPIC: topics.topics.posts,
    COLLECTIONS_EVENTS_TOPIC: topics.topics.collections,
    FEED_UPDATES_TOPIC: topics.feedUpdates,
    ENGAGEMENT_UPDATES_TOPIC: topics.engagementUpdates,
    DEAD_LETTER_TOPIC: topics.deadLetter,
    LOG_LEVEL: 'warn',
  };
  child = spawn(join(root, 'node_modules/.bin/tsx'), ['projectors/src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await producer?.disconnect();
  await Promise.all([topics?.drop(), ks?.drop(), es?.drop(), db?.drop()]);
});

describe('the projectors process', () => {
  it('becomes ready, projects events into every read model, exports metrics, and stops cleanly', async () => {
    await until(
      'the process to be ready',
      async () => ((await get('/health/ready'))?.status === 200 ? true : undefined),
      120_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output.join('')}`);
    });
    expect((await get('/health/live'))?.status).toBe(200);

    const author = `author-${randomUUID().slice(0, 8)}`;
    const fan = `fan-${randomUUID().slice(0, 8)}`;
    const post = {
      postId: randomUUID(),
      authorId: author,
      audience: 'FOLLOWERS' as const,
      createdAt: new Date(),
      caption: 'hello world',
    };
    const collection = randomUUID();
    const sor = systemOfRecord(ks.client);
    await sor.follow(fan, author);
    await sor.post(post);
    await publishEvents(producer, topics.topics, [
      events.profileCreated(author, author, 'Author'),
      events.followed(fan, author),
      events.postCreated(post),
      events.collectionCreated(collection, fan, 'Mine'),
      events.postAddedToCollection(collection, post.postId, 1),
    ]);

    await until('the fan-out', async () =>
      (await ks.client.execute('SELECT post_id FROM feed_by_viewer WHERE viewer_id = ?', [fan])).rowLength === 1
        ? true
        : undefined,
    );
    await until('the follower count', async () => {
      const row = (
        await ks.client.execute('SELECT follower_count FROM user_counts WHERE user_id = ?', [author])
      ).first();
      return row?.get('follower_count') === 1n ? true : undefined;
    });
    await until('the search docs', async () => {
      const found = await es.client.get({ index: es.indices.posts, id: post.postId }, { ignore: [404] });
      return found.found ? true : undefined;
    });
    await until('the collection item', async () =>
      (await db.pool.query('SELECT 1 FROM collection_items WHERE collection_id = $1', [collection])).rowCount === 1
        ? true
        : undefined,
    );

    const metrics = (await get('/metrics'))!;
    expect(metrics.status).toBe(200);
    for (const name of ['feeds', 'search', 'collections', 'counters', 'live']) {
      expect(metrics.body).toMatch(new RegExp(`messages_processed_total\\{group="[^"]+\\.${name}"`));
    }
    expect(metrics.body).toContain('message_processing_seconds_bucket');

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });

  it('rebuilds a read model from the command line to what live projection built', async () => {
    const counts = async () =>
      (await ks.client.execute('SELECT * FROM user_counts')).rows.map((r) => [
        r.get('user_id'),
        r.get('follower_count'),
      ]);
    const before = await counts();
    expect(before.length).toBeGreaterThan(0);
    const rebuild = spawn('npm', ['run', '-s', 'rebuild', '-w', 'projectors', '--', 'counters'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    rebuild.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    rebuild.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => rebuild.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/rebuilt counters: \d+ records in [\d.]+ s/);
    expect(await counts()).toEqual(before);
  });

  it('refuses to rebuild what is not a read model', async () => {
    const rebuild = spawn('npm', ['run', '-s', 'rebuild', '-w', 'projectors', '--', 'live'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    rebuild.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise<number | null>((resolve) => rebuild.once('exit', resolve))).toBe(2);
    expect(err).toContain('usage: npm run rebuild -- feeds|search|collections|counters');
  });
});
