/**
 * Item 4 of `npm run bench -- write`: from a createPost mutation sent to the gateway to the new
 * post at the top of a follower's feed (read through the same gateway), beside the same
 * mutations' own time to APPLIED: what the feed projector adds on top of the write.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { envReader } from '@verograph/service';
import { commandIdFor, createdIdFor, readIdDerivationSecret } from '@verograph/subgraph-kit';

import type { GatewayClient } from './gatewayClient.ts';
import { payloadStatus } from './gatewayClient.ts';
import { sleep, summarize, type LatencySummary } from './stats.ts';

const CREATE_POST = 'mutation($i: CreatePostInput!) { createPost(input: $i) { status commandId post { id } } }';
const FEED = '{ feed(first: 1) { edges { node { id } } } }';

export interface FeedLatencyFigures {
  readonly visible: LatencySummary;
  /** The same mutations' round trips (APPLIED, or ACCEPTED after MUTATION_WAIT_MS). */
  readonly applied: LatencySummary;
  /** Posts that were not in the follower's feed within the timeout. */
  readonly missing: number;
  /** How the createPost mutations came back (APPLIED, ACCEPTED, …). */
  readonly statuses: Readonly<Record<string, number>>;
  /** How many feed reads it took, per post: the resolution of the figure is one read. */
  readonly readsPerPost: number;
}

type CreatePostAnswer = { createPost: { status: string; commandId: string; post: { id: string } | null } };
type FeedAnswer = { feed: { edges: { node: { id: string } }[] } };

/**
 * One post at a time: the post's id is known before the mutation answers (it derives from the
 * command id, which derives from the clientMutationId sent), so the follower's feed is read
 * back to back from the moment the mutation leaves, not only after it answers.
 */
export async function measureFeedLatency(
  client: GatewayClient,
  authorId: string,
  followerId: string,
  posts: number,
  timeoutMs = 10_000,
): Promise<FeedLatencyFigures> {
  await client.tokenFor(authorId);
  await client.tokenFor(followerId);
  const visible: number[] = [];
  const applied: number[] = [];
  const statuses: Record<string, number> = {};
  let missing = 0;
  let reads = 0;
  for (let i = 0; i < posts; i++) {
    const clientMutationId = randomUUID();
    const commandId = commandIdFor({
      // The services' secret (productionEnv sets it for them and for this process).
      secret: readIdDerivationSecret(envReader()),
      viewerId: authorId,
      mutation: 'createPost',
      idempotencyKey: clientMutationId,
    });
    const postId = createdIdFor(commandId, 'post');
    const started = performance.now();
    const mutation = client.request<CreatePostAnswer>(authorId, CREATE_POST, {
      i: { kind: 'TEXT', audience: 'FOLLOWERS', caption: `feed latency ${i}`, clientMutationId },
    });
    let seenAfter: number | undefined;
    while (seenAfter === undefined && performance.now() - started < timeoutMs) {
      const { answer } = await client.request<FeedAnswer>(followerId, FEED);
      reads++;
      if (answer.data?.feed.edges[0]?.node.id === postId) seenAfter = performance.now() - started;
    }
    const { answer, ms } = await mutation;
    const status = payloadStatus(answer);
    statuses[status] = (statuses[status] ?? 0) + 1;
    // The id computed here must be the one the posts subgraph made, or every figure is wrong.
    if (status === 'APPLIED' && answer.data?.createPost.post?.id !== postId) {
      throw new Error(`createPost made a post other than ${postId}: ${JSON.stringify(answer)}`);
    }
    applied.push(ms);
    if (seenAfter === undefined) missing++;
    else visible.push(seenAfter);
    // A pause, so one post's projection does not overlap the next one's mutation.
    await sleep(20);
  }
  return { visible: summarize(visible), applied: summarize(applied), missing, statuses, readsPerPost: reads / posts };
}
