import type { Audience, AuthorRelation, ConnectionLevel } from '@verograph/domain';
import { audiences, canSee } from '@verograph/domain';

/**
 * The lists of a viewer's doc in the `audiences` index, each with what puts an author in it,
 * as the search projector builds them (projectors/src/search/searchDocs.ts, `AudienceDoc`).
 */
export const audienceLists = {
  /** Authors who file the viewer CLOSE_FRIEND. */
  close_friend_of: { levels: ['CLOSE_FRIEND'], follows: false },
  /** Authors who file the viewer FRIEND or CLOSE_FRIEND. */
  friend_of: { levels: ['CLOSE_FRIEND', 'FRIEND'], follows: false },
  /** Authors connected with the viewer, at any level. */
  connected: { levels: ['CLOSE_FRIEND', 'FRIEND', 'ACQUAINTANCE'], follows: false },
  /** Authors the viewer follows. */
  follows: { levels: [], follows: true },
} as const satisfies Record<string, { levels: readonly ConnectionLevel[]; follows: boolean }>;

export type AudienceList = keyof typeof audienceLists;

const listNames = Object.keys(audienceLists) as AudienceList[];

/** The relations that put an author in a list: one per level, and following. */
function reasons(list: AudienceList): AuthorRelation[] {
  const { levels, follows } = audienceLists[list];
  return [
    ...levels.map((level): AuthorRelation => ({ level, follows: false })),
    ...(follows ? [{ follows: true }] : []),
  ];
}

/** Whether everything in `a` is in `b`: `b` makes `a` redundant in a disjunction. */
function containedIn(a: AudienceList, b: AudienceList): boolean {
  const B = audienceLists[b];
  const A = audienceLists[a];
  return A.levels.every((level) => (B.levels as readonly string[]).includes(level)) && (!A.follows || B.follows);
}

/**
 * The lists whose authors' posts of `audience` the viewer may see, read off the domain's
 * `canSee`: a list admits an audience when every reason to be on it does. Lists contained in
 * another admitting list are dropped (CLOSE_FRIENDS: close_friend_of; FOLLOWERS: connected or
 * follows), so each terms lookup earns its place.
 */
export function admittingLists(audience: Audience): AudienceList[] {
  const admitting = listNames.filter((list) =>
    reasons(list).every((relation) => canSee('viewer', { authorId: 'author', audience }, relation)),
  );
  return admitting.filter((list) => !admitting.some((other) => other !== list && containedIn(list, other)));
}

/** A terms-lookup clause: the post's author is on one list of the viewer's audiences doc. */
function authorOnList(indices: { audiences: string }, viewerId: string, list: AudienceList) {
  return { terms: { author_id: { index: indices.audiences, id: viewerId, path: list } } };
}

/**
 * The Elasticsearch filter "the viewer may see this post": the viewer wrote it, or its audience
 * is admitted by a list of the viewer's audiences doc that holds its author. Relations are read
 * from that doc at query time, so a changed level counts as soon as the projector has written
 * it. A viewer without a doc (nobody follows or files them) sees only their own posts.
 */
export function visiblePostsFilter(indices: { audiences: string }, viewerId: string) {
  const byAudience = audiences.flatMap((audience) => {
    const lists = admittingLists(audience);
    if (lists.length === 0) return [];
    const onAList =
      lists.length === 1
        ? authorOnList(indices, viewerId, lists[0]!)
        : { bool: { should: lists.map((list) => authorOnList(indices, viewerId, list)), minimum_should_match: 1 } };
    return [{ bool: { filter: [{ term: { audience } }, onAList] } }];
  });
  return { bool: { should: [{ term: { author_id: viewerId } }, ...byAudience], minimum_should_match: 1 } };
}
