import type { Client } from '@elastic/elasticsearch';

import type { Migration, MigrationTarget } from './migration.ts';

/**
 * What an Elasticsearch migration file declares. Templates and indices are put idempotently;
 * `alias_actions` then run as ONE `_aliases` request, so an alias moves between index versions
 * atomically (readers never see it empty or doubled), and `remove_index` retires an old version.
 */
interface ElasticsearchMigration {
  readonly index_templates?: Record<string, Record<string, unknown>>;
  readonly indices?: Record<string, Record<string, unknown>>;
  readonly alias_actions?: readonly Record<string, Record<string, unknown>>[];
}

export function elasticsearchTarget(client: Client, ledgerIndex = 'verograph-schema-migrations'): MigrationTarget {
  return {
    engine: 'elasticsearch',
    async applied() {
      if (!(await client.indices.exists({ index: ledgerIndex }))) return new Map();
      const result = await client.search<{ checksum: string }>({
        index: ledgerIndex,
        size: 1000,
        query: { match_all: {} },
      });
      return new Map(result.hits.hits.map((hit) => [hit._id!, hit._source!.checksum]));
    },
    async apply(migration: Migration) {
      const spec = JSON.parse(migration.body) as ElasticsearchMigration;
      for (const [name, body] of Object.entries(spec.index_templates ?? {})) {
        await client.indices.putIndexTemplate({ name, ...body });
      }
      for (const [index, body] of Object.entries(spec.indices ?? {})) {
        if (!(await client.indices.exists({ index }))) await client.indices.create({ index, ...body });
      }
      if (spec.alias_actions?.length) {
        await client.indices.updateAliases({ actions: spec.alias_actions as never });
      }
      await client.index({
        index: ledgerIndex,
        id: migration.id,
        document: { checksum: migration.checksum, applied_at: new Date().toISOString() },
        refresh: 'wait_for',
      });
    },
  };
}
