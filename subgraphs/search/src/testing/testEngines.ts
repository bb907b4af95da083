import { createServer } from 'node:net';

import { scratchSearchIndices, testRun, type ScratchIndices } from '@verograph/stack/testing';
import { errorCodes, signedGraphQLClient, type GraphQLAnswer } from '@verograph/subgraph-kit/testing';
import { pino } from 'pino';

import type { SearchIndices } from '../search/searchIndices.ts';

/**
 * A real Elasticsearch for this subgraph's integration specs, under index names of this run
 * only. The names follow the real ones (users-*, posts-*, audiences-*), so the templates of
 * migrations/elasticsearch give them the production mappings and analyzers.
 */
export const run = testRun;
export const silentLogger = pino({ level: 'silent' });
export const TEST_SECRET = 'search-spec-signing-secret';
export const ELASTICSEARCH_URL = `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? 9200}`;

export interface TestIndices extends ScratchIndices {
  readonly indices: SearchIndices;
  /** Writes documents by id into one index and makes them searchable at once. */
  seed(index: keyof SearchIndices, docs: ReadonlyArray<{ id: string } & Record<string, unknown>>): Promise<void>;
}

export async function freshIndices(name: string): Promise<TestIndices> {
  const scratch = await scratchSearchIndices(name);
  const { client, indices } = scratch;
  return {
    ...scratch,
    async seed(target, docs) {
      if (docs.length === 0) return;
      const response = await client.bulk({
        refresh: true,
        operations: docs.flatMap((doc) => [{ index: { _index: indices[target], _id: doc.id } }, bodyOf(target, doc)]),
      });
      if (response.errors) throw new Error(`seeding ${target} failed: ${JSON.stringify(response.items)}`);
    },
  };
}

/** An audiences doc's id is its viewer's id, and its body has no `id` field (the mapping is strict). */
function bodyOf(target: keyof SearchIndices, doc: { id: string } & Record<string, unknown>): Record<string, unknown> {
  if (target !== 'audiences') return doc;
  const { id, ...rest } = doc;
  return { viewer_id: id, ...rest };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Asks the subgraph as the gateway would: signed for `viewerId` (undefined: anonymous). */
export async function askAs<D = Record<string, unknown>>(
  url: string,
  viewerId: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  options: { secret?: string; signed?: boolean } = {},
): Promise<GraphQLAnswer<D>> {
  const client = signedGraphQLClient(url, options.secret ?? TEST_SECRET, 'search');
  return options.signed === false
    ? ((await client.raw({}, { query, variables })) as GraphQLAnswer<D>)
    : client.query<D>(viewerId, query, variables);
}

/** The codes of an answer's errors, in order. */
export const codes = errorCodes;
