import type { DemoNetwork, DemoUser } from './network.ts';

/** A user worth signing in as, and why. */
export interface DemoPersona {
  readonly user: DemoUser;
  readonly description: string;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function tally<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Five different people who each show a side of the network, described from the network
 * itself: the most followed author, the most avid reader, the one with the most close
 * friends, the one most asked to connect, and the keenest collector.
 */
export function pickPersonas(network: DemoNetwork): DemoPersona[] {
  const followers = tally(network.follows, (f) => f.followeeId);
  const following = tally(network.follows, (f) => f.followerId);
  const posts = tally(network.posts, (p) => p.authorId);
  // The level each side ends with: its last filing (re-filed, else what it asked or accepted with).
  const closeFriends = new Map<string, number>();
  const addClose = (userId: string) => closeFriends.set(userId, (closeFriends.get(userId) ?? 0) + 1);
  for (const c of network.connections) {
    if (!c.accepted) continue;
    if ((c.accepted.requesterRefiled ?? c.requestedLevel) === 'CLOSE_FRIEND') addClose(c.requesterId);
    if ((c.accepted.addresseeRefiled ?? c.accepted.acceptedLevel) === 'CLOSE_FRIEND') addClose(c.addresseeId);
  }
  const waiting = tally(network.connections, (c) => (c.accepted ? undefined : c.addresseeId));
  const collected = new Map<string, number>();
  for (const c of network.collections) collected.set(c.ownerId, (collected.get(c.ownerId) ?? 0) + c.postIds.length);

  const byId = new Map(network.users.map((u) => [u.id, u]));
  const chosen = new Set<string>();
  const personas: DemoPersona[] = [];
  const choose = (counts: Map<string, number>, describe: (id: string, n: number) => string) => {
    // Highest count first; the id breaks ties, so the choice is as deterministic as the network.
    const ranked = [...counts].filter(([id]) => !chosen.has(id)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = ranked[0];
    if (!top) return;
    chosen.add(top[0]);
    personas.push({ user: byId.get(top[0])!, description: describe(top[0], top[1]) });
  };
  choose(followers, (id, n) => `an author with ${count(n, 'follower')} and ${count(posts.get(id) ?? 0, 'post')}`);
  choose(following, (_, n) => `a reader who follows ${count(n, 'person', 'people')}`);
  choose(closeFriends, (_, n) => `someone with ${count(n, 'close friend')}`);
  choose(waiting, (_, n) => `someone with ${count(n, 'connection request')} waiting for an answer`);
  choose(collected, (_, n) => `a collector who kept ${count(n, 'post')} in collections`);
  return personas;
}
