/**
 * The soak's offered load: a small community's busy hour, steady, through the gateway as apps
 * use it. Authors post; their followers read their feed, open posts and profiles, search, love
 * and comment; every follower holds a feedUpdated stream and every author a
 * notificationReceived stream. Each request's latency and every error (by kind) go to a
 * `MinuteTally` that the soak reads and resets once a minute.
 */
import { performance } from 'node:perf_hooks';

import { subscribeWs, type LiveSubscription } from '@verograph/e2e/liveClients';

import type { GatewayClient, GraphQLAnswer } from '../gatewayClient.ts';
import { percentile, sleep } from '../stats.ts';

export interface SoakRates {
  readonly writesPerSecond: number;
  readonly readsPerSecond: number;
  /** Followers, each with a live feed; a quarter as many authors, each with a live notification stream. */
  readonly subscribers: number;
}

/** Latencies and errors since the last `take()`. */
export interface MinuteTally {
  read(ms: number): void;
  write(ms: number): void;
  error(kind: string): void;
  /** A request sent again after a retryable error, by the kind of that error. */
  retry(kind: string): void;
  live(): void;
  take(): {
    readP99Ms: number;
    writeP99Ms: number;
    reads: number;
    writes: number;
    liveUpdates: number;
    errors: Record<string, number>;
    retries: Record<string, number>;
  };
}

export function createMinuteTally(): MinuteTally {
  let reads: number[] = [];
  let writes: number[] = [];
  let live = 0;
  let errors: Record<string, number> = {};
  let retries: Record<string, number> = {};
  const p99 = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      99,
    );
  return {
    read: (ms) => reads.push(ms),
    write: (ms) => writes.push(ms),
    error: (kind) => (errors[kind] = (errors[kind] ?? 0) + 1),
    retry: (kind) => (retries[kind] = (retries[kind] ?? 0) + 1),
    live: () => live++,
    take() {
      const figures = {
        readP99Ms: p99(reads),
        writeP99Ms: p99(writes),
        reads: reads.length,
        writes: writes.length,
        liveUpdates: live,
        errors,
        retries,
      };
      reads = [];
      writes = [];
      live = 0;
      errors = {};
      retries = {};
      return figures;
    },
  };
}

/** The errors of an answer as one kind: `what: CODE,CODE`. */
export function errorKind(what: string, errors: GraphQLAnswer<unknown>['errors'] | string): string {
  if (typeof errors === 'string') return `${what}: ${errors.slice(0, 80)}`;
  const one = (e: NonNullable<typeof errors>[number]) => {
    const x = e.extensions as { code?: string; subgraph?: string; reason?: string } | undefined;
    const where = [x?.subgraph, x?.reason].filter(Boolean).join(' ');
    return `${x?.code ?? e.message.slice(0, 60)}${where ? ` (${where})` : ''}`;
  };
  return `${what}: ${[...new Set((errors ?? []).map(one))].join(',')}`;
}

/** Retries of a request whose errors are all retryable, after the first attempt. */
const RETRIES = 2;

const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { commandId status reason { code } post { id } } }`;
const LOVE = `mutation($p: ID!, $m: String) { lovePost(postId: $p, clientMutationId: $m) { commandId status reason { code } } }`;
const COMMENT = `mutation($p: ID!, $t: String!, $m: String) { commentOnPost(postId: $p, text: $t, clientMutationId: $m) { commandId status reason { code } } }`;
const FEED = 'query { feed(first: 10) { edges { node { id caption loveCount author { displayName } } } } }';
const POST =
  'query($id: ID!) { post(id: $id) { id caption loveCount commentCount comments(first: 5) { edges { node { id text } } } author { id } } }';
const PROFILE = 'query($id: ID!) { user(id: $id) { id displayName followerCount } }';
const SEARCH =
  'query($q: String!) { search(query: $q, first: 5) { edges { node { __typename ... on Post { id caption } } } } }';
const FEED_UPDATED = 'subscription { feedUpdated { kind postId post { id caption } } }';
const NOTIFICATION_RECEIVED = 'subscription { notificationReceived { id kind actor { id } post { id } } }';

type Payload = { commandId: string; status: string; reason: { code: string } | null; post?: { id: string } | null };

/** Who takes part: authors, and followers that each follow one author (follower i → author i mod authors). */
export interface SoakCast {
  readonly run: string;
  readonly authors: readonly string[];
  readonly followers: readonly string[];
}

export interface RunningLoad {
  /** Command ids of every mutation answered with a payload: what the writers must decide once. */
  readonly commandIds: ReadonlySet<string>;
  /** Mutations answered ACCEPTED (the writer had not decided within the mutation's wait): slow, not wrong. */
  accepted(): number;
  /** Stops sending, waits for the requests in flight, closes the live streams. */
  stop(): Promise<void>;
}

/** Runs `step` about `perSecond` times a second until `stopped()`, never more than `concurrency` at once. */
async function paced(perSecond: number, stopped: () => boolean, concurrency: number, step: () => Promise<void>) {
  const everyMs = 1_000 / perSecond;
  let next = performance.now();
  const inFlight = new Set<Promise<void>>();
  while (!stopped()) {
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    const running = step().finally(() => inFlight.delete(running));
    inFlight.add(running);
    // A tick missed while the system was slow is dropped, not caught up with a burst: the
    // offered rate stays steady (catching up doubled a minute's mutations after a slow one).
    next = Math.max(next + everyMs, performance.now());
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(inFlight);
}

export async function startSoakLoad(
  client: GatewayClient,
  gatewayUrl: string,
  cast: SoakCast,
  rates: SoakRates,
  tally: MinuteTally,
): Promise<RunningLoad> {
  const commandIds = new Set<string>();
  let accepted = 0;
  let stopping = false;
  // Each author's posts the soak knows of, newest last (a bounded window: the soak must not grow itself).
  const postsBy = new Map(cast.authors.map((a) => [a, [] as string[]]));
  const authorOf = (i: number) => cast.authors[i % cast.authors.length]!;

  /**
   * Sends as an app following the API's contract does: an answer whose every error says
   * `retryable` (a subgraph timed out, a store did not answer) is sent again, the same request
   * (a mutation keeps its clientMutationId, so it stays one command), after 1 s and then 2 s.
   * Each retry is tallied by kind, and an error counts once the retries are spent.
   */
  const send = async <T>(what: string, user: string, text: string, variables: Record<string, unknown>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const { answer, ms } = await client.request<T>(user, text, variables);
        const errors = answer.errors ?? [];
        const retryable =
          errors.length > 0 &&
          errors.every((e) => (e.extensions as { retryable?: unknown } | undefined)?.retryable === true);
        if (retryable && attempt < RETRIES + 1 && !stopping) {
          tally.retry(errorKind(what, errors));
          await sleep(attempt * 1_000);
          continue;
        }
        if (errors.length > 0) tally.error(errorKind(what, errors));
        return { answer, ms };
      } catch (error) {
        tally.error(errorKind(what, String(error)));
        return undefined;
      }
    }
  };
  const mutate = async (what: string, user: string, text: string, variables: Record<string, unknown>) => {
    const sent = await send<Record<string, Payload>>(what, user, text, variables);
    if (!sent) return undefined;
    tally.write(sent.ms);
    const payload = sent.answer.data ? Object.values(sent.answer.data)[0] : undefined;
    if (!payload) return undefined;
    commandIds.add(payload.commandId);
    if (payload.status === 'ACCEPTED') accepted++;
    else if (payload.status !== 'APPLIED') tally.error(`${what}: ${payload.status} ${payload.reason?.code ?? ''}`);
    return payload;
  };
  const query = async (what: string, user: string, text: string, variables: Record<string, unknown> = {}) => {
    const sent = await send(what, user, text, variables);
    if (sent) tally.read(sent.ms);
  };

  const streams: Array<LiveSubscription<unknown>> = [];
  const watches: NodeJS.Timeout[] = [];
  const open = (user: string, token: string, text: string, name: string) => {
    const s = subscribeWs<unknown>({ url: gatewayUrl, token, query: text });
    streams.push(s);
    let counted = 0;
    const watch = setInterval(() => {
      for (const r of s.results.slice(counted)) {
        if (r.errors?.length) tally.error(errorKind(`live ${name}`, r.errors as GraphQLAnswer<unknown>['errors']));
        else tally.live();
      }
      counted = s.results.length;
      // Nothing ends a stream during the soak but a failure: count it, and open a new one.
      if (s.ending !== undefined && !stopping) {
        clearInterval(watch);
        tally.error(`live ${name} ended: ${JSON.stringify(s.ending).slice(0, 100)}`);
        open(user, token, text, name);
      }
    }, 1_000);
    watches.push(watch);
  };
  for (const user of cast.followers) open(user, await client.tokenFor(user), FEED_UPDATED, 'feedUpdated');
  for (const user of cast.authors) {
    open(user, await client.tokenFor(user), NOTIFICATION_RECEIVED, 'notificationReceived');
  }

  // Writes: half new posts, a quarter loves, a quarter comments, by followers on a recent post of
  // the author they follow (each love a first one: a follower loves each post at most once).
  let w = 0;
  const loved = new Set<string>();
  const writing = paced(
    rates.writesPerSecond,
    () => stopping,
    8,
    async () => {
      const n = w++;
      if (n % 2 === 0) {
        const author = authorOf(n / 2);
        const input = { kind: 'TEXT', audience: 'FOLLOWERS', caption: `soak ${cast.run} ${n}`, tags: ['soak'] };
        const payload = await mutate('createPost', author, CREATE_POST, {
          input: { ...input, clientMutationId: `soak-${n}` },
        });
        const posts = postsBy.get(author)!;
        if (payload?.post) posts.push(payload.post.id);
        if (posts.length > 20) posts.shift();
        return;
      }
      const follower = cast.followers[Math.floor(n / 2) % cast.followers.length]!;
      const posts = postsBy.get(authorOf(cast.followers.indexOf(follower)))!;
      const post = [...posts].reverse().find((p) => n % 4 === 3 || !loved.has(`${follower} ${p}`));
      if (post === undefined) return;
      if (n % 4 === 1) {
        loved.add(`${follower} ${post}`);
        await mutate('lovePost', follower, LOVE, { p: post, m: `soak-${n}` });
      } else {
        await mutate('commentOnPost', follower, COMMENT, { p: post, t: `soak comment ${n}`, m: `soak-${n}` });
      }
    },
  );

  // Reads: 40% home feed, 30% a post with its comments, 20% a profile, 10% search.
  let r = 0;
  const reading = paced(
    rates.readsPerSecond,
    () => stopping,
    16,
    async () => {
      const n = r++;
      const follower = cast.followers[n % cast.followers.length]!;
      const author = authorOf(cast.followers.indexOf(follower));
      const post = postsBy.get(author)!.at(-1 - (n % 3));
      const kind = n % 10;
      if (kind < 4 || (kind < 7 && post === undefined)) await query('feed', follower, FEED);
      else if (kind < 7) await query('post', follower, POST, { id: post });
      else if (kind < 9) await query('user', follower, PROFILE, { id: author });
      else await query('search', follower, SEARCH, { q: `soak ${cast.run}` });
    },
  );

  return {
    commandIds,
    accepted: () => accepted,
    async stop() {
      stopping = true;
      await Promise.all([writing, reading]);
      for (const watch of watches) clearInterval(watch);
      await Promise.all(streams.map((s) => s.close().catch(() => undefined)));
    },
  };
}
