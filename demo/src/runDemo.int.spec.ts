import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

import { canSee, type ConnectionLevel } from '@verograph/domain';
import { engineAddresses } from '@verograph/service';
import { startServices, stopServices, type RunningService } from '@verograph/stack';
import { createCassandraClient } from '@verograph/subgraph-kit';
import type cassandra from 'cassandra-driver';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultSize, type DemoNetwork } from './network.ts';
import { runDemo, type DemoResult } from './runDemo.ts';

/** A port nobody listens on now. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** What the stores hold of a demo network: the writers' records and the projectors' read models. */
async function snapshot(network: DemoNetwork, client: cassandra.Client, postgres: pg.Client) {
  const userIds = network.users.map((u) => u.id);
  const users = await client.execute('SELECT id, username, bio, avatar_url FROM users WHERE id IN ?', [userIds]);
  const posts = new Map<string, { createdAt: number; loves: number; comments: number }>();
  for (const post of network.posts) {
    const row = (
      await client.execute('SELECT created_at, love_count, comment_count FROM posts WHERE id = ?', [post.id])
    ).first();
    if (row) {
      posts.set(post.id, {
        createdAt: (row.get('created_at') as Date).getTime(),
        loves: Number(row.get('love_count') ?? 0),
        comments: Number(row.get('comment_count') ?? 0),
      });
    }
  }
  const followers = new Map<string, number>();
  const feeds = new Map<string, string[]>();
  for (const id of userIds) {
    const counts = (await client.execute('SELECT follower_count FROM user_counts WHERE user_id = ?', [id])).first();
    followers.set(id, Number(counts?.get('follower_count') ?? 0));
    const feed = await client.execute('SELECT post_id, author_id FROM feed_by_viewer WHERE viewer_id = ?', [id], {
      fetchSize: 5_000,
    });
    feeds.set(
      id,
      feed.rows
        .filter((r) => r.get('author_id') !== id)
        .map((r) => String(r.get('post_id')))
        .sort(),
    );
  }
  const items = await postgres.query<{ collection_id: string; post_id: string }>(
    'SELECT collection_id, post_id FROM collection_items WHERE collection_id = ANY($1)',
    [network.collections.map((c) => c.id)],
  );
  const pairs = items.rows.map((r) => `${r.collection_id} ${r.post_id}`).sort();
  return { users: users.rows.map((r) => r.get('username') as string).sort(), posts, followers, feeds, items: pairs };
}

/** The posts each user should find in their feed, by the audience rule. */
function expectedFeeds(network: DemoNetwork): Map<string, string[]> {
  const follows = new Set(network.follows.map((f) => `${f.followerId}>${f.followeeId}`));
  const level = new Map<string, ConnectionLevel>();
  for (const c of network.connections) {
    if (!c.accepted) continue;
    level.set(`${c.requesterId}>${c.addresseeId}`, c.accepted.requesterRefiled ?? c.requestedLevel);
    level.set(`${c.addresseeId}>${c.requesterId}`, c.accepted.addresseeRefiled ?? c.accepted.acceptedLevel);
  }
  return new Map(
    network.users.map((viewer) => [
      viewer.id,
      network.posts
        .filter((p) => p.authorId !== viewer.id)
        .filter((p) =>
          canSee(viewer.id, p, {
            level: level.get(`${p.authorId}>${viewer.id}`),
            follows: follows.has(`${viewer.id}>${p.authorId}`),
          }),
        )
        .map((p) => p.id)
        .sort(),
    ]),
  );
}

describe('npm run demo, on a small network, through the real writers and projectors', () => {
  let services: RunningService[] = [];
  let client: cassandra.Client;
  let postgres: pg.Client;
  const seed = `demo-spec-${randomUUID()}`;
  const size = { ...defaultSize, users: 50, readers: 30, posts: 200 };
  const lines: string[] = [];
  let first: DemoResult;

  beforeAll(async () => {
    // The stack's writers and projectors, as their own processes on ports of this run. They join
    // the stack's consumer groups (a group of its own would replay every command ever sent), so
    // writers of another checkout running on the same engines decide a share of these commands.
    services = await startServices({
      only: ['writers', 'projectors'],
      ports: { writers: await freePort(), projectors: await freePort() },
      env: { LOG_LEVEL: 'error' },
      output: () => undefined,
      readyTimeoutMs: 120_000,
    });
    const engines = engineAddresses();
    client = createCassandraClient(
      {
        contactPoints: engines.cassandraContactPoints,
        localDataCenter: engines.cassandraDataCenter,
        keyspace: engines.cassandraKeyspace,
        credentials: engines.cassandraCredentials,
      },
      'demo-spec',
    );
    postgres = new pg.Client({ connectionString: engines.postgresUrl });
    await postgres.connect();
    first = await runDemo({ seed, size, print: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await stopServices(services);
    await client?.shutdown();
    await postgres?.end();
  });

  it('publishes every command once, and each is applied', () => {
    const { network, report } = first;
    const expected =
      network.users.length +
      network.follows.length +
      network.connections.reduce(
        (n, c) =>
          n + 1 + (c.accepted ? 1 + (c.accepted.requesterRefiled ? 1 : 0) + (c.accepted.addresseeRefiled ? 1 : 0) : 0),
        0,
      ) +
      network.posts.length +
      network.loves.length +
      network.comments.length +
      network.collections.reduce((n, c) => n + 1 + c.postIds.length, 0);
    expect(report.published).toBe(expected);
    for (const phase of report.phases) {
      expect(phase.rejected).toEqual({});
      expect(phase.applied).toBe(phase.published);
    }
    expect(lines.join('\n')).toMatch(/loaded in \d+\.\d s/);
  });

  it('leaves the network in the stores and read models: profiles, posts at their time, counts, feeds, collections', async () => {
    const { network } = first;
    const stored = await snapshot(network, client, postgres);
    expect(stored.users).toEqual(network.users.map((u) => u.username).sort());
    for (const post of network.posts) {
      expect(stored.posts.get(post.id)).toEqual({
        createdAt: post.createdAt.getTime(),
        loves: network.loves.filter((l) => l.postId === post.id).length,
        comments: network.comments.filter((c) => c.postId === post.id).length,
      });
    }
    for (const user of network.users) {
      expect(stored.followers.get(user.id)).toBe(network.follows.filter((f) => f.followeeId === user.id).length);
    }
    expect(stored.feeds).toEqual(expectedFeeds(network));
    expect(stored.items).toEqual(network.collections.flatMap((c) => c.postIds.map((p) => `${c.id} ${p}`)).sort());
  });

  it('prints five people to sign in as, each with a token and a link to the explorer', () => {
    expect(first.personas).toHaveLength(5);
    for (const persona of first.personas) {
      expect(persona.link).toBe(`http://127.0.0.1:4000/#token=${persona.token}`);
      expect(lines.join('\n')).toContain(persona.link);
    }
  });

  it('adds nothing when run again with the same seed', async () => {
    const before = await snapshot(first.network, client, postgres);
    const again = await runDemo({ seed, size, print: () => undefined });
    expect(again.report.published).toBe(0);
    for (const phase of again.report.phases) expect(phase.alreadyDecided).toBe(phase.commands);
    expect(await snapshot(again.network, client, postgres)).toEqual(before);
  });
});
