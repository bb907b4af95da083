/**
 * The mix's actions as the GraphQL mutations a client sends, each by its own user with that
 * user's token; the answer settles the plan (an APPLIED follow may be undone later, a created
 * post may be loved).
 */
import type { GatewayClient } from '../gatewayClient.ts';
import { answerKind } from '../openLoop.ts';
import type { MixAction, MixPlan } from './mixPlan.ts';

const STATUS = 'status reason { code }';

const documents: Record<MixAction['kind'], string> = {
  lovePost: `mutation($p: ID!) { lovePost(postId: $p) { ${STATUS} } }`,
  unlovePost: `mutation($p: ID!) { unlovePost(postId: $p) { ${STATUS} } }`,
  commentOnPost: `mutation($p: ID!, $t: String!) { commentOnPost(postId: $p, text: $t) { ${STATUS} } }`,
  createPost: `mutation($i: CreatePostInput!) { createPost(input: $i) { ${STATUS} post { id } } }`,
  follow: `mutation($u: ID!) { follow(userId: $u) { ${STATUS} } }`,
  unfollow: `mutation($u: ID!) { unfollow(userId: $u) { ${STATUS} } }`,
  requestConnection: `mutation($u: ID!) { requestConnection(userId: $u, level: FRIEND) { ${STATUS} } }`,
  acceptConnection: `mutation($u: ID!) { acceptConnection(userId: $u, level: FRIEND) { ${STATUS} } }`,
  createCollection: `mutation($i: CreateCollectionInput!) { createCollection(input: $i) { ${STATUS} collection { id } } }`,
  addToCollection: `mutation($c: ID!, $p: ID!) { addToCollection(collectionId: $c, postId: $p) { ${STATUS} } }`,
  removeFromCollection: `mutation($c: ID!, $p: ID!) { removeFromCollection(collectionId: $c, postId: $p) { ${STATUS} } }`,
};

function variablesOf(action: MixAction): Record<string, unknown> {
  switch (action.kind) {
    case 'lovePost':
    case 'unlovePost':
      return { p: action.postId };
    case 'commentOnPost':
      return { p: action.postId, t: action.text };
    case 'createPost':
      return {
        i: { kind: 'TEXT', audience: 'FOLLOWERS', caption: 'a post from the write benchmark', tags: ['bench'] },
      };
    case 'follow':
    case 'unfollow':
    case 'requestConnection':
    case 'acceptConnection':
      return { u: action.target };
    case 'createCollection':
      return { i: { title: 'Bench collection' } };
    case 'addToCollection':
    case 'removeFromCollection':
      return { c: action.collectionId, p: action.postId };
    default: {
      const never: never = action;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** What a created post or collection is called, from the payload. */
function createdIdOf(data: unknown): string | undefined {
  const payload = (data ? Object.values(data)[0] : undefined) as
    { post?: { id?: string } | null; collection?: { id?: string } | null } | undefined;
  return payload?.post?.id ?? payload?.collection?.id ?? undefined;
}

/**
 * Sends the plan's next action as its user; resolves to the answer's kind once the plan is
 * settled. Each actor goes into `actors`.
 */
export function mixSender(
  client: GatewayClient,
  plan: MixPlan,
  actors = new Set<string>(),
): (index: number) => Promise<string> {
  return async () => {
    const action = plan.next();
    actors.add(action.actor);
    try {
      const { answer, httpStatus } = await client.request(action.actor, documents[action.kind], variablesOf(action));
      const kind = answerKind(answer, httpStatus);
      plan.settle(action, kind, createdIdOf(answer.data));
      return kind;
    } catch (error) {
      plan.settle(action, 'failed');
      throw error;
    }
  };
}
