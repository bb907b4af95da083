import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

import { Client } from '@elastic/elasticsearch';
import { signViewer } from '@verograph/service';
import { pino } from 'pino';

import type { SearchIndices } from '../search/searchIndices.ts';

/**
 * A real Elasticsearch for this subgraph's integration specs, under index names of this run
 * only. The names follow the real ones (users-*, posts-*, audiences-*), so the templates of
 * migrations/elasticsearch give them the production mappings and analyzers.
 */
export const run = randomUUID().replace(/-/g, '').slice(0, 10);
export const silentLogger = pino({ level: 'silent' });
export const TEST_SECRET = 'search-spec-signing-secret';
export const ELASTICSEARCH_URL = 'http://127.0.0.1:9200';

export interface TestIndices {
  readonly client: Client;
  readonly indices: SearchIndices;
  /** Writes documents by id into one index and makes them searchable at once. */
  seed(index: keyof SearchIndices, docs: ReadonlyArray<{ id: string } & Record<string, unknown>>): Promise<void>;
  drop(): Promise<void>;
}

export async function freshIndices(name: string): Promise<TestIndices> {
  const client = new Client({ node: ELASTICSEARCH_URL });
  const suffix = `t${name}${run}`.toLowerCase();
  const indices: SearchIndices = {
    users: `users-${suffix}`,
    posts: `posts-${suffix}`,
    audiences: `audiences-${suffix}`,
  };
  for (const index of Object.values(indices)) await client.indices.create({ index });
  return {
    client,
    indices,
    async seed(target, docs) {
      if (docs.length === 0) return;
      const response = await client.bulk({
        refresh: true,
        operations: docs.flatMap((doc) => [{ index: { _index: indices[target], _id: doc.id } }, bodyOf(target, doc)]),
      });
      if (response.errors) throw new Error(`seeding ${target} failed: ${JSON.stringify(response.items)}`);
    },
    async drop() {
      await client.indices.delete({ index: Object.values(indices) }, { ignore: [404] });
      await client.close();
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

export interface GraphQLAnswer<D = Record<string, unknown>> {
  readonly status: number;
  readonly data?: D | null;
  readonly errors?: ReadonlyArray<{ message: string; path?: unknown[]; extensions?: { code?: string } }>;
}

/** Asks the subgraph as the gateway would: signed for `viewerId` (undefined: anonymous). */
export async function askAs<D = Record<string, unknown>>(
  url: string,
  viewerId: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  options: { secret?: string; signed?: boolean } = {},
): Promise<GraphQLAnswer<D>> {
  const signature = options.signed === false ? {} : signViewer(options.secret ?? TEST_SECRET, viewerId);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signature },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLAnswer<D>, 'status'>;
  return { status: response.status, ...body };
}

/** The codes of an answer's errors, in order. */
export const codes = (answer: GraphQLAnswer<unknown>) => (answer.errors ?? []).map((e) => e.extensions?.code);
