import { readFileSync } from 'node:fs';

import type { AuthorRelation, ConnectionLevel } from '@verograph/domain';
import { audiences, canSee, connectionLevels } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { evaluate } from '../testing/evaluateQuery.ts';
import { admittingLists, audienceLists, visiblePostsFilter } from './audienceFilter.ts';

const indices = { audiences: 'audiences' };
const levels: Array<ConnectionLevel | undefined> = [undefined, ...connectionLevels];
const relations: AuthorRelation[] = levels.flatMap((level) => [
  { level, follows: false },
  { level, follows: true },
]);

/**
 * The viewer's audiences doc as the search projector writes it for one author
 * (projectors/src/search/searchDocs.ts `evolveAudienceDoc`), stated here independently.
 */
function audienceDoc(viewerId: string, authorId: string, relation: AuthorRelation) {
  const on = (yes: boolean) => (yes ? [authorId] : []);
  return {
    viewer_id: viewerId,
    follows: on(relation.follows),
    connected: on(relation.level !== undefined),
    friend_of: on(relation.level === 'FRIEND' || relation.level === 'CLOSE_FRIEND'),
    close_friend_of: on(relation.level === 'CLOSE_FRIEND'),
  };
}

describe('visiblePostsFilter', () => {
  it('given every audience × relation, when Elasticsearch would filter, then it admits exactly what canSee admits', () => {
    const filter = visiblePostsFilter(indices, 'viewer');
    for (const audience of audiences) {
      for (const relation of relations) {
        const lookups = { audiences: { viewer: audienceDoc('viewer', 'author', relation) } };
        const post = { author_id: 'author', audience };
        const expected = canSee('viewer', { authorId: 'author', audience }, relation);
        expect(evaluate(filter, post, lookups), `${audience} for ${JSON.stringify(relation)}`).toBe(expected);
      }
    }
  });

  it('given the viewer’s own posts, when filtered, then every audience is visible without any doc', () => {
    const filter = visiblePostsFilter(indices, 'me');
    for (const audience of audiences) expect(evaluate(filter, { author_id: 'me', audience }, {})).toBe(true);
  });

  it('given a viewer with no audiences doc, when filtered, then nobody else’s posts are visible', () => {
    const filter = visiblePostsFilter(indices, 'lonely');
    for (const audience of audiences) expect(evaluate(filter, { author_id: 'author', audience }, {})).toBe(false);
  });

  it('given another viewer’s doc, when filtered, then only the asking viewer’s doc is looked up', () => {
    const filter = visiblePostsFilter(indices, 'viewer');
    const lookups = {
      audiences: { someone: audienceDoc('someone', 'author', { level: 'CLOSE_FRIEND', follows: true }) },
    };
    expect(evaluate(filter, { author_id: 'author', audience: 'FOLLOWERS' }, lookups)).toBe(false);
  });

  it('given the domain rule, when lists are chosen, then each audience costs the fewest lookups', () => {
    expect(Object.fromEntries(audiences.map((a) => [a, admittingLists(a)]))).toEqual({
      CLOSE_FRIENDS: ['close_friend_of'],
      FRIENDS: ['friend_of'],
      ACQUAINTANCES: ['connected'],
      FOLLOWERS: ['connected', 'follows'],
    });
  });

  it('given the index templates, when compared, then every field the filter reads is a keyword there', () => {
    const template = JSON.parse(
      readFileSync(
        new URL('../../../../migrations/elasticsearch/0030_posts_deleted_and_audiences.json', import.meta.url),
        'utf8',
      ),
    ) as {
      index_templates: Record<string, { template: { mappings: { properties: Record<string, { type: string }> } } }>;
    };
    const audienceFields = template.index_templates['verograph-audiences']!.template.mappings.properties;
    for (const list of Object.keys(audienceLists)) expect(audienceFields[list]?.type, list).toBe('keyword');
    const postFields = template.index_templates['verograph-posts']!.template.mappings.properties;
    expect(postFields.author_id?.type).toBe('keyword');
    expect(postFields.audience?.type).toBe('keyword');
    expect(postFields.deleted?.type).toBe('boolean');
  });
});
