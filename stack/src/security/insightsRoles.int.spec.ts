import { randomUUID } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { readCredentials, stackDirFromEnv } from '../credentials.ts';
import { attempt, roleSessions } from './roleSessions.ts';

/**
 * Least privilege on the insights read model (migrations/cassandra/0043_insights.cql), tried
 * with each role on the real keyspace: the insights subgraph reads the insights and who wrote a
 * post, and writes nothing; the projectors write the insights; the writers do not touch them.
 */
const credentials = readCredentials(stackDirFromEnv());
const id = `security-insights-${randomUUID()}`;
const { signedIn, shutdown } = roleSessions();

afterAll(async () => {
  await signedIn(credentials.cassandra.admin)
    .execute('DELETE FROM insight_follower_changes WHERE user_id = ?', [id], { prepare: true })
    .catch(() => undefined);
  await shutdown();
});

const FOLLOWER_CHANGE =
  'INSERT INTO insight_follower_changes (user_id, window_start, window_end, gained, lost) VALUES (?, ?, ?, ?, ?) USING TTL 60';

describe('Cassandra roles on the insights read model', () => {
  it("lets the insights subgraph's role read the insights and who wrote a post, and write nothing", async () => {
    const insights = signedIn(credentials.cassandra.insights);
    for (const cql of [
      'SELECT tag FROM insight_trending_tags WHERE window_kind = ? AND window_end = ?',
      'SELECT window_end FROM insight_trending_windows WHERE window_kind = ?',
    ]) {
      expect(await attempt(insights, cql, cql.includes('window_end =') ? ['HOUR', new Date()] : ['HOUR'])).toBe('DONE');
    }
    expect(await attempt(insights, 'SELECT loves FROM insight_post_engagement WHERE post_id = ?', [id])).toBe('DONE');
    expect(await attempt(insights, 'SELECT gained FROM insight_follower_changes WHERE user_id = ?', [id])).toBe('DONE');
    expect(await attempt(insights, 'SELECT author_id FROM posts WHERE id = ?', [id])).toBe('DONE');
    const now = new Date();
    expect(await attempt(insights, FOLLOWER_CHANGE, [id, now, now, 1, 0])).toBe('Unauthorized');
    expect(await attempt(insights, 'UPDATE posts SET caption = ? WHERE id = ?', ['pwned', id])).toBe('Unauthorized');
    expect(await attempt(insights, 'SELECT id FROM users WHERE id = ?', [id])).toBe('Unauthorized');
  });

  it('lets the projectors write the insights, and not the writers', async () => {
    const now = new Date();
    const projectors = signedIn(credentials.cassandra.projectors);
    expect(await attempt(projectors, FOLLOWER_CHANGE, [id, now, now, 1, 0])).toBe('DONE');
    const writers = signedIn(credentials.cassandra.writers);
    expect(await attempt(writers, FOLLOWER_CHANGE, [id, now, now, 1, 0])).toBe('Unauthorized');
  });
});
