import { setImmediate as tick } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { createLiveHub, type DropReason, type SubscriptionSink } from './liveHub.ts';
import type { LiveRecord } from './replayWindow.ts';

const record = (offset: number, key: string, timestamp = 10_000, partition = 0): LiveRecord<string> => ({
  partition,
  offset,
  timestamp,
  key,
  value: `${key}@${offset}`,
});

/** A sink that records what it was given; `gate` holds deliveries until released. */
function recordingSink(options: { unsent?: () => number; gate?: Promise<void> } = {}) {
  const delivered: string[] = [];
  const dropped: DropReason[] = [];
  const sink: SubscriptionSink<string> = {
    async deliver(r) {
      if (options.gate) await options.gate;
      delivered.push(r.value);
      return true;
    },
    unsentBytes: options.unsent ?? (() => 0),
    drop: (reason) => dropped.push(reason),
  };
  return { sink, delivered, dropped };
}

const hubOptions = { maxSubscriptionsPerViewer: 3, maxBufferedEvents: 4, maxBufferedBytes: 1000, now: () => 10_000 };

describe('live hub', () => {
  it('fans a record out to every subscription of its key only, in order', async () => {
    const hub = createLiveHub<string>(hubOptions);
    const a1 = recordingSink();
    const a2 = recordingSink();
    const b = recordingSink();
    hub.add(hub.subscription({ stream: 'feed', key: 'a', viewerId: 'a', sink: a1.sink }));
    hub.add(hub.subscription({ stream: 'feed', key: 'a', viewerId: 'a', sink: a2.sink }));
    hub.add(hub.subscription({ stream: 'feed', key: 'b', viewerId: 'b', sink: b.sink }));
    hub.publish('feed', record(1, 'a'), false);
    hub.publish('feed', record(2, 'b'), false);
    hub.publish('feed', record(3, 'a'), false);
    hub.publish('engagement', record(4, 'a'), false);
    await tick();
    expect(a1.delivered).toEqual(['a@1', 'a@3']);
    expect(a2.delivered).toEqual(['a@1', 'a@3']);
    expect(b.delivered).toEqual(['b@2']);
  });

  it('keeps delivering to the others when one of several subscriptions of a key leaves', async () => {
    const hub = createLiveHub<string>(hubOptions);
    const [one, two, three] = [recordingSink(), recordingSink(), recordingSink()];
    const subscriptions = [one, two, three].map(({ sink }) =>
      hub.subscription({ stream: 'engagement', key: 'p', viewerId: undefined, sink }),
    );
    for (const subscription of subscriptions) hub.add(subscription);
    hub.remove(subscriptions[0]!);
    hub.remove(subscriptions[1]!);
    hub.publish('engagement', record(1, 'p'), false);
    hub.remove(subscriptions[2]!);
    hub.publish('engagement', record(2, 'p'), false);
    await tick();
    expect([one.delivered, two.delivered, three.delivered]).toEqual([[], [], ['p@1']]);
    expect(hub.subscriptions).toBe(0);
  });

  it('delivers a replay, then live records, without duplicates', async () => {
    const hub = createLiveHub<string>(hubOptions);
    const a = recordingSink();
    const subscription = hub.subscription({
      stream: 'feed',
      key: 'a',
      viewerId: 'a',
      sink: a.sink,
      after: { stream: 'feed', partition: 0, offset: 1 },
    });
    hub.add(subscription, [record(2, 'a'), record(3, 'a')]);
    hub.publish('feed', record(3, 'a'), true);
    hub.publish('feed', record(1, 'a'), true);
    hub.publish('feed', record(4, 'a'), false);
    await tick();
    expect(a.delivered).toEqual(['a@2', 'a@3', 'a@4']);
  });

  it('gives backlog records only to subscriptions they are news to', async () => {
    const hub = createLiveHub<string>({ ...hubOptions, clockSkewMs: 0 });
    const fresh = recordingSink();
    const resumed = recordingSink();
    hub.add(hub.subscription({ stream: 'feed', key: 'a', viewerId: 'a', sink: fresh.sink }));
    hub.add(
      hub.subscription({
        stream: 'feed',
        key: 'a',
        viewerId: 'a',
        sink: resumed.sink,
        after: { stream: 'feed', partition: 0, offset: 4 },
      }),
    );
    hub.publish('feed', record(5, 'a', 9_000), true);
    hub.publish('feed', record(6, 'a', 10_500), true);
    await tick();
    expect(fresh.delivered).toEqual(['a@6']);
    expect(resumed.delivered).toEqual(['a@5', 'a@6']);
  });

  it('limits subscriptions per viewer and frees the slot on remove', () => {
    const hub = createLiveHub<string>(hubOptions);
    const subscriptions = [1, 2, 3].map(() =>
      hub.subscription({ stream: 'engagement', key: 'p', viewerId: 'v', sink: recordingSink().sink }),
    );
    for (const s of subscriptions) expect(hub.add(s)).toEqual({ ok: true });
    const fourth = hub.subscription({ stream: 'feed', key: 'v', viewerId: 'v', sink: recordingSink().sink });
    expect(hub.add(fourth)).toMatchObject({ ok: false, code: 'TOO_MANY_SUBSCRIPTIONS' });
    hub.remove(subscriptions[0]!);
    expect(hub.add(fourth)).toEqual({ ok: true });
    expect(hub.subscriptions).toBe(3);
    // Anonymous viewers are limited per connection only.
    const anonymous = [1, 2, 3, 4].map(() =>
      hub.add(hub.subscription({ stream: 'engagement', key: 'p', viewerId: undefined, sink: recordingSink().sink })),
    );
    expect(anonymous.every((outcome) => outcome.ok)).toBe(true);
  });

  it('drops a subscription whose queue passes its bound, and stops delivering to it', async () => {
    const dropped: string[] = [];
    const hub = createLiveHub<string>({
      ...hubOptions,
      observer: { delivered() {}, failed() {}, dropped: (stream, reason) => dropped.push(`${stream}:${reason}`) },
    });
    let release!: () => void;
    const slow = recordingSink({ gate: new Promise<void>((resolve) => (release = resolve)) });
    const subscription = hub.subscription({ stream: 'feed', key: 'a', viewerId: 'a', sink: slow.sink });
    hub.add(subscription);
    // One in delivery, four waiting: the sixth overflows.
    for (let offset = 1; offset <= 6; offset++) hub.publish('feed', record(offset, 'a'), false);
    expect(slow.dropped).toEqual(['SLOW_CONSUMER']);
    expect(dropped).toEqual(['feed:SLOW_CONSUMER']);
    expect(hub.subscriptions).toBe(0);
    release();
    await tick();
    expect(slow.delivered).toEqual(['a@1']);
  });

  it('drops a subscription whose connection has too many unsent bytes', async () => {
    const hub = createLiveHub<string>(hubOptions);
    let unsent = 0;
    const sink = recordingSink({ unsent: () => unsent });
    hub.add(hub.subscription({ stream: 'feed', key: 'a', viewerId: 'a', sink: sink.sink }));
    hub.publish('feed', record(1, 'a'), false);
    await tick();
    expect(sink.dropped).toEqual([]);
    unsent = 5000;
    hub.publish('feed', record(2, 'a'), false);
    await tick();
    expect(sink.dropped).toEqual(['SLOW_CONSUMER']);
    expect(hub.subscriptions).toBe(0);
  });

  it('gives a resume room for its replay on top of the live buffer', async () => {
    const hub = createLiveHub<string>(hubOptions);
    const sink = recordingSink();
    const replay = Array.from({ length: 20 }, (_, index) => record(index + 1, 'a'));
    const outcome = hub.add(
      hub.subscription({
        stream: 'feed',
        key: 'a',
        viewerId: 'a',
        sink: sink.sink,
        after: { stream: 'feed', partition: 0, offset: 0 },
      }),
      replay,
    );
    expect(outcome).toEqual({ ok: true });
    await tick();
    await tick();
    expect(sink.dropped).toEqual([]);
    expect(sink.delivered).toHaveLength(20);
  });

  it('judges backlog by when a subscription was made, however long after the hub started', async () => {
    let clock = 1_000;
    const hub = createLiveHub<string>({ ...hubOptions, clockSkewMs: 0, now: () => clock });
    clock = 5_000_000_000;
    const sink = recordingSink();
    const subscription = hub.subscription({ stream: 'feed', key: 'a', viewerId: 'a', sink: sink.sink });
    hub.add(subscription);
    hub.publish('feed', record(1, 'a', clock - 1), true);
    hub.publish('feed', record(2, 'a', clock), true);
    await tick();
    expect(sink.delivered).toEqual(['a@2']);
    expect(subscription.closed).toBe(false);
    hub.remove(subscription);
    expect(subscription.closed).toBe(true);
  });
});
