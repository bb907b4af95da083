/** Who may see a post. Each audience contains the ones before it. */
export type Audience = 'CLOSE_FRIENDS' | 'FRIENDS' | 'ACQUAINTANCES' | 'FOLLOWERS';
/** How one side of a connection privately files the other. */
export type ConnectionLevel = 'CLOSE_FRIEND' | 'FRIEND' | 'ACQUAINTANCE';

export const audiences: readonly Audience[] = ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'];
export const connectionLevels: readonly ConnectionLevel[] = ['CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE'];

/** What the author's side says about one viewer. */
export interface AuthorRelation {
  /** How the author files the viewer, when they are connected. */
  readonly level?: ConnectionLevel | undefined;
  /** Whether the viewer follows the author. */
  readonly follows: boolean;
}

/** The levels an audience admits, innermost first. */
const admitted: Record<Audience, readonly ConnectionLevel[]> = {
  CLOSE_FRIENDS: ['CLOSE_FRIEND'],
  FRIENDS: ['CLOSE_FRIEND', 'FRIEND'],
  ACQUAINTANCES: ['CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE'],
  FOLLOWERS: ['CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE'],
};

/**
 * The audience rule, the one place it is written: a viewer sees a post when they wrote it,
 * when the author filed them at a level inside the audience, or when the audience is
 * FOLLOWERS and they follow the author or are connected.
 */
export function canSee(
  viewerId: string | undefined,
  post: { readonly authorId: string; readonly audience: Audience },
  relation: AuthorRelation,
): boolean {
  if (viewerId === undefined) return false;
  if (viewerId === post.authorId) return true;
  if (relation.level !== undefined && admitted[post.audience].includes(relation.level)) return true;
  return post.audience === 'FOLLOWERS' && relation.follows;
}

/** The audiences a viewer filed at `level` (or only following) may see, for query filters. */
export function visibleAudiences(relation: AuthorRelation): Audience[] {
  return audiences.filter((audience) => canSee('viewer', { authorId: 'author', audience }, relation));
}
