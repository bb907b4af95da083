import { describe, expect, it } from 'vitest';

import { follows, graphLayout } from './graphLayout.ts';
import { createMixPlan, type MixAction, type MixPost } from './mixPlan.ts';
import {
  defaultAuthorTiers,
  defaultMix,
  parseAuthorTiers,
  parseMix,
  seededRandom,
  type MixWeights,
} from './mixSpec.ts';

const layout = graphLayout(defaultAuthorTiers, 1000);

function planFor(weights: MixWeights = defaultMix, seed = 7) {
  let sequence = 0;
  const posts: MixPost[] = Array.from({ length: 500 }, (_, i) => ({
    postId: `post-${i}`,
    author: layout.authors[i % layout.authors.length]!,
  }));
  return createMixPlan({
    layout,
    weights,
    posts,
    targets: Array.from({ length: 50 }, (_, i) => `target-${i}`),
    random: seededRandom(seed),
    newId: () => `id-${sequence++}`,
  });
}

/** Runs `count` actions, each settled as `status(action)` says, the way item 1 settles them (at once). */
function drive(plan: ReturnType<typeof planFor>, count: number, status = (_: MixAction) => 'APPLIED') {
  const actions: MixAction[] = [];
  for (let i = 0; i < count; i++) {
    const action = plan.next();
    plan.settle(action, status(action));
    actions.push(action);
  }
  return actions;
}

describe('the graph layout', () => {
  it('gives each author exactly its followers, from as many users as the biggest tier needs', () => {
    expect(layout.users).toHaveLength(10_000);
    expect(layout.authors).toHaveLength(125);
    expect(layout.follows).toBe(17_000);
    for (const author of layout.authors.filter((_, i) => i % 10 === 0)) {
      const followers = layout.users.filter((_, u) => follows(layout, author, u));
      expect(followers).toHaveLength(author.followers);
    }
  });

  it('is the same in every run for the same tiers, and another for other tiers', () => {
    expect(graphLayout(defaultAuthorTiers, 1000).name).toBe(layout.name);
    expect(graphLayout(parseAuthorTiers('10:5'), 1000).name).not.toBe(layout.name);
  });
});

describe('the mix plan', () => {
  it('keeps to the weights, within a few points over 20,000 actions', () => {
    const actions = drive(planFor(), 20_000);
    const share = (...kinds: MixAction['kind'][]) => actions.filter((a) => kinds.includes(a.kind)).length / 200;
    expect(share('lovePost', 'unlovePost')).toBeGreaterThan(52);
    expect(share('lovePost', 'unlovePost')).toBeLessThan(58);
    expect(share('commentOnPost')).toBeGreaterThan(18);
    expect(share('createPost')).toBeCloseTo(10, 0);
    expect(share('follow', 'unfollow')).toBeCloseTo(10, 0);
    expect(share('requestConnection', 'acceptConnection', 'createCollection', 'addToCollection')).toBeGreaterThan(3);
  });

  it('comes from at least 1,000 distinct users within 5,000 actions', () => {
    const plan = planFor();
    drive(plan, 5000);
    expect(plan.distinctActors()).toBeGreaterThanOrEqual(1000);
  });

  it('loves only posts the lover may see (they follow the author), never twice without an unlove between', () => {
    const loved = new Set<string>();
    const userIndex = new Map(layout.users.map((u, i) => [u, i]));
    const authors = new Map<string, string>();
    for (const action of drive(planFor(), 20_000)) {
      if (action.kind === 'createPost') authors.set(action.postId, action.actor);
      if (action.kind !== 'lovePost' && action.kind !== 'unlovePost') continue;
      const key = `${action.actor}|${action.postId}`;
      if (action.kind === 'lovePost') {
        // Seeded posts tell their author by their index; created ones are by the createPost's actor.
        const author = action.postId.startsWith('post-')
          ? layout.authors[Number(action.postId.slice(5)) % layout.authors.length]!
          : layout.authors.find((a) => a.id === authors.get(action.postId))!;
        expect(follows(layout, author, userIndex.get(action.actor)!)).toBe(true);
        expect(loved.has(key)).toBe(false);
        loved.add(key);
      } else {
        expect(loved.delete(key)).toBe(true);
      }
    }
  });

  it('undoes and builds on only what was applied: unfollow, accept, add and remove follow their cause', () => {
    const applied = new Set<string>();
    const seen = (kind: string, ...parts: string[]) => applied.has([kind, ...parts].join('|'));
    let settledOk = 0;
    // Through the gateway some answers are errors: those leave nothing to undo.
    const status = (a: MixAction) => (a.actor.endsWith('7') ? 'error OVERLOADED' : 'APPLIED');
    for (const action of drive(planFor(defaultMix, 11), 20_000, status)) {
      const ok = status(action) === 'APPLIED';
      switch (action.kind) {
        case 'unfollow':
          expect(seen('follow', action.actor, action.target)).toBe(true);
          break;
        case 'acceptConnection':
          expect(seen('requestConnection', action.target, action.actor)).toBe(true);
          break;
        case 'addToCollection':
          expect(seen('createCollection', action.actor, action.collectionId)).toBe(true);
          break;
        case 'removeFromCollection':
          expect(seen('addToCollection', action.actor, action.collectionId, action.postId)).toBe(true);
          break;
        default:
          break;
      }
      if (!ok) continue;
      settledOk++;
      if (action.kind === 'follow' || action.kind === 'requestConnection') {
        applied.add([action.kind, action.actor, action.target].join('|'));
      } else if (action.kind === 'createCollection') {
        applied.add([action.kind, action.actor, action.collectionId].join('|'));
      } else if (action.kind === 'addToCollection') {
        applied.add([action.kind, action.actor, action.collectionId, action.postId].join('|'));
      }
    }
    expect(settledOk).toBeGreaterThan(15_000);
  });

  it('loves posts created during the mix once their createPost was applied, by the id the answer gave', () => {
    const plan = planFor(parseMix('love:50,post:50'), 3);
    const created = new Set<string>();
    let lovedCreated = 0;
    for (let i = 0; i < 4000; i++) {
      const action = plan.next();
      if (action.kind === 'createPost') {
        created.add(`answered-${action.postId}`);
        plan.settle(action, 'APPLIED', `answered-${action.postId}`);
        continue;
      }
      if (action.kind === 'lovePost' && action.postId.startsWith('answered-')) {
        expect(created.has(action.postId)).toBe(true);
        lovedCreated++;
      }
      plan.settle(action, 'APPLIED');
    }
    expect(lovedCreated).toBeGreaterThan(100);
  });
});

describe('the command line', () => {
  it('reads a mix and author tiers, and says what is wrong with a bad one', () => {
    expect(parseMix('love:100')).toEqual({ love: 100, comment: 0, post: 0, follow: 0, social: 0 });
    expect(() => parseMix('likes:3')).toThrow(/unknown kind "likes"/);
    expect(() => parseMix('love:0')).toThrow(/positive weight/);
    expect(parseAuthorTiers('10:100,10000:1')).toEqual([
      { followers: 10, authors: 100 },
      { followers: 10_000, authors: 1 },
    ]);
    expect(() => parseAuthorTiers('10')).toThrow(/FOLLOWERS:AUTHORS/);
  });
});
