import { randomUUID } from 'node:crypto';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { readCredentials, stackDirFromEnv, type Credential } from '../credentials.ts';

/**
 * Least privilege on PostgreSQL, tried with each service's own role: every connection signs in
 * with a password, the collections subgraph only reads the read model, the projectors write it,
 * and no role a service runs as is a superuser. Before, `postgres` needed no password at all.
 */
const host = process.env.POSTGRES_HOST ?? '127.0.0.1';
const port = Number(process.env.POSTGRES_PORT ?? 5432);
const database = process.env.POSTGRES_DB ?? 'verograph';
const credentials = readCredentials(stackDirFromEnv());
const id = `security-${randomUUID()}`;
const clients: pg.Client[] = [];

async function signedIn(credential: { username: string; password?: string }): Promise<pg.Client> {
  const client = new pg.Client({ host, port, database, user: credential.username, password: credential.password });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  return client;
}

/** Runs one statement; resolves to 'DONE' or to PostgreSQL's SQLSTATE (42501: insufficient privilege). */
async function attempt(client: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await client.query(sql, params);
    return 'DONE';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const as = (credential: Credential) => signedIn(credential);

afterAll(async () => {
  const admin = await as(credentials.postgres.admin);
  await admin.query('DELETE FROM collections WHERE id = $1', [id]);
  await Promise.allSettled(clients.map((c) => c.end()));
});

describe('PostgreSQL roles', () => {
  it('refuses a client without a password, the old passwordless superuser, and a wrong password', async () => {
    // 28P01: invalid_password (what PostgreSQL answers for a password it could not check too).
    await expect(signedIn({ username: credentials.postgres.admin.username })).rejects.toThrow();
    await expect(signedIn({ username: 'postgres' })).rejects.toThrow();
    await expect(signedIn({ username: credentials.postgres.collections.username, password: 'wrong' })).rejects.toThrow(
      /password authentication failed/,
    );
  });

  it('lets the collections subgraph read the read model and write nothing', async () => {
    const collections = await as(credentials.postgres.collections);
    expect(await attempt(collections, 'SELECT id FROM collections WHERE id = $1', [id])).toBe('DONE');
    expect(
      await attempt(
        collections,
        'INSERT INTO collections (id, owner_id, title, created_at, updated_at) VALUES ($1, $1, $1, now(), now())',
        [id],
      ),
    ).toBe('42501');
    expect(await attempt(collections, 'DELETE FROM audience_grants')).toBe('42501');
  });

  it('lets the projectors write the read model, and neither change the schema nor make roles', async () => {
    const projectors = await as(credentials.postgres.projectors);
    expect(
      await attempt(
        projectors,
        'INSERT INTO collections (id, owner_id, title, created_at, updated_at) VALUES ($1, $1, $1, now(), now())',
        [id],
      ),
    ).toBe('DONE');
    expect(await attempt(projectors, 'DROP TABLE collection_items')).toBe('42501');
    expect(await attempt(projectors, `CREATE TABLE t_${id.replaceAll('-', '_')} (id int)`)).toBe('42501');
    expect(await attempt(projectors, `CREATE ROLE r_${id.replaceAll('-', '_')} SUPERUSER`)).toBe('42501');
  });

  it('runs no service as a superuser', async () => {
    const admin = await as(credentials.postgres.admin);
    const services = Object.entries(credentials.postgres)
      .filter(([principal]) => principal !== 'admin')
      .map(([, c]) => c.username);
    const roles = await admin.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean }>(
      'SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
      [services],
    );
    expect(roles.rows).toEqual(
      [...services].sort().map((rolname) => ({ rolname, rolsuper: false, rolcreaterole: false })),
    );
  });
});
