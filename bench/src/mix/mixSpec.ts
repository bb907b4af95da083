/**
 * The command mix of `npm run bench -- write` and the shape of the social graph it runs on, as
 * the command line gives them (`--mix love:55,comment:20,post:10,follow:10,social:5`,
 * `--authors 10:100,100:20,1000:4,10000:1`), parsed once and checked.
 */

/** The five kinds of traffic the issue names; `social` is connections and collections. */
export const mixKinds = ['love', 'comment', 'post', 'follow', 'social'] as const;
export type MixKind = (typeof mixKinds)[number];

/** Each kind's share; they need not sum to 100 (they are weights). */
export type MixWeights = Readonly<Record<MixKind, number>>;

/** 55% lovePost/unlovePost, 20% commentOnPost, 10% createPost, 10% follow/unfollow, 5% connections and collections. */
export const defaultMix: MixWeights = { love: 55, comment: 20, post: 10, follow: 10, social: 5 };

/** A tier of authors: how many authors have how many followers each. */
export interface AuthorTier {
  readonly followers: number;
  readonly authors: number;
}

/**
 * Authors with 10 to 10,000 followers, most of them small, as in a real network: 125 authors,
 * 17,000 follows in all. Authors post alike, so a post reaches 136 followers on average.
 */
export const defaultAuthorTiers: readonly AuthorTier[] = [
  { followers: 10, authors: 100 },
  { followers: 100, authors: 20 },
  { followers: 1000, authors: 4 },
  { followers: 10_000, authors: 1 },
];

/** `love:55,comment:20,...`: kinds left out get weight 0; at least one weight must be positive. */
export function parseMix(text: string): MixWeights {
  const weights: Record<MixKind, number> = { love: 0, comment: 0, post: 0, follow: 0, social: 0 };
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [kind, value] = part.split(':').map((s) => s.trim());
    if (!mixKinds.includes(kind as MixKind)) {
      throw new Error(`--mix: unknown kind "${kind}"; use ${mixKinds.join(', ')} (e.g. love:55,comment:20)`);
    }
    const weight = Number(value);
    if (!Number.isFinite(weight) || weight < 0) throw new Error(`--mix: "${part}" needs a weight ≥ 0, e.g. love:55`);
    weights[kind as MixKind] = weight;
  }
  if (mixKinds.every((k) => weights[k] === 0)) throw new Error('--mix: at least one kind needs a positive weight');
  return weights;
}

/** `10:100,100:20`: followers:authors pairs, each a positive whole number. */
export function parseAuthorTiers(text: string): AuthorTier[] {
  const tiers = text
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const [followers, authors] = part.split(':').map(Number);
      if (!Number.isInteger(followers) || !Number.isInteger(authors) || followers! < 1 || authors! < 1) {
        throw new Error(`--authors: "${part}" must be FOLLOWERS:AUTHORS, both whole numbers ≥ 1 (e.g. 10:100)`);
      }
      return { followers: followers!, authors: authors! };
    });
  if (tiers.length === 0) throw new Error('--authors: give at least one FOLLOWERS:AUTHORS tier');
  return tiers;
}

export function formatMix(weights: MixWeights): string {
  const total = mixKinds.reduce((sum, k) => sum + weights[k], 0);
  return mixKinds
    .filter((k) => weights[k] > 0)
    .map((k) => `${k} ${Math.round((weights[k] / total) * 100)}%`)
    .join(', ');
}

/** A number in [0, 1): `Math.random`, or a seeded one in tests. */
export type Random = () => number;

/** Picks one of `choices` with probability proportional to its weight. */
export function pickWeighted<T>(choices: readonly (readonly [T, number])[], random: Random): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let at = random() * total;
  for (const [choice, weight] of choices) {
    if (at < weight) return choice;
    at -= weight;
  }
  // Rounding can leave `at` a hair above the last bound: the last positive choice takes it.
  return [...choices].reverse().find(([, w]) => w > 0)![0];
}

/** A whole number in [0, n). */
export function pickIndex(n: number, random: Random): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** A small deterministic generator (mulberry32), so a unit test sees the same sequence every time. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
