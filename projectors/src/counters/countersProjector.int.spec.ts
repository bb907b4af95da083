import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createWriteClock } from '../cassandra/writeClock.ts';
import { quietContext } from '../consumer/projector.ts';
import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { freshKeyspace, silentLogger, type TestKeyspace } from '../testing/engines.ts';
import { events } from '../testing/events.ts';
import { systemOfRecord } from '../testing/systemOfRecord.ts';
import { createCountersStore } from './countersStore.ts';
import { handleCountersBatch, handleCountersEvent, type CountersDeps } from './countersProjector.ts';

let ks: TestKeyspace;
let sor: ReturnType<typeof systemOfRecord>;
let deps: CountersDeps;

beforeAll(async () => {
  ks = await freshKeyspace('counters');
  sor = systemOfRecord(ks.client);
  deps = { store: createCountersStore(ks.client), clock: createWriteClock() };
});
afterAll(async () => {
  await ks?.drop();
});

async function handle(...stream: ProjectedEvent[]) {
  for (const event of stream) {
    expect(await handleCountersEvent(event, deps, quietContext(silentLogger))).toEqual({ kind: 'done' });
  }
}

async function counts(userId: string) {
  const row = (await ks.client.execute('SELECT * FROM user_counts WHERE user_id = ?', [userId])).first();
  return row
    ? {
        followers: row.get('follower_count'),
        followings: row.get('following_count'),
        connections: row.get('connection_count'),
      }
    : undefined;
}

const id = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;

describe('counters projector on Cassandra', () => {
  it('keeps exact absolute counts for everyone an event touches', async () => {
    const a = id('a');
    const b = id('b');
    const c = id('c');
    await handle(events.profileCreated(a, a));
    expect(await counts(a)).toEqual({ followers: 0n, followings: 0n, connections: 0n });

    await sor.follow(b, a);
    await sor.follow(c, a);
    await sor.follow(a, c);
    await sor.connect(a, b, 'FRIEND', 'FRIEND');
    await sor.request(a, c, 'FRIEND');
    await handle(
      events.followed(b, a),
      events.followed(c, a),
      events.followed(a, c),
      events.connectionAccepted(a, b, 'FRIEND', 'FRIEND'),
    );
    expect(await counts(a)).toEqual({ followers: 2n, followings: 1n, connections: 1n });
    expect(await counts(b)).toEqual({ followers: 0n, followings: 1n, connections: 1n });
    expect(await counts(c)).toEqual({ followers: 1n, followings: 1n, connections: 0n });

    await sor.unfollow(b, a);
    await sor.disconnect(a, b);
    await handle(events.unfollowed(b, a), events.connectionRemoved(a, b));
    expect(await counts(a)).toEqual({ followers: 1n, followings: 1n, connections: 0n });
    expect(await counts(b)).toEqual({ followers: 0n, followings: 0n, connections: 0n });
  });

  it('concurrent follows, each recounted as it lands, end at the exact count; replays change nothing', async () => {
    const star = id('star');
    const fans = Array.from({ length: 20 }, (_, i) => `${star}-fan-${i}`);
    const stream = fans.map((f) => events.followed(f, star));
    // Writer and projector racing, as on several partitions: each recount sees a different count,
    // and they land in any order; the recount that read last must win.
    await Promise.all(
      fans.map(async (f, i) => {
        await sor.follow(f, star);
        expect(await handleCountersEvent(stream[i]!, deps, quietContext(silentLogger))).toEqual({ kind: 'done' });
      }),
    );
    expect(await counts(star)).toMatchObject({ followers: 20n });
    await handle(...stream, ...stream);
    expect(await counts(star)).toMatchObject({ followers: 20n });
  });

  it('a batch recounts each user it touches once, to the same counts as one event at a time', async () => {
    const star = id('star');
    const fans = Array.from({ length: 30 }, (_, i) => `${star}-fan-${i}`);
    const other = id('other');
    for (const f of fans) await sor.follow(f, star);
    await sor.follow(fans[0]!, other);
    await sor.connect(star, other, 'FRIEND', 'CLOSE_FRIEND');
    const batch = [
      events.profileCreated(star, star),
      ...fans.map((f) => events.followed(f, star)),
      events.followed(fans[0]!, other),
      events.connectionAccepted(star, other, 'FRIEND', 'CLOSE_FRIEND'),
    ];
    const recounted: string[] = [];
    const counting: CountersDeps = {
      ...deps,
      store: { ...deps.store, count: (userId) => (recounted.push(userId), deps.store.count(userId)) },
    };
    const outcomes = await handleCountersBatch(batch, counting, quietContext(silentLogger));
    expect(outcomes).toEqual(batch.map(() => ({ kind: 'done' })));
    expect(recounted.sort()).toEqual([star, other, ...fans].sort());
    expect(await counts(star)).toEqual({ followers: 30n, followings: 0n, connections: 1n });
    expect(await counts(other)).toEqual({ followers: 1n, followings: 0n, connections: 1n });
    expect(await counts(fans[0]!)).toEqual({ followers: 0n, followings: 2n, connections: 0n });
    // A replay of the batch changes nothing.
    await handleCountersBatch(batch, deps, quietContext(silentLogger));
    expect(await counts(star)).toEqual({ followers: 30n, followings: 0n, connections: 1n });
  });
});
