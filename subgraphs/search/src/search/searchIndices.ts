/**
 * Where the search projector keeps its documents (projectors/src/search): users and posts to
 * match, and one audiences doc per viewer (id = viewer id) for terms-lookup filters. Aliases in
 * production (migrations/elasticsearch), concrete indices of their own in specs.
 */
export interface SearchIndices {
  readonly users: string;
  readonly posts: string;
  readonly audiences: string;
}

export const defaultSearchIndices: SearchIndices = { users: 'users', posts: 'posts', audiences: 'audiences' };
