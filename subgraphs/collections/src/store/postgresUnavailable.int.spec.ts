import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

import { createKafka, createProducer } from '@verograph/messaging';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import { lazyProducer } from '@verograph/subgraph-kit';
import cassandra from 'cassandra-driver';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cassandraSignIn } from '@verograph/stack/testing';

import { startCollectionsSubgraph } from '../collectionsSubgraph.ts';
import { askAs, codes, run, silentLogger, TEST_SECRET } from '../testing/testEngines.ts';
import { createPostgresPool } from './postgres.ts';

/** A secret of this run: ids derived from idempotency keys are computed with it, as the subgraph does. */
const ID_SECRET = `ids-${randomUUID()}`;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('collections subgraph with PostgreSQL unreachable', () => {
  let server: SubgraphServer;
  let pool: pg.Pool;
  let cql: cassandra.Client;
  let producer: ReturnType<typeof lazyProducer>;

  beforeAll(async () => {
    pool = createPostgresPool(
      { url: `postgres://postgres@127.0.0.1:${await closedPort()}/verograph`, applicationName: 'spec' },
      silentLogger,
    );
    cql = new cassandra.Client({
      contactPoints: [`127.0.0.1:${process.env.CASSANDRA_PORT ?? 9042}`],
      localDataCenter: 'datacenter1',
      authProvider: cassandraSignIn(),
    });
    producer = lazyProducer(
      () => createProducer(createKafka(`collections-down-${run}`, [`127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`])),
      silentLogger,
    );
    server = await startCollectionsSubgraph({
      postgres: pool,
      cassandra: cql,
      producer,
      logger: silentLogger,
      metrics: new Registry(),
      port: 0,
      host: '127.0.0.1',
      signingSecret: TEST_SECRET,
      mutationWaitMs: 0,
      idSecret: ID_SECRET,
    });
  });

  afterAll(async () => {
    await server?.close();
    await producer?.disconnect();
    await cql?.shutdown();
    await pool?.end();
  });

  it('given a read, when PostgreSQL cannot be reached, then STORE_UNAVAILABLE, and the subgraph keeps answering', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await askAs(server.url, `viewer-${run}`, 'query ($id: ID!) { collection(id: $id) { id title } }', {
        id: randomUUID(),
      });
      expect(answer.status).toBe(200);
      expect(codes(answer)).toEqual(['STORE_UNAVAILABLE']);
      expect(answer.data).toEqual({ collection: null });
    }
  });

  it('given PostgreSQL unreachable, when health is asked, then live but not ready', async () => {
    const base = server.opsUrl;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
  });
});
