/**
 * The realistic mix as a stream of actions that the system accepts: each love is of a post the
 * lover may see and has not loved yet, each unlove undoes a love that was applied, a follow is
 * new and an unfollow undoes one, a connection is accepted only once requested, a collection
 * is filled only once created. Pure: the random source and the id maker are passed in, and the
 * caller says how each action ended (`settle`), at once when commands are published straight
 * to Kafka (order per aggregate is Kafka's), or when the mutation answers through the gateway.
 */
import { follows, followerIndex, type GraphAuthor, type GraphLayout } from './graphLayout.ts';
import { pickIndex, pickWeighted, type MixWeights, type Random } from './mixSpec.ts';

export type MixAction =
  | { readonly kind: 'lovePost' | 'unlovePost'; readonly actor: string; readonly postId: string }
  | {
      readonly kind: 'commentOnPost';
      readonly actor: string;
      readonly postId: string;
      readonly commentId: string;
      readonly text: string;
    }
  | { readonly kind: 'createPost'; readonly actor: string; readonly postId: string }
  | { readonly kind: 'follow' | 'unfollow'; readonly actor: string; readonly target: string }
  /** requestConnection: actor asks target; acceptConnection: actor accepts target's request. */
  | { readonly kind: 'requestConnection' | 'acceptConnection'; readonly actor: string; readonly target: string }
  | { readonly kind: 'createCollection'; readonly actor: string; readonly collectionId: string }
  | {
      readonly kind: 'addToCollection' | 'removeFromCollection';
      readonly actor: string;
      readonly collectionId: string;
      readonly postId: string;
    };

export type MixActionKind = MixAction['kind'];

export interface MixPost {
  readonly postId: string;
  readonly author: GraphAuthor;
}

export interface MixPlanDeps {
  readonly layout: GraphLayout;
  readonly weights: MixWeights;
  /** Posts of this run that exist before the mix starts (created through the writers). */
  readonly posts: readonly MixPost[];
  /** Users of this run with profiles, followed and asked to connect by the graph's users. */
  readonly targets: readonly string[];
  readonly random: Random;
  readonly newId: () => string;
}

export interface MixPlan {
  next(): MixAction;
  /** How an action ended: APPLIED, ACCEPTED, REJECTED or an error; `createdId` is a created post or collection. */
  settle(action: MixAction, status: string, createdId?: string): void;
  /** How many distinct users have acted so far. */
  distinctActors(): number;
}

const pair = (a: string, b: string) => `${a}|${b}`;

/** Removes and returns a random element (order does not matter). */
function takeRandom<T>(items: T[], random: Random): T | undefined {
  if (items.length === 0) return undefined;
  const index = pickIndex(items.length, random);
  const [taken] = items.splice(index, 1, items[items.length - 1]!);
  items.pop();
  return taken;
}

export function createMixPlan(deps: MixPlanDeps): MixPlan {
  const { layout, random, newId } = deps;
  const seeded = [...deps.posts];
  const posts = [...deps.posts];
  const postAuthor = new Map(posts.map((p) => [p.postId, p.author]));
  const reserved = new Set<string>();
  const unlovable: { actor: string; postId: string }[] = [];
  const unfollowable: { actor: string; target: string }[] = [];
  const pending: { actor: string; target: string }[] = [];
  const collections: { owner: number; collectionId: string }[] = [];
  const items: { actor: string; collectionId: string; postId: string }[] = [];
  const actors = new Set<string>();
  const userIndex = new Map(layout.users.map((u, i) => [u, i]));
  const kinds = Object.entries(deps.weights) as [keyof MixWeights, number][];
  if (posts.length === 0) throw new Error('the mix needs at least one post to love and comment on');
  if (deps.targets.length === 0) throw new Error('the mix needs at least one target user to follow and connect with');

  /** A post and one of its author's followers (who may see it) that `accept` takes, or undefined. */
  const postAndFollower = (accept: (actor: string, postId: string) => boolean) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const post = posts[pickIndex(posts.length, random)]!;
      const actor = layout.users[followerIndex(layout, post.author, pickIndex(post.author.followers, random))]!;
      if (accept(actor, post.postId)) return { actor, postId: post.postId };
    }
    return undefined;
  };
  const randomUser = () => layout.users[pickIndex(layout.users.length, random)]!;
  const randomTarget = () => deps.targets[pickIndex(deps.targets.length, random)]!;

  const love = (): MixAction => {
    const undo = unlovable.length > 0 && random() < 0.2 ? takeRandom(unlovable, random) : undefined;
    if (undo) return { kind: 'unlovePost', ...undo };
    const fresh = postAndFollower((actor, postId) => !reserved.has(pair(actor, postId)));
    if (!fresh) return comment();
    reserved.add(pair(fresh.actor, fresh.postId));
    return { kind: 'lovePost', ...fresh };
  };
  const comment = (): MixAction => {
    const { actor, postId } = postAndFollower(() => true)!;
    return { kind: 'commentOnPost', actor, postId, commentId: newId(), text: 'a comment from the write benchmark' };
  };
  const post = (): MixAction => ({
    kind: 'createPost',
    actor: layout.authors[pickIndex(layout.authors.length, random)]!.id,
    postId: newId(),
  });
  const follow = (): MixAction => {
    const undo = unfollowable.length > 0 && random() < 1 / 3 ? takeRandom(unfollowable, random) : undefined;
    if (undo) return { kind: 'unfollow', ...undo };
    for (let attempt = 0; attempt < 20; attempt++) {
      const actor = randomUser();
      const target = randomTarget();
      if (reserved.has(pair('follow', pair(actor, target)))) continue;
      reserved.add(pair('follow', pair(actor, target)));
      return { kind: 'follow', actor, target };
    }
    return comment();
  };
  const requestConnection = (): MixAction => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const actor = randomUser();
      const target = randomTarget();
      if (reserved.has(pair('connect', pair(actor, target)))) continue;
      reserved.add(pair('connect', pair(actor, target)));
      return { kind: 'requestConnection', actor, target };
    }
    return comment();
  };
  const addToCollection = (): MixAction | undefined => {
    const collection = collections[pickIndex(collections.length, random)];
    if (!collection) return undefined;
    // Only posts made before the mix: one created meanwhile may not be decided yet when the
    // collections writer, on another topic, looks it up.
    for (let attempt = 0; attempt < 20; attempt++) {
      const candidate = seeded[pickIndex(seeded.length, random)]!;
      const key = pair(collection.collectionId, candidate.postId);
      if (!follows(layout, candidate.author, collection.owner) || reserved.has(key)) continue;
      reserved.add(key);
      const actor = layout.users[collection.owner]!;
      return { kind: 'addToCollection', actor, collectionId: collection.collectionId, postId: candidate.postId };
    }
    return undefined;
  };
  const social = (): MixAction => {
    const choice = pickWeighted<string>(
      [
        ['request', 2],
        ['accept', pending.length > 0 ? 2 : 0],
        ['create', 2],
        ['add', collections.length > 0 ? 3 : 0],
        ['remove', items.length > 0 ? 1 : 0],
      ],
      random,
    );
    if (choice === 'accept') {
      const request = takeRandom(pending, random)!;
      return { kind: 'acceptConnection', actor: request.target, target: request.actor };
    }
    if (choice === 'add') return addToCollection() ?? requestConnection();
    if (choice === 'remove') return { kind: 'removeFromCollection', ...takeRandom(items, random)! };
    if (choice === 'create') return { kind: 'createCollection', actor: randomUser(), collectionId: newId() };
    return requestConnection();
  };
  const makers: Record<keyof MixWeights, () => MixAction> = { love, comment, post, follow, social };

  return {
    next() {
      const action = makers[pickWeighted(kinds, random)]();
      actors.add(action.actor);
      return action;
    },
    settle(action, status, createdId) {
      const applied = status === 'APPLIED';
      switch (action.kind) {
        case 'lovePost':
          if (applied) unlovable.push({ actor: action.actor, postId: action.postId });
          // Free the pair only when the love surely was not published: after a timeout it may still apply.
          else if (status.startsWith('REJECTED') || status.startsWith('error')) {
            reserved.delete(pair(action.actor, action.postId));
          }
          return;
        case 'createPost': {
          const author = layout.authors.find((a) => a.id === action.actor)!;
          const postId = createdId ?? action.postId;
          if (applied && !postAuthor.has(postId)) {
            postAuthor.set(postId, author);
            posts.push({ postId, author });
          }
          return;
        }
        case 'follow':
          if (applied) unfollowable.push({ actor: action.actor, target: action.target });
          return;
        case 'requestConnection':
          if (applied) pending.push({ actor: action.actor, target: action.target });
          return;
        case 'createCollection':
          if (applied) {
            collections.push({ owner: userIndex.get(action.actor)!, collectionId: createdId ?? action.collectionId });
          }
          return;
        case 'addToCollection':
          if (applied) items.push({ actor: action.actor, collectionId: action.collectionId, postId: action.postId });
          return;
        case 'unlovePost':
        case 'commentOnPost':
        case 'unfollow':
        case 'acceptConnection':
        case 'removeFromCollection':
          return;
        default: {
          const never: never = action;
          throw new Error(`unknown action ${JSON.stringify(never)}`);
        }
      }
    },
    distinctActors: () => actors.size,
  };
}
