/**
 * The social graph the mixed write benchmark runs on, as pure arithmetic: who the users and the
 * authors are and who follows whom, computed rather than stored, so that every run (and the
 * seeding that a second run skips) agrees on it without reading it back.
 */
import { createHash } from 'node:crypto';

import type { AuthorTier } from './mixSpec.ts';

export interface GraphAuthor {
  readonly id: string;
  readonly username: string;
  readonly followers: number;
  /** Where this author's followers start among the users (they are the next `followers`, wrapping). */
  readonly offset: number;
}

export interface GraphLayout {
  /** Names the graph: the same tiers give the same name, hence the same ids, in every run. */
  readonly name: string;
  /** Followers, and the actors of loves, comments, follows and connections: as many as the biggest tier needs. */
  readonly users: readonly string[];
  readonly authors: readonly GraphAuthor[];
  /** Follows in all: Σ followers over the authors. */
  readonly follows: number;
}

/** The layout for these tiers (at least `minUsers` users, so the mix has that many distinct actors). */
export function graphLayout(tiers: readonly AuthorTier[], minUsers = 1000): GraphLayout {
  const spec = tiers.map((t) => `${t.followers}:${t.authors}`).join(',');
  const name = `g${createHash('sha256').update(`${spec}/${minUsers}`).digest('hex').slice(0, 6)}`;
  const userCount = Math.max(minUsers, ...tiers.map((t) => t.followers));
  const users = Array.from({ length: userCount }, (_, i) => `bench-${name}-u${i}`);
  const authors: GraphAuthor[] = [];
  tiers.forEach((tier, t) => {
    for (let j = 0; j < tier.authors; j++) {
      // A prime stride spreads the small authors' followers over all users, so that every user
      // follows someone and loves and comments come from the whole population.
      const offset = (authors.length * 7919) % userCount;
      authors.push({
        id: `bench-${name}-a${t}-${j}`,
        username: `b${name}_a${t}_${j}`,
        followers: tier.followers,
        offset,
      });
    }
  });
  return { name, users, authors, follows: authors.reduce((sum, a) => sum + a.followers, 0) };
}

/** The username of user i of a layout (3 to 30 characters, as profiles require). */
export function usernameOf(layout: GraphLayout, index: number): string {
  return `b${layout.name}_u${index}`;
}

/** The index (into `users`) of the i-th follower of `author`. */
export function followerIndex(layout: GraphLayout, author: GraphAuthor, i: number): number {
  return (author.offset + i) % layout.users.length;
}

/** Whether user `userIndex` follows `author`. */
export function follows(layout: GraphLayout, author: GraphAuthor, userIndex: number): boolean {
  const n = layout.users.length;
  return (((userIndex - author.offset) % n) + n) % n < author.followers;
}
