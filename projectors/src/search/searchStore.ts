import { errors, type Client } from '@elastic/elasticsearch';

import type { SearchTarget } from './searchDocs.ts';

/** The concrete index behind each search target (the write index of its alias). */
export type SearchIndices = Readonly<Record<SearchTarget, string>>;

/** The aliases the search subgraph reads. */
export const searchAliases: SearchIndices = { users: 'users', posts: 'posts', audiences: 'audiences' };

export type EvolveResult = 'written' | 'unchanged';

/** The search projector's Elasticsearch edge: read-modify-write of one document. */
export interface SearchStore {
  evolve<D extends object>(target: SearchTarget, id: string, evolve: (doc: D | undefined) => D): Promise<EvolveResult>;
  /**
   * Several documents evolved at once, each by its evolves in the order given: one multi-get
   * and one bulk request (and so one translog sync) for all, under the same optimistic
   * concurrency as `evolve`: a document someone wrote in between is read and evolved again.
   * Answers how many documents were written.
   */
  evolveMany(changes: readonly DocChange[]): Promise<number>;
  /** Deletes every document of the targets (a rebuild starts from nothing). */
  clear(targets: readonly SearchTarget[]): Promise<void>;
}

/** One evolve of one document, as `evolveMany` takes them. */
export interface DocChange {
  readonly target: SearchTarget;
  readonly id: string;
  readonly evolve: (doc: object | undefined) => object;
}

const MAX_CONFLICTS = 20;

/**
 * Documents are evolved with optimistic concurrency: read with its sequence number, apply the
 * pure evolve, write only if nobody wrote in between (else read again). Two partitions touching
 * one viewer's audience doc at once therefore never lose an update, and an unchanged doc is
 * not rewritten.
 */
export function createSearchStore(
  client: Client,
  indices: SearchIndices | (() => Promise<SearchIndices>),
): SearchStore {
  // Resolved on first use, not at start: Elasticsearch being down stalls only this projector.
  let resolved: Promise<SearchIndices> | undefined;
  const indexOf = async (target: SearchTarget) => {
    if (typeof indices !== 'function') return indices[target];
    resolved ??= indices().catch((error: unknown) => {
      resolved = undefined;
      throw error;
    });
    return (await resolved)[target];
  };
  return {
    async evolve(target, id, evolve) {
      const index = await indexOf(target);
      for (let attempt = 1; ; attempt++) {
        const current = await client.get({ index, id }, { ignore: [404] });
        const before = current.found ? (current._source as Parameters<typeof evolve>[0]) : undefined;
        const after = evolve(before);
        if (before !== undefined && sameDoc(before, after)) return 'unchanged';
        try {
          await client.index({
            index,
            id,
            document: after,
            ...(current.found
              ? { if_seq_no: current._seq_no!, if_primary_term: current._primary_term! }
              : { op_type: 'create' as const }),
          });
          return 'written';
        } catch (error) {
          if (!(error instanceof errors.ResponseError) || error.statusCode !== 409 || attempt >= MAX_CONFLICTS) {
            throw error;
          }
        }
      }
    },

    async evolveMany(changes) {
      // Each document's evolves, in the order given.
      const docs = new Map<string, { index: string; id: string; evolves: DocChange['evolve'][] }>();
      for (const change of changes) {
        const index = await indexOf(change.target);
        const key = `${index}/${change.id}`;
        const doc = docs.get(key) ?? { index, id: change.id, evolves: [] };
        doc.evolves.push(change.evolve);
        docs.set(key, doc);
      }
      let written = 0;
      let pending = [...docs.values()];
      for (let attempt = 1; pending.length > 0; attempt++) {
        const current = await client.mget({ docs: pending.map((d) => ({ _index: d.index, _id: d.id })) });
        const operations: object[] = [];
        const sent: typeof pending = [];
        pending.forEach((doc, i) => {
          const got = current.docs[i] as
            | { found?: boolean; _source?: object; _seq_no?: number; _primary_term?: number; error?: unknown }
            | undefined;
          if (!got || got.error)
            throw new Error(`could not read ${doc.index}/${doc.id}: ${JSON.stringify(got?.error)}`);
          const before = got.found ? got._source : undefined;
          const after = doc.evolves.reduce<object | undefined>((d, evolve) => evolve(d), before)!;
          if (before !== undefined && sameDoc(before, after)) return;
          operations.push(
            got.found
              ? {
                  index: { _index: doc.index, _id: doc.id, if_seq_no: got._seq_no, if_primary_term: got._primary_term },
                }
              : { create: { _index: doc.index, _id: doc.id } },
            after,
          );
          sent.push(doc);
        });
        if (sent.length === 0) break;
        const result = await client.bulk({ operations });
        const conflicts: typeof pending = [];
        result.items.forEach((item, i) => {
          const outcome = item.index ?? item.create;
          if (outcome?.status === 409) conflicts.push(sent[i]!);
          else if (outcome?.error) {
            throw new Error(`could not write ${sent[i]!.index}/${sent[i]!.id}: ${JSON.stringify(outcome.error)}`);
          } else written++;
        });
        if (conflicts.length > 0 && attempt >= MAX_CONFLICTS) {
          throw new Error(`${conflicts.length} documents kept conflicting after ${attempt} attempts`);
        }
        pending = conflicts;
      }
      return written;
    },

    async clear(targets) {
      // Delete by query lives in a module the local engine does not load: page through the ids
      // and bulk-delete them instead (a rebuild is rare, and the indices are small next to it).
      for (const target of targets) {
        const index = await indexOf(target);
        for (;;) {
          await client.indices.refresh({ index });
          const page = await client.search({ index, size: 1000, _source: false, query: { match_all: {} } });
          if (page.hits.hits.length === 0) break;
          const result = await client.bulk({
            operations: page.hits.hits.map((h) => ({ delete: { _index: index, _id: h._id } })),
          });
          if (result.errors)
            throw new Error(`could not clear ${index}: ${JSON.stringify(result.items.find((i) => i.delete?.error))}`);
        }
      }
    },
  };
}

function sameDoc(a: object, b: object): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * The write index behind each alias. An alias may span several indices while a new version
 * is introduced (posts-v1 and posts-v2); reads and writes by id must name the write index.
 * A name that is an index rather than an alias (as in specs) is used as it is.
 */
export async function resolveWriteIndices(client: Client, aliases: SearchIndices): Promise<SearchIndices> {
  const resolve = async (alias: string) => {
    if (!(await client.indices.existsAlias({ name: alias }))) return alias;
    const found = await client.indices.getAlias({ name: alias });
    const entries = Object.entries(found);
    if (entries.length === 1) return entries[0]![0];
    const write = entries.find(([, v]) => v.aliases[alias]?.is_write_index === true);
    if (!write)
      throw new Error(`alias ${alias} spans ${entries.map(([i]) => i).join(', ')} and none is its write index`);
    return write[0];
  };
  return {
    users: await resolve(aliases.users),
    posts: await resolve(aliases.posts),
    audiences: await resolve(aliases.audiences),
  };
}
