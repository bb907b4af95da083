/**
 * Live subscriptions end to end (issue 5): real engines, writers, projectors, subgraphs and
 * gateways as separate processes; real clients — graphql-ws's own client over `ws`, a GraphQL
 * over SSE reader that resumes with Last-Event-ID, and a raw socket that stops reading. Users
 * sign up, connect, follow and post over HTTP as a frontend would, and every subscriber's
 * stream is checked for exactly what it may see, in order, once.
 *
 * A subscription cannot prove that something never arrives, so each negative assertion is
 * made after a barrier: every positive event of the scenario, and a later post by an author
 * the subscriber follows, has arrived first.
 */
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { openRawWs, subscribeSse, subscribeWs, type LiveSubscription, type RawWsClient } from './liveClients.ts';
import {
  comment,
  connect,
  extraGateway,
  follow,
  inFeed,
  love,
  post,
  setLevel,
  signUp,
  unfollow,
  type Audience,
  unlove,
  type ExtraGateway,
  type Person,
} from './liveWorld.ts';

const run = randomUUID().slice(0, 8);

interface FeedUpdate {
  readonly kind: 'POST_ADDED' | 'POST_REMOVED';
  readonly postId: string;
  readonly cursor: string;
  readonly post: {
    readonly id: string;
    readonly audience: Audience;
    readonly author: { readonly id: string; readonly displayName: string };
  } | null;
}
type FeedData = { feedUpdated: FeedUpdate };
type Transport = 'ws' | 'sse';

const FEED = `subscription($after: String) {
  feedUpdated(after: $after) { kind postId cursor post { id audience author { id displayName } } }
}`;

/** A viewer's home-feed subscription on `gateway`, resumed after `cursor` when given. */
function subscribeFeed(transport: Transport, gateway: string, who: Person, cursor?: string) {
  if (transport === 'ws') {
    return subscribeWs<FeedData>({ url: gateway, token: who.token, query: FEED, variables: { after: cursor ?? null } });
  }
  return subscribeSse<FeedData>({
    url: gateway,
    token: who.token,
    query: FEED,
    ...(cursor !== undefined ? { lastEventId: cursor } : {}),
  });
}

const updates = (s: LiveSubscription<FeedData>) =>
  s.results.flatMap((r) => (r.data?.feedUpdated ? [r.data.feedUpdated] : []));
const addedIds = (s: LiveSubscription<FeedData>) =>
  updates(s)
    .filter((u) => u.kind === 'POST_ADDED')
    .map((u) => u.postId);
const hasAdded = (ids: readonly string[]) => (s: LiveSubscription<FeedData>) =>
  ids.every((id) => addedIds(s).includes(id));
const lastCursor = (s: LiveSubscription<FeedData>) => {
  const cursor = updates(s).at(-1)?.cursor;
  if (!cursor) throw new Error(`${s.transport}: no event, so no cursor to resume from`);
  return cursor;
};

/** What every feed event must carry, whatever its post: a cursor, and over SSE the same cursor as its id. */
function expectWellFormed(s: LiveSubscription<FeedData>) {
  for (const result of s.results) {
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const update = result.data?.feedUpdated;
    expect(update?.cursor, JSON.stringify(result)).toMatch(/^\S+$/);
    if (s.transport === 'sse') expect(result.eventId).toBe(update?.cursor);
    if (update?.kind === 'POST_ADDED') expect(update.post?.id).toBe(update.postId);
  }
}

/**
 * Graphql-ws has no acknowledgement of a subscribe, and SSE none of a stream's subscription:
 * `author` posts until every subscription has seen one of those posts, so a scenario starts
 * with each subscription registered. Returns the warm-up posts' ids.
 */
async function warmUp(author: Person, subs: readonly LiveSubscription<FeedData>[]): Promise<string[]> {
  const posted: string[] = [];
  for (let attempt = 1; ; attempt++) {
    posted.push(await post(author, 'FOLLOWERS', `warm-up ${attempt} ${run}`));
    const seen = subs.map((s) =>
      s.until(`a warm-up post by ${author.name}`, (x) => addedIds(x).some((id) => posted.includes(id)), 6_000),
    );
    const settled = await Promise.allSettled(seen);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return posted;
    if (attempt === 4 || subs.some((s) => s.ending)) throw failed.reason;
  }
}

let gatewayUrl = '';
const opened: { close(): Promise<void> | void }[] = [];
/** Every subscription a test opens is closed after the file, whatever the outcome. */
function track<T extends { close(): Promise<void> | void }>(s: T): T {
  opened.push(s);
  return s;
}

beforeAll(() => {
  gatewayUrl = inject('gatewayUrl');
});

afterAll(async () => {
  await Promise.allSettled(opened.map((s) => s.close()));
});

describe('feedUpdated reaches exactly who may see each post', () => {
  let alice: Person, bob: Person, carol: Person, dave: Person, erin: Person, frank: Person, zed: Person;
  const expected = () =>
    ({
      bob: ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'], // filed CLOSE_FRIEND
      carol: ['FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'], // filed FRIEND
      dave: ['ACQUAINTANCES', 'FOLLOWERS'], // filed ACQUAINTANCE
      erin: ['FOLLOWERS'], // follows
      frank: [], // a stranger (follows only zed, the scenario's beacon)
    }) as Record<string, Audience[]>;

  beforeAll(async () => {
    ({ alice, bob, carol, dave, erin, frank, zed } = await signUp(gatewayUrl, run, [
      'alice',
      'bob',
      'carol',
      'dave',
      'erin',
      'frank',
      'zed',
    ]));
    await connect(alice, bob, 'CLOSE_FRIEND');
    await connect(alice, carol, 'FRIEND');
    await connect(alice, dave, 'ACQUAINTANCE');
    await follow(erin, alice);
    // zed's posts reach every subscriber: they mark when a subscription is live, and when it is quiet.
    for (const p of [bob, carol, dave, erin, frank]) await follow(p, zed);
  }, 300_000);

  it('delivers each of alice’s four posts to exactly the allowed viewers, over graphql-ws and SSE', async () => {
    const viewers = [bob, carol, dave, erin, frank];
    const subs = viewers.flatMap((v) =>
      (['ws', 'sse'] as const).map((t) => ({ viewer: v, s: track(subscribeFeed(t, gatewayUrl, v)) })),
    );
    await warmUp(
      zed,
      subs.map((x) => x.s),
    );

    const postIds = {} as Record<Audience, string>;
    for (const audience of ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'] as const) {
      postIds[audience] = await post(alice, audience, `for ${audience.toLowerCase()} ${run}`);
    }
    const beacon = await post(zed, 'FOLLOWERS', `after alice's posts ${run}`);

    await Promise.all(
      subs.map(({ viewer, s }) =>
        s.until(
          `${viewer.name}'s posts and the beacon`,
          hasAdded([...expected()[viewer.name]!.map((a) => postIds[a]), beacon]),
        ),
      ),
    );
    const audienceOf = Object.fromEntries(Object.entries(postIds).map(([a, id]) => [id, a]));
    for (const { viewer, s } of subs) {
      expectWellFormed(s);
      const received = addedIds(s).filter((id) => id in audienceOf);
      expect(received.map((id) => audienceOf[id]).sort(), `${viewer.name} over ${s.transport}`).toEqual(
        [...expected()[viewer.name]!].sort(),
      );
      expect(new Set(received).size, `${viewer.name} over ${s.transport}: each post once`).toBe(received.length);
      // Each event is resolved through the federated query path, as the viewer.
      for (const update of updates(s).filter((u) => u.postId in audienceOf)) {
        expect(update.post).toEqual({
          id: update.postId,
          audience: audienceOf[update.postId],
          author: { id: alice.id, displayName: alice.displayName },
        });
      }
    }
  });

  it('stops delivery at once after a level change or an unfollow, mid-stream', async () => {
    const carolWs = track(subscribeFeed('ws', gatewayUrl, carol));
    const carolSse = track(subscribeFeed('sse', gatewayUrl, carol));
    const erinWs = track(subscribeFeed('ws', gatewayUrl, erin));
    const erinSse = track(subscribeFeed('sse', gatewayUrl, erin));
    const bobWs = track(subscribeFeed('ws', gatewayUrl, bob));
    const daveWs = track(subscribeFeed('ws', gatewayUrl, dave));
    const all = [carolWs, carolSse, erinWs, erinSse, bobWs, daveWs];
    await warmUp(zed, all);

    // Mid-stream: carol still sees FRIENDS posts, erin FOLLOWERS posts.
    const before = await post(alice, 'FRIENDS', `friends before ${run}`);
    const publicBefore = await post(alice, 'FOLLOWERS', `followers before ${run}`);
    await Promise.all([carolWs, carolSse].map((s) => s.until('the FRIENDS post before', hasAdded([before]))));
    await Promise.all([erinWs, erinSse].map((s) => s.until('the FOLLOWERS post before', hasAdded([publicBefore]))));

    await setLevel(alice, carol, 'ACQUAINTANCE');
    await unfollow(erin, alice);
    const changedAt = Date.now();

    const friendsAfter = await post(alice, 'FRIENDS', `friends after ${run}`);
    const followersAfter = await post(alice, 'FOLLOWERS', `followers after ${run}`);
    const acquaintancesAfter = await post(alice, 'ACQUAINTANCES', `acquaintances after ${run}`);
    const beacon = await post(zed, 'FOLLOWERS', `beacon after the change ${run}`);

    // Barrier: everyone got what they still may see, and the beacon.
    await bobWs.until('bob: all three posts', hasAdded([friendsAfter, followersAfter, acquaintancesAfter, beacon]));
    await daveWs.until('dave: the two he may see', hasAdded([followersAfter, acquaintancesAfter, beacon]));
    for (const s of [carolWs, carolSse]) {
      await s.until('carol: the two she still may see', hasAdded([followersAfter, acquaintancesAfter, beacon]));
    }
    for (const s of [erinWs, erinSse]) await s.until('erin: the beacon', hasAdded([beacon]));

    for (const s of all) expectWellFormed(s);
    for (const s of [carolWs, carolSse]) {
      expect(addedIds(s), `carol over ${s.transport}`).not.toContain(friendsAfter);
      // Whatever still comes about the FRIENDS post from before (a removal), it reveals nothing now.
      const late = s.results.filter((r) => r.at >= changedAt && r.data?.feedUpdated.postId === before);
      for (const r of late) expect(r.data?.feedUpdated.post, `carol over ${s.transport}`).toBeNull();
    }
    for (const s of [erinWs, erinSse]) {
      expect(addedIds(s), `erin over ${s.transport}`).not.toContain(followersAfter);
      expect(addedIds(s)).not.toContain(acquaintancesAfter);
      expect(addedIds(s)).not.toContain(friendsAfter);
    }
    expect(addedIds(daveWs)).not.toContain(friendsAfter);
  });
});

describe('a dropped connection resumes from its last cursor', () => {
  let ivy: Person, jack: Person;

  beforeAll(async () => {
    ({ ivy, jack } = await signUp(gatewayUrl, run, ['ivy', 'jack']));
    await follow(jack, ivy);
  }, 300_000);

  /** Posts one at a time, each in jack's feed before the next: the order the stream must keep. */
  async function postWhileAway(count: number, label: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = await post(ivy, 'FOLLOWERS', `${label} ${i} ${run}`);
      await inFeed(jack, id);
      ids.push(id);
    }
    return ids;
  }

  for (const transport of ['ws', 'sse'] as const) {
    it(`${transport}: posts made while disconnected arrive after reconnecting, in order, each once`, async () => {
      const first = track(subscribeFeed(transport, gatewayUrl, jack));
      await warmUp(ivy, [first]);
      const seenBefore = addedIds(first);
      const cursor = lastCursor(first);
      await first.close();

      const missed = await postWhileAway(3, `missed over ${transport}`);
      const resumed = track(subscribeFeed(transport, gatewayUrl, jack, cursor));
      await resumed.until('the three missed posts', hasAdded(missed));
      const live = await post(ivy, 'FOLLOWERS', `live after resuming ${transport} ${run}`);
      await resumed.until('the live post after the catch-up', hasAdded([live]));

      expectWellFormed(resumed);
      const after = addedIds(resumed);
      // Nothing from before the cursor again, nothing twice, the missed posts in order then the live one.
      expect(after.filter((id) => seenBefore.includes(id))).toEqual([]);
      expect(new Set(after).size).toBe(after.length);
      expect(after.filter((id) => [...missed, live].includes(id))).toEqual([...missed, live]);
    });
  }

  it('rejects a malformed cursor with a coded error, over both transports', async () => {
    const ws = track(subscribeFeed('ws', gatewayUrl, jack, 'not-a-cursor'));
    const sse = track(subscribeFeed('sse', gatewayUrl, jack, 'not-a-cursor'));
    await ws.until('an error', (s) => s.ending !== undefined);
    expect(ws.ending).toMatchObject({ kind: 'errors', errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    await sse.until('an error', (s) => s.results.some((r) => r.errors) || s.ending?.kind === 'errors');
    const sseErrors =
      sse.results.find((r) => r.errors)?.errors ?? (sse.ending?.kind === 'errors' ? sse.ending.errors : []);
    expect(sseErrors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('a second gateway process', () => {
  let second: ExtraGateway;
  let kim: Person, lee: Person;

  beforeAll(async () => {
    ({ kim, lee } = await signUp(gatewayUrl, run, ['kim', 'lee']));
    await follow(lee, kim);
    // Beside the system's own gateway, wherever E2E_PORT_OFFSET put it.
    second = extraGateway(Number(new URL(gatewayUrl).port) + 610);
    await second.start();
  }, 300_000);

  afterAll(async () => {
    await second?.stop();
  });

  it('delivers to its own clients beside the first, and resumes after a crash and restart', async () => {
    const onFirst = track(subscribeFeed('ws', gatewayUrl, lee));
    const onSecond = track(subscribeFeed('ws', second.url, lee));
    await warmUp(kim, [onFirst, onSecond]);
    const both = await post(kim, 'FOLLOWERS', `to both gateways ${run}`);
    await Promise.all([onFirst, onSecond].map((s) => s.until('the post on both gateways', hasAdded([both]))));
    const cursor = lastCursor(onSecond);
    const seenBefore = addedIds(onSecond);

    await second.crash();
    await onSecond.until('the crashed gateway’s socket to close', (s) => s.ending !== undefined);
    expect(onSecond.ending?.kind).toBe('closed');

    const missed: string[] = [];
    for (let i = 0; i < 2; i++) {
      missed.push(await post(kim, 'FOLLOWERS', `while the second gateway is down ${i} ${run}`));
      await inFeed(lee, missed.at(-1)!);
    }
    await second.start();
    const resumed = track(subscribeFeed('ws', second.url, lee, cursor));
    await resumed.until('the posts made while the gateway was down', hasAdded(missed));
    const live = await post(kim, 'FOLLOWERS', `after the restart ${run}`);
    await resumed.until('the live post after the restart', hasAdded([live]));

    expectWellFormed(resumed);
    const after = addedIds(resumed);
    expect(after.filter((id) => seenBefore.includes(id))).toEqual([]);
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((id) => [...missed, live].includes(id))).toEqual([...missed, live]);
    // The first gateway's client never noticed: every post, once, in order.
    await onFirst.until('every post on the first gateway', hasAdded([...missed, live]));
    expect(onFirst.ending).toBeUndefined();
    expect(addedIds(onFirst).filter((id) => [both, ...missed, live].includes(id))).toEqual([both, ...missed, live]);
  });
});

describe('a slow consumer', () => {
  let nat: Person, oli: Person, pam: Person;
  /** 29 copies (the alias limit is 30) of a 2,200-character caption per event: ~64 KB, so a stalled socket fills fast. */
  const bulky = `subscription { feedUpdated { kind postId cursor post { id ${Array.from(
    { length: 29 },
    (_, i) => `c${i}: caption`,
  ).join(' ')} } } }`;
  const caption = (i: number) => `${i} ${run} `.padEnd(2200, 'x');

  /** The gateway's own count of slow consumers it dropped (its /metrics). */
  const slowConsumerDrops = async () => {
    const text = await (await fetch(new URL('/metrics', inject('gatewayOpsUrl')))).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('gateway_live_drops_total{') && line.includes('SLOW_CONSUMER'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };

  beforeAll(async () => {
    ({ nat, oli, pam } = await signUp(gatewayUrl, run, ['nat', 'oli', 'pam']));
    await follow(oli, nat);
    await follow(pam, nat);
  }, 300_000);

  it('is dropped with 4413 SLOW_CONSUMER while the others keep receiving', async () => {
    const slow: RawWsClient = track(await openRawWs(gatewayUrl));
    slow.send({ type: 'connection_init', payload: { authorization: `Bearer ${oli.token}` } });
    await slow.until('connection_ack', (c) => c.messages.some((m) => m.type === 'connection_ack'));
    slow.send({ type: 'subscribe', id: 'feed', payload: { query: bulky } });
    const fast = track(subscribeWs<FeedData>({ url: gatewayUrl, token: pam.token, query: bulky }));

    const warm: string[] = [];
    for (let attempt = 1; ; attempt++) {
      warm.push(await post(nat, 'FOLLOWERS', caption(-attempt)));
      const slowSeen = () => slow.messages.some((m) => m.type === 'next');
      try {
        await Promise.all([
          slow.until('a warm-up post', slowSeen, 6_000),
          fast.until('a warm-up post', (s) => addedIds(s).length > 0, 6_000),
        ]);
        break;
      } catch (error) {
        if (attempt === 4) throw error;
      }
    }

    slow.pause();
    // Batches of eight ~64 KB events until the gateway counts a SLOW_CONSUMER drop: how much the
    // kernel's socket buffers absorb first varies, so the gateway's own counter says when.
    const dropsBefore = await slowConsumerDrops();
    const posts: string[] = [];
    for (let batch = 0; (await slowConsumerDrops()) === dropsBefore; batch++) {
      if (batch === 40)
        throw new Error(`no SLOW_CONSUMER drop after ${posts.length} posts to a client that never reads`);
      posts.push(
        ...(await Promise.all(Array.from({ length: 8 }, (_, i) => post(nat, 'FOLLOWERS', caption(batch * 8 + i))))),
      );
    }
    await fast.until('every post at the fast subscriber', hasAdded(posts), 60_000);
    // Reading again lets the slow client see how the gateway ended its connection.
    slow.resume();
    await slow.until('the gateway to drop the slow client', (c) => c.closed !== undefined, 60_000);
    expect(slow.closed?.code, JSON.stringify(slow.closed)).toBe(4413);
    expect(slow.closed?.reason).toContain('SLOW_CONSUMER');
    // What was already in the socket's buffers when it was dropped still arrives, each event once.
    const slowIds = slow.messages.flatMap((m) =>
      m.type === 'next' ? [(m.payload as { data: FeedData }).data.feedUpdated.postId] : [],
    );
    expect(new Set(slowIds).size).toBe(slowIds.length);

    // The fast subscriber is still served, each post once.
    const after = await post(nat, 'FOLLOWERS', `after the drop ${run}`);
    await fast.until('a post after the slow client was dropped', hasAdded([after]));
    expect(fast.ending).toBeUndefined();
    const received = addedIds(fast);
    expect(new Set(received).size).toBe(received.length);
  }, 300_000);
});

describe('postEngagement', () => {
  let quinn: Person, rae: Person, sam: Person;
  let visible = '';
  let hidden = '';
  type EngagementData = {
    postEngagement: {
      postId: string;
      loveCount: number;
      commentCount: number;
      latestComment: { id: string; text: string; author: { displayName: string } } | null;
      cursor: string;
    };
  };
  const ENGAGEMENT = `subscription($p: ID!) { postEngagement(postId: $p) {
    postId loveCount commentCount latestComment { id text author { displayName } } cursor } }`;
  const subscribeEngagement = (transport: Transport, who: Person, postId: string) =>
    transport === 'ws'
      ? subscribeWs<EngagementData>({ url: gatewayUrl, token: who.token, query: ENGAGEMENT, variables: { p: postId } })
      : subscribeSse<EngagementData>({
          url: gatewayUrl,
          token: who.token,
          query: ENGAGEMENT,
          variables: { p: postId },
        });
  const engagements = (s: LiveSubscription<EngagementData>) =>
    s.results.flatMap((r) => (r.data?.postEngagement ? [r.data.postEngagement] : []));

  beforeAll(async () => {
    ({ quinn, rae, sam } = await signUp(gatewayUrl, run, ['quinn', 'rae', 'sam']));
    await follow(rae, quinn);
    visible = await post(quinn, 'FOLLOWERS', `engage with me ${run}`);
    hidden = await post(quinn, 'CLOSE_FRIENDS', `close friends only ${run}`);
  }, 300_000);

  it('streams loves, comments and the latest comment of a visible post, over graphql-ws and SSE', async () => {
    const subs = [track(subscribeEngagement('ws', rae, visible)), track(subscribeEngagement('sse', rae, visible))];
    // The first love doubles as the check that both subscriptions are registered.
    for (let attempt = 1; ; attempt++) {
      await love(rae, visible);
      const seen = await Promise.allSettled(
        subs.map((s) => s.until('a love', (x) => engagements(x).some((e) => e.loveCount >= 1), 6_000)),
      );
      if (seen.every((r) => r.status === 'fulfilled')) break;
      if (attempt === 3) throw (seen.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      // Not registered in time: unlove and love again, so there is a new event.
      await unlove(rae, visible);
    }
    const warm = subs.map((s) => engagements(s).length);

    // One change at a time: latestComment is resolved at delivery, so the next change waits for this one.
    const arrived = (what: string, done: (e: EngagementData['postEngagement']) => boolean) =>
      Promise.all(subs.map((s) => s.until(what, (x) => engagements(x).some(done))));
    await love(quinn, visible);
    await arrived('the second love', (e) => e.loveCount === 2);
    const first = await comment(quinn, visible, `first ${run}`);
    await arrived('the first comment', (e) => e.latestComment?.id === first);
    const second = await comment(rae, visible, `second ${run}`);
    await arrived('the second comment', (e) => e.latestComment?.id === second);
    subs.forEach((s, i) => {
      for (const r of s.results) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      const events = engagements(s).slice(warm[i]);
      expect(events.every((e) => e.postId === visible && /^\S+$/.test(e.cursor))).toBe(true);
      expect(
        events.map((e) => [e.loveCount, e.commentCount, e.latestComment?.id ?? null]),
        `${s.transport}`,
      ).toEqual([
        [2, 0, null],
        [2, 1, first],
        [2, 2, second],
      ]);
      expect(events.at(-1)?.latestComment).toEqual({
        id: second,
        text: `second ${run}`,
        author: { displayName: rae.displayName },
      });
      if (s.transport === 'sse') {
        for (const r of s.results) expect(r.eventId).toBe(r.data?.postEngagement.cursor);
      }
    });
  });

  it('ends with POST_NOT_FOUND once the post is no longer visible to the viewer', async () => {
    const subs = [track(subscribeEngagement('ws', rae, visible)), track(subscribeEngagement('sse', rae, visible))];
    for (let attempt = 1; ; attempt++) {
      const text = `still visible ${attempt} ${run}`;
      await comment(quinn, visible, text);
      const seen = await Promise.allSettled(
        subs.map((s) => s.until('a comment', (x) => engagements(x).some((e) => e.latestComment?.text === text), 6_000)),
      );
      if (seen.every((r) => r.status === 'fulfilled')) break;
      if (attempt === 3) throw (seen.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    }
    const before = subs.map((s) => s.results.length);

    await unfollow(rae, quinn);
    await comment(quinn, visible, `after the unfollow ${run}`);
    for (const [i, s] of subs.entries()) {
      await s.until('the subscription to end', (x) => x.ending !== undefined);
      const after = s.results.slice(before[i]);
      // Nothing about the post after the unfollow: one coded error, then the end.
      expect(
        after.some((r) => r.data?.postEngagement),
        `${s.transport}: ${JSON.stringify(after)}`,
      ).toBe(false);
      expect(
        after.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code),
        s.transport,
      ).toEqual(['POST_NOT_FOUND']);
      expect(s.ending, s.transport).toEqual({ kind: 'complete' });
    }
  });

  it('refuses a post the viewer may not see with POST_NOT_FOUND, over graphql-ws and SSE', async () => {
    for (const [who, postId] of [
      [rae, hidden],
      [sam, visible],
    ] as const) {
      const ws = track(subscribeEngagement('ws', who, postId));
      await ws.until('an error', (s) => s.ending !== undefined);
      expect(ws.ending).toMatchObject({ kind: 'errors', errors: [{ extensions: { code: 'POST_NOT_FOUND' } }] });
      expect(ws.results).toEqual([]);

      const sse = track(subscribeEngagement('sse', who, postId));
      await sse.until('an error', (s) => s.ending !== undefined);
      const errors = sse.results.flatMap((r) => r.errors ?? []);
      expect(errors[0]?.extensions?.code, JSON.stringify(sse.results)).toBe('POST_NOT_FOUND');
      expect(sse.results.some((r) => r.data?.postEngagement)).toBe(false);
    }
  });
});

describe('protocol errors and limits', () => {
  let tess: Person;

  beforeAll(async () => {
    ({ tess } = await signUp(gatewayUrl, run, ['tess']));
  }, 120_000);

  const initialised = async () => {
    const client = track(await openRawWs(gatewayUrl));
    client.send({ type: 'connection_init', payload: { authorization: `Bearer ${tess.token}` } });
    await client.until('connection_ack', (c) => c.messages.some((m) => m.type === 'connection_ack'));
    return client;
  };
  const closedWith = async (client: RawWsClient) => {
    await client.until('the gateway to close the socket', (c) => c.closed !== undefined);
    return client.closed!.code;
  };

  it('closes with the graphql-ws close codes', async () => {
    const early = track(await openRawWs(gatewayUrl));
    early.send({ type: 'subscribe', id: '1', payload: { query: FEED } });
    expect(await closedWith(early)).toBe(4401);

    const forged = track(await openRawWs(gatewayUrl));
    forged.send({ type: 'connection_init', payload: { authorization: 'Bearer not.a.token' } });
    expect(await closedWith(forged)).toBe(4403);

    const garbled = await initialised();
    garbled.send('{"type":"no-such-message"}');
    expect(await closedWith(garbled)).toBe(4400);

    const twice = await initialised();
    twice.send({ type: 'connection_init', payload: { authorization: `Bearer ${tess.token}` } });
    expect(await closedWith(twice)).toBe(4429);

    const duplicate = await initialised();
    duplicate.send({ type: 'subscribe', id: 'same', payload: { query: FEED } });
    duplicate.send({ type: 'subscribe', id: 'same', payload: { query: FEED } });
    expect(await closedWith(duplicate)).toBe(4409);
  });

  it('refuses an invalid SSE token with 401 and an anonymous feed with UNAUTHENTICATED', async () => {
    const forged = track(subscribeSse<FeedData>({ url: gatewayUrl, token: 'not.a.token', query: FEED }));
    await forged.until('the refusal', (s) => s.ending !== undefined);
    expect(forged.ending).toMatchObject({ kind: 'errors', status: 401 });

    const anonymous = track(subscribeWs<FeedData>({ url: gatewayUrl, query: FEED }));
    await anonymous.until('the refusal', (s) => s.ending !== undefined);
    expect(anonymous.ending).toMatchObject({ kind: 'errors', errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses a subscription sent as a plain HTTP request with 400 BAD_REQUEST naming the live transports, not 500', async () => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: FEED }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    expect(response.status).toBe(400);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
    expect(body.errors?.[0]?.message).toMatch(/graphql-ws.*SSE/);
  });

  it('limits subscriptions per connection with TOO_MANY_SUBSCRIPTIONS, and keeps the connection', async () => {
    const client = await initialised();
    for (let i = 0; i < 51; i++) client.send({ type: 'subscribe', id: `s${i}`, payload: { query: FEED } });
    await client.until('an error for the 51st', (c) => c.messages.some((m) => m.type === 'error'));
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors.map((m) => m.id)).toEqual(['s50']);
    expect((errors[0]!.payload as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe(
      'TOO_MANY_SUBSCRIPTIONS',
    );
    expect(client.closed).toBeUndefined();
  });
});
