import { randomUUID } from 'node:crypto';

import cassandraDriver from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cassandraSignIn } from '../../src/testing/scratchEngines.ts';

/**
 * Proves that the engine the stack runs really serves CQL: schema changes, prepared writes,
 * a logged batch and reads, through the same driver the subgraphs use.
 */
const host = process.env.CASSANDRA_HOST ?? '127.0.0.1';
const port = Number(process.env.CASSANDRA_PORT ?? 9042);
// Unique per run, so parallel or aborted runs never see each other's data.
const keyspace = `it_${randomUUID().replaceAll('-', '')}`;

describe('cassandra engine', () => {
  const client = new cassandraDriver.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: 'datacenter1',
    authProvider: cassandraSignIn(),
    socketOptions: { connectTimeout: 5_000, readTimeout: 20_000 },
  });

  beforeAll(async () => {
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${keyspace}.orders (
         customer_id uuid, order_id timeuuid, total decimal, items list<text>, placed_at timestamp,
         PRIMARY KEY (customer_id, order_id)
       ) WITH CLUSTERING ORDER BY (order_id DESC)`,
    );
  });

  afterAll(async () => {
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    } finally {
      await client.shutdown();
    }
  });

  it('reports a 5.0 release', async () => {
    const row = (await client.execute('SELECT release_version FROM system.local')).first();
    expect(row.get('release_version')).toMatch(/^5\.0\./);
  });

  it('writes with prepared statements and a logged batch, then reads the values back', async () => {
    const { Uuid, TimeUuid, BigDecimal } = cassandraDriver.types;
    const insert = `INSERT INTO ${keyspace}.orders (customer_id, order_id, total, items, placed_at) VALUES (?, ?, ?, ?, ?)`;
    const customer = Uuid.random();
    const placedAt = new Date('2025-03-01T10:00:00.000Z');

    const first = TimeUuid.fromDate(placedAt);
    await client.execute(insert, [customer, first, BigDecimal.fromString('12.50'), ['book'], placedAt], {
      prepare: true,
    });

    // Several statements, including an update of the row written above, applied atomically.
    const later = [1, 2, 3].map((minutes) => TimeUuid.fromDate(new Date(placedAt.getTime() + minutes * 60_000)));
    await client.batch(
      [
        ...later.map((orderId, i) => ({
          query: insert,
          params: [customer, orderId, BigDecimal.fromString(`${i + 1}.25`), [`item-${i + 1}`, 'gift wrap'], placedAt],
        })),
        {
          query: `UPDATE ${keyspace}.orders SET items = items + ? WHERE customer_id = ? AND order_id = ?`,
          params: [['bookmark'], customer, first],
        },
      ],
      { prepare: true, logged: true },
    );

    const result = await client.execute(
      `SELECT order_id, total, items, placed_at FROM ${keyspace}.orders WHERE customer_id = ?`,
      [customer],
      { prepare: true },
    );
    const rows = result.rows.map((row) => ({
      orderId: String(row.get('order_id')),
      total: String(row.get('total')),
      items: row.get('items') as string[],
      placedAt: (row.get('placed_at') as Date).toISOString(),
    }));

    // Clustering order is newest first.
    expect(rows).toEqual([
      { orderId: String(later[2]), total: '3.25', items: ['item-3', 'gift wrap'], placedAt: placedAt.toISOString() },
      { orderId: String(later[1]), total: '2.25', items: ['item-2', 'gift wrap'], placedAt: placedAt.toISOString() },
      { orderId: String(later[0]), total: '1.25', items: ['item-1', 'gift wrap'], placedAt: placedAt.toISOString() },
      { orderId: String(first), total: '12.50', items: ['book', 'bookmark'], placedAt: placedAt.toISOString() },
    ]);
  });
});
