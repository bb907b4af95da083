import { randomUUID } from 'node:crypto';

import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, it } from 'vitest';

// Assumes the engine already runs (`npm run stack -- up`). The client's product check makes
// every call below fail unless the server answers as genuine Elasticsearch.
const client = new Client({ node: `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? '9200'}` });
const run = randomUUID().slice(0, 8);
const template = `stack-int-${run}`;
const index = `stack-int-${run}-products`;

interface Product {
  readonly sku: string;
  readonly title: string;
  readonly category: string;
  readonly price: number;
}

const products: readonly Product[] = [
  { sku: 'kb-1', title: 'Mechanical Keyboard', category: 'peripherals', price: 120 },
  { sku: 'ms-1', title: 'Wireless Mouse', category: 'peripherals', price: 35 },
  { sku: 'mn-1', title: 'Curved Monitor', category: 'displays', price: 420 },
  { sku: 'dk-1', title: 'Café Standing Desk', category: 'furniture', price: 380 },
  { sku: 'kb-2', title: 'Compact Keyboard Case', category: 'accessories', price: 25 },
];

afterAll(async () => {
  // Each step is independent so that one failure does not leave the other behind.
  await client.indices.delete({ index }, { ignore: [404] }).catch(() => undefined);
  await client.indices.deleteIndexTemplate({ name: template }, { ignore: [404] }).catch(() => undefined);
  await client.close();
});

const ids = (hits: readonly { _id?: string }[]): string[] => hits.map((hit) => hit._id ?? '');

describe('elasticsearch engine', () => {
  it('is a genuine Elasticsearch 8 node', async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\./);
    expect(info.tagline).toBe('You Know, for Search');
    const health = await client.cluster.health();
    expect(['green', 'yellow']).toContain(health.status);
    expect(health.number_of_nodes).toBe(1);
  });

  it('applies an index template, indexes, refreshes and searches', async () => {
    await client.indices.putIndexTemplate({
      name: template,
      index_patterns: [`stack-int-${run}-*`],
      template: {
        // One node: replicas could never be assigned and would keep the index yellow.
        settings: {
          number_of_shards: 1,
          number_of_replicas: 0,
          analysis: {
            // edge_ngram and asciifolding come from the launcher's stand-in for analysis-common.
            tokenizer: {
              autocomplete: { type: 'edge_ngram', min_gram: 2, max_gram: 10, token_chars: ['letter', 'digit'] },
            },
            analyzer: {
              autocomplete: { type: 'custom', tokenizer: 'autocomplete', filter: ['lowercase', 'asciifolding'] },
              autocomplete_search: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] },
            },
          },
        },
        mappings: {
          dynamic: 'strict',
          properties: {
            sku: { type: 'keyword' },
            title: {
              type: 'text',
              fields: {
                prefix: { type: 'text', analyzer: 'autocomplete', search_analyzer: 'autocomplete_search' },
              },
            },
            category: { type: 'keyword' },
            price: { type: 'double' },
          },
        },
      },
    });

    // The index takes its mapping from the template, not from the create call.
    await client.indices.create({ index });
    const mapping = await client.indices.getMapping({ index });
    expect(mapping[index]?.mappings.properties?.category).toEqual({ type: 'keyword' });

    const bulk = await client.bulk({
      operations: products.flatMap((p) => [{ index: { _index: index, _id: p.sku } }, p]),
    });
    expect(bulk.errors).toBe(false);

    // Without a refresh nothing indexed above is visible to search yet.
    await client.indices.refresh({ index });
    expect((await client.count({ index })).count).toBe(products.length);

    // Two typos ("Mechanicl", "Keybaord") still find the keyboard, and rank it first.
    const fuzzy = await client.search<Product>({
      index,
      query: { match: { title: { query: 'Mechanicl Keybaord', fuzziness: 'AUTO' } } },
    });
    expect(fuzzy.hits.hits[0]?._id).toBe('kb-1');
    expect(fuzzy.hits.hits[0]?._source?.title).toBe('Mechanical Keyboard');

    // Without fuzziness the same typos match nothing: the fuzzy hit is not a fluke.
    const exact = await client.search({ index, query: { match: { title: 'Mechanicl Keybaord' } } });
    expect(exact.hits.hits).toHaveLength(0);

    // A scored clause combined with non-scoring filters.
    const filtered = await client.search<Product>({
      index,
      query: {
        bool: {
          must: [{ match: { title: 'keyboard' } }],
          filter: [{ term: { category: 'peripherals' } }, { range: { price: { gte: 100 } } }],
        },
      },
    });
    expect(ids(filtered.hits.hits)).toEqual(['kb-1']);

    // Prefix search through the edge n-gram subfield, with accents folded away.
    const prefix = await client.search<Product>({ index, query: { match: { 'title.prefix': 'cafe sta' } } });
    expect(ids(prefix.hits.hits)[0]).toBe('dk-1');
    const keyboards = await client.search<Product>({ index, query: { match: { 'title.prefix': 'key' } } });
    expect(ids(keyboards.hits.hits).sort()).toEqual(['kb-1', 'kb-2']);
  });
});
