import { setTimeout as sleep } from 'node:timers/promises';

import { subscribeWs, type LiveSubscription } from '@verograph/e2e/liveClients';
import { LOCAL_JWT_SECRET, mintToken } from '@verograph/gateway';

import type { GatewayClient } from './gatewayClient.ts';

type FeedUpdate = { feedUpdated: { kind: string; postId: string; cursor: string } };
const FEED_UPDATED = 'subscription($after: String) { feedUpdated(after: $after) { kind postId cursor } }';

/** One feed update a viewer received, and through which connection (0 = the first). */
export interface ReceivedUpdate {
  readonly postId: string;
  readonly kind: string;
  readonly cursor: string;
  readonly connection: number;
  readonly at: number;
}

/** A subscription made again: when, from which cursor, to where, and how the one before ended. */
export interface Resume {
  readonly at: number;
  readonly after: string | null;
  readonly url: string;
  readonly previousEnding: string;
}

/**
 * A live feed subscriber that survives its gateway: when the connection ends (the gateway was
 * killed) or an event's delivery failed (`{ errors }`, no cursor: a subgraph was away), it
 * subscribes again with the last cursor it received, to the next gateway that
 * answers (round robin over `gatewayUrls`), as the client contract in gateway/src/live/README.md
 * says a client resumes. Every update of every connection is kept, so a test can assert that
 * nothing was missed and nothing came twice.
 */
export interface ResumingFeed {
  readonly received: readonly ReceivedUpdate[];
  /** How often it had to subscribe again, and the errors it met doing so. */
  readonly resumes: readonly Resume[];
  /** Events whose delivery failed (sent as `{ errors }`), each then resumed from the cursor before it. */
  failedDeliveries(): number;
  /** Resolves once the first subscription is live (its connection is acknowledged). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export async function resumingFeed(gatewayUrls: readonly string[], viewerId: string): Promise<ResumingFeed> {
  const token = await mintToken(process.env.JWT_SECRET ?? LOCAL_JWT_SECRET, viewerId);
  const received: ReceivedUpdate[] = [];
  const resumes: Resume[] = [];
  let previousEnding = '';
  let failedDeliveries = 0;
  let stopping = false;
  let current: LiveSubscription<FeedUpdate> | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const running = (async () => {
    for (let connection = 0; !stopping; connection++) {
      const after = received.at(-1)?.cursor ?? null;
      const url = gatewayUrls[connection % gatewayUrls.length]!;
      if (connection > 0) resumes.push({ at: Date.now(), after, url, previousEnding });
      const subscription = subscribeWs<FeedUpdate>({ url, token, query: FEED_UPDATED, variables: { after } });
      current = subscription;
      let seen = 0;
      // A subscription is live once the server has taken it; graphql-ws says nothing on success,
      // so the first one counts as live after a moment without an ending.
      await sleep(500);
      if (connection === 0 && subscription.ending === undefined) markReady();
      // An event whose delivery failed (a subgraph away) comes as `{ errors }` without a cursor:
      // the client resumes from the cursor before it, once, and reads nothing after it here.
      let failed: string | undefined;
      const take = () => {
        for (; failed === undefined && seen < subscription.results.length; seen++) {
          const result = subscription.results[seen]!;
          const update = result.data?.feedUpdated;
          if (update) received.push({ ...update, connection, at: result.at });
          else failed = JSON.stringify(result.errors?.map((e) => e.extensions?.code ?? e.message));
        }
      };
      while (!stopping && subscription.ending === undefined && failed === undefined) {
        take();
        await sleep(20);
      }
      take();
      if (failed !== undefined) failedDeliveries++;
      previousEnding = failed !== undefined ? `delivery failed ${failed}` : JSON.stringify(subscription.ending);
      await subscription.close().catch(() => undefined);
      if (!stopping) await sleep(failed !== undefined ? 500 : 200);
    }
  })();

  return {
    received,
    resumes,
    failedDeliveries: () => failedDeliveries,
    ready,
    async stop() {
      stopping = true;
      await current?.close().catch(() => undefined);
      await running;
    },
  };
}

/**
 * A client of several gateways, as a load balancer gives one: each request goes to the first
 * gateway, and to the next when a gateway cannot be reached (killed, restarting). A request
 * whose connection broke may have been executed: a mutation resent this way carries its
 * idempotency key, so the writer decides it once.
 */
export function failoverClient(clients: readonly GatewayClient[]): GatewayClient & { failovers(): number } {
  let preferred = 0;
  let failovers = 0;
  return {
    failovers: () => failovers,
    async request(query, variables) {
      for (let attempt = 0; ; attempt++) {
        const client = clients[preferred % clients.length]!;
        try {
          return await client.request(query, variables);
        } catch (error) {
          if (attempt >= 20) throw error;
          preferred++;
          failovers++;
          await sleep(100);
        }
      }
    },
  };
}
