import type { LiveCursor, LiveStream } from './cursor.ts';
import type { LiveRecord } from './replayWindow.ts';

/** Why the hub stopped a subscription on its own. */
export type DropReason = 'SLOW_CONSUMER';

/** What a transport gives the hub for one subscription. */
export interface SubscriptionSink<T> {
  /**
   * Resolves and sends one record; the hub waits for it before the next, so order holds.
   * False when the record was not for this client after all (e.g. a post it may not see).
   */
  deliver(record: LiveRecord<T>): Promise<boolean>;
  /** Bytes the connection has not sent yet (WebSocket bufferedAmount, SSE writableLength). */
  unsentBytes(): number;
  /** Ends the subscription (and its connection) because the client is too far behind. */
  drop(reason: DropReason): void;
}

const BUSY = 1;
const CLOSED = 2;

/**
 * One client subscription: compact (it is most of what an idle subscriber costs beyond its
 * socket), no timers, no closures of its own beyond its sink. Made by `LiveHub.subscription`.
 */
export class LiveSubscription<T> {
  /** The last record queued for it (partition, offset): nothing at or before it is queued again. */
  lastPartition: number;
  lastOffset: number;
  /** Records waiting for delivery; only while some wait. */
  pending: LiveRecord<T>[] | undefined = undefined;
  /** Extra room for a resume's replay on top of the live buffer. */
  allowance = 0;
  /** BUSY (a delivery is running) and CLOSED bits: one small integer rather than two fields. */
  flags = 0;
  constructor(
    readonly stream: LiveStream,
    /** The record key it follows: the viewer (feed) or the post (engagement). */
    readonly key: string,
    readonly viewerId: string | undefined,
    readonly sink: SubscriptionSink<T>,
    /** The resume cursor, if any: backlog records after it are delivered. */
    readonly after: LiveCursor | undefined,
    /**
     * When it was made, in milliseconds after its hub's start: a backlog record at least this
     * new is news to it. Relative, so it stays a small integer in the object, not a boxed double.
     */
    readonly sinceHubStart: number,
  ) {
    // A resume never delivers what the client already has, even from a later instance's backlog.
    this.lastPartition = after?.partition ?? -1;
    this.lastOffset = after?.offset ?? -1;
  }

  /** Removed from its hub (by the client, or dropped): nothing more is delivered. */
  get closed(): boolean {
    return (this.flags & CLOSED) !== 0;
  }
}

export type AddOutcome =
  { readonly ok: true } | { readonly ok: false; readonly code: 'TOO_MANY_SUBSCRIPTIONS'; readonly message: string };

export interface HubObserver {
  delivered(stream: LiveStream, latencyMs: number): void;
  dropped(stream: LiveStream, reason: DropReason): void;
  failed(stream: LiveStream, error: unknown): void;
}

export interface LiveHub<T> {
  /** A subscription to register; `since` defaults to now. */
  subscription(init: {
    stream: LiveStream;
    key: string;
    viewerId: string | undefined;
    sink: SubscriptionSink<T>;
    after?: LiveCursor | undefined;
  }): LiveSubscription<T>;
  /** Registers it (within the per-viewer limit) and queues the records it missed, in order. */
  add(subscription: LiveSubscription<T>, replay?: readonly LiveRecord<T>[]): AddOutcome;
  remove(subscription: LiveSubscription<T>): void;
  /**
   * Fans a record out to the subscriptions that follow its key. `backlog` records (read while
   * catching up, older than the consumer's start) only go to subscriptions they are news to.
   */
  publish(stream: LiveStream, record: LiveRecord<T>, backlog: boolean): void;
  readonly subscriptions: number;
}

/**
 * The fan-out: one Map<key, Set<subscription>> per stream, fed by one shared consumer. Each
 * subscription has a bounded queue drained by one delivery at a time (order, no overlap);
 * a subscription whose queue or connection backlog passes its bound is dropped, so memory
 * never grows with a slow client.
 */
export function createLiveHub<T>(options: {
  readonly maxSubscriptionsPerViewer: number;
  readonly maxBufferedEvents: number;
  readonly maxBufferedBytes: number;
  /** Producer clocks may be behind ours: backlog this much older than a subscription still counts as news. */
  readonly clockSkewMs?: number;
  readonly observer?: HubObserver;
  readonly now?: () => number;
}): LiveHub<T> {
  const { maxSubscriptionsPerViewer, maxBufferedEvents, maxBufferedBytes } = options;
  const skew = options.clockSkewMs ?? 2_000;
  const now = options.now ?? Date.now;
  const observer = options.observer;
  const startedAt = now();
  // Most keys have one subscription (a viewer's feed): it is stored bare, a Set only from the second on.
  type Entry = LiveSubscription<T> | Set<LiveSubscription<T>>;
  const byKey: Record<LiveStream, Map<string, Entry>> = {
    feed: new Map(),
    engagement: new Map(),
    notification: new Map(),
  };
  const perViewer = new Map<string, number>();
  let count = 0;

  const drop = (subscription: LiveSubscription<T>, reason: DropReason): void => {
    if (subscription.closed) return;
    remove(subscription);
    observer?.dropped(subscription.stream, reason);
    subscription.sink.drop(reason);
  };

  const pump = async (subscription: LiveSubscription<T>): Promise<void> => {
    subscription.flags |= BUSY;
    try {
      for (;;) {
        const next = subscription.pending?.shift();
        if (next === undefined || subscription.closed) break;
        if (subscription.allowance > 0) subscription.allowance -= 1;
        try {
          if (await subscription.sink.deliver(next)) observer?.delivered(subscription.stream, now() - next.timestamp);
        } catch (error) {
          observer?.failed(subscription.stream, error);
        }
        if (subscription.sink.unsentBytes() > maxBufferedBytes) drop(subscription, 'SLOW_CONSUMER');
      }
    } finally {
      subscription.flags &= ~BUSY;
      if (subscription.pending?.length === 0) subscription.pending = undefined;
    }
  };

  const enqueue = (subscription: LiveSubscription<T>, record: LiveRecord<T>): void => {
    if (record.partition === subscription.lastPartition && record.offset <= subscription.lastOffset) return;
    subscription.lastPartition = record.partition;
    subscription.lastOffset = record.offset;
    const pending = (subscription.pending ??= []);
    if (pending.length >= maxBufferedEvents + subscription.allowance) {
      drop(subscription, 'SLOW_CONSUMER');
      return;
    }
    pending.push(record);
    if ((subscription.flags & BUSY) === 0) void pump(subscription);
  };

  function remove(subscription: LiveSubscription<T>): void {
    if (subscription.closed) return;
    subscription.flags |= CLOSED;
    subscription.pending = undefined;
    const streamMap = byKey[subscription.stream];
    const entry = streamMap.get(subscription.key);
    let removed = false;
    if (entry === subscription) {
      streamMap.delete(subscription.key);
      removed = true;
    } else if (entry instanceof Set && entry.delete(subscription)) {
      removed = true;
      if (entry.size === 1) streamMap.set(subscription.key, entry.values().next().value!);
    }
    if (removed) {
      count -= 1;
      if (subscription.viewerId !== undefined) {
        const left = (perViewer.get(subscription.viewerId) ?? 1) - 1;
        if (left <= 0) perViewer.delete(subscription.viewerId);
        else perViewer.set(subscription.viewerId, left);
      }
    }
  }

  return {
    subscription: ({ stream, key, viewerId, sink, after }) =>
      new LiveSubscription(stream, key, viewerId, sink, after, now() - startedAt),
    add(subscription, replay = []) {
      if (subscription.viewerId !== undefined) {
        const held = perViewer.get(subscription.viewerId) ?? 0;
        if (held >= maxSubscriptionsPerViewer) {
          return {
            ok: false,
            code: 'TOO_MANY_SUBSCRIPTIONS',
            message: `This viewer already has ${held} live subscriptions on this gateway; the limit is ${maxSubscriptionsPerViewer}. Close one first.`,
          };
        }
        perViewer.set(subscription.viewerId, held + 1);
      }
      const streamMap = byKey[subscription.stream];
      const entry = streamMap.get(subscription.key);
      if (entry === undefined) streamMap.set(subscription.key, subscription);
      else if (entry instanceof Set) entry.add(subscription);
      else streamMap.set(subscription.key, new Set([entry, subscription]));
      count += 1;
      subscription.allowance = replay.length;
      for (const record of replay) enqueue(subscription, record);
      return { ok: true };
    },
    remove,
    publish(stream, record, backlog) {
      const entry = byKey[stream].get(record.key);
      if (entry === undefined) return;
      for (const subscription of entry instanceof Set ? entry : [entry]) {
        if (backlog) {
          const { after } = subscription;
          const resumed = after !== undefined && after.partition === record.partition && record.offset > after.offset;
          if (!resumed && record.timestamp < startedAt + subscription.sinceHubStart - skew) continue;
        }
        enqueue(subscription, record);
      }
    },
    get subscriptions() {
      return count;
    },
  };
}
