import { randomUUID } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { readCredentials, stackDirFromEnv } from '../credentials.ts';
import { attempt, keyspace, roleSessions } from './roleSessions.ts';

/**
 * Least privilege on Cassandra, tried with each service's own role on the real keyspace: the
 * subgraphs read what they serve and write nothing; the writers and projectors write what they
 * own only. Before PasswordAuthenticator and CassandraAuthorizer anyone could write anything.
 */
const credentials = readCredentials(stackDirFromEnv());
const id = `security-${randomUUID()}`;
const { signedIn, anonymous, shutdown } = roleSessions();

afterAll(async () => {
  await signedIn(credentials.cassandra.admin)
    .execute('DELETE FROM feed_by_viewer WHERE viewer_id = ?', [id], { prepare: true })
    .catch(() => undefined);
  await signedIn(credentials.cassandra.admin)
    .execute('DELETE FROM notifications_by_recipient WHERE recipient_id = ?', [id], { prepare: true })
    .catch(() => undefined);
  await shutdown();
});

describe('Cassandra roles', () => {
  it('refuses a client that does not sign in, and the default superuser', async () => {
    await expect(anonymous().connect()).rejects.toThrow(/requires authentication|AuthenticationError|No host/i);
    await expect(signedIn({ username: 'cassandra', password: 'cassandra' }).connect()).rejects.toThrow();
  });

  it("refuses a write with the search subgraph's role (Unauthorized)", async () => {
    const search = signedIn(credentials.cassandra.search);
    expect(await attempt(search, 'INSERT INTO users (id, username) VALUES (?, ?)', [id, id])).toBe('Unauthorized');
    expect(await attempt(search, 'UPDATE posts SET caption = ? WHERE id = ?', ['pwned', id])).toBe('Unauthorized');
    expect(await attempt(search, 'SELECT id FROM users WHERE id = ?', [id])).toBe('Unauthorized');
    // What its audience check reads, it may read.
    expect(await attempt(search, 'SELECT id FROM posts WHERE id = ?', [id])).toBe('DONE');
  });

  it('lets a subgraph read the tables it serves and write none of them', async () => {
    const posts = signedIn(credentials.cassandra.posts);
    expect(await attempt(posts, 'SELECT id FROM posts WHERE id = ?', [id])).toBe('DONE');
    expect(await attempt(posts, 'UPDATE posts SET caption = ? WHERE id = ?', ['pwned', id])).toBe('Unauthorized');
    expect(await attempt(posts, 'DELETE FROM comments WHERE id = ?', [id])).toBe('Unauthorized');
    // Nor what another subgraph serves and it does not read.
    expect(await attempt(posts, 'SELECT user_id FROM users_by_username WHERE username = ?', [id])).toBe('Unauthorized');
    // The users subgraph lists followers (User.followers) and connections, and writes neither.
    const users = signedIn(credentials.cassandra.users);
    expect(await attempt(users, 'SELECT follower_id FROM follows_by_followee WHERE followee_id = ?', [id])).toBe(
      'DONE',
    );
    expect(await attempt(users, 'SELECT other_id FROM connections WHERE user_id = ?', [id])).toBe('DONE');
    expect(await attempt(users, 'DELETE FROM connections WHERE user_id = ?', [id])).toBe('Unauthorized');
  });

  it('lets the projectors write their read models but not the system of record', async () => {
    const projectors = signedIn(credentials.cassandra.projectors);
    expect(
      await attempt(
        projectors,
        'INSERT INTO feed_by_viewer (viewer_id, created_at, post_id, author_id) VALUES (?, ?, ?, ?)',
        [id, new Date(), id, id],
      ),
    ).toBe('DONE');
    expect(await attempt(projectors, 'UPDATE posts SET caption = ? WHERE id = ?', ['pwned', id])).toBe('Unauthorized');
  });

  it('lets the writers write the system of record but not the read models', async () => {
    const writers = signedIn(credentials.cassandra.writers);
    expect(
      await attempt(writers, 'INSERT INTO feed_by_viewer (viewer_id, created_at, post_id) VALUES (?, ?, ?)', [
        id,
        new Date(),
        id,
      ]),
    ).toBe('Unauthorized');
    expect(await attempt(writers, 'SELECT id FROM users WHERE id = ?', [id])).toBe('DONE');
  });

  it('notifications: the projectors write them; the users subgraph reads them and what its audience check reads', async () => {
    const projectors = signedIn(credentials.cassandra.projectors);
    const insert =
      'INSERT INTO notifications_by_recipient (recipient_id, occurred_at, notification_id, kind, actor_id) VALUES (?, ?, ?, ?, ?)';
    expect(await attempt(projectors, insert, [id, new Date(), id, 'FOLLOWED', id])).toBe('DONE');
    expect(
      await attempt(projectors, 'INSERT INTO notification_read_markers (recipient_id, read_up_to_id) VALUES (?, ?)', [
        id,
        id,
      ]),
    ).toBe('DONE');
    const users = signedIn(credentials.cassandra.users);
    expect(await attempt(users, 'SELECT kind FROM notifications_by_recipient WHERE recipient_id = ?', [id])).toBe(
      'DONE',
    );
    expect(
      await attempt(users, 'SELECT read_up_to_id FROM notification_read_markers WHERE recipient_id = ?', [id]),
    ).toBe('DONE');
    expect(await attempt(users, 'SELECT id FROM posts WHERE id = ?', [id])).toBe('DONE');
    expect(await attempt(users, 'SELECT follower_id FROM follows_by_followee WHERE followee_id = ?', [id])).toBe(
      'DONE',
    );
    expect(await attempt(users, insert, [id, new Date(), id, 'FOLLOWED', id])).toBe('Unauthorized');
    expect(await attempt(signedIn(credentials.cassandra.writers), insert, [id, new Date(), id, 'FOLLOWED', id])).toBe(
      'Unauthorized',
    );
  });

  it('keeps roles from granting themselves more', async () => {
    const users = signedIn(credentials.cassandra.users);
    expect(await attempt(users, `GRANT MODIFY ON TABLE ${keyspace}.users TO users`)).toBe('Unauthorized');
  });
});
