import { EventEmitter } from 'node:events';

import type pg from 'pg';
import { describe, expect, it } from 'vitest';

import { createCollectionsStore } from './collectionsStore.ts';

/** A checked-out client whose server goes away during the transaction, as PostgreSQL's does when stopped. */
function clientLosingItsServer() {
  const client = Object.assign(new EventEmitter(), {
    released: undefined as unknown,
    async query(text: string | { text: string }) {
      if (typeof text === 'object') {
        // The server ends the connection: the client emits 'error', then the query fails.
        const error = Object.assign(new Error('terminating connection due to unexpected postmaster exit'), {
          code: '57P01',
        });
        client.emit('error', error);
        throw error;
      }
      return { rows: [] };
    },
    release(error?: unknown) {
      client.released = error ?? null;
    },
  });
  return client;
}

describe('the collections store when PostgreSQL goes away mid-transaction', () => {
  it('fails the apply (to be retried) instead of dying on an unhandled error event, and does not reuse the client', async () => {
    const client = clientLosingItsServer();
    const pool = { connect: async () => client } as unknown as pg.Pool;
    const store = createCollectionsStore(pool);
    await expect(store.apply([{ op: 'markPostDeleted', postId: 'p', authorId: 'a' }])).rejects.toThrow(
      'terminating connection',
    );
    expect(client.released).toBeInstanceOf(Error);
    expect(client.listenerCount('error')).toBe(0);
  });
});
