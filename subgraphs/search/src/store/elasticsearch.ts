import { Client, errors } from '@elastic/elasticsearch';
import { DomainError } from '@verograph/domain';
import type { Logger } from '@verograph/service';

export interface ElasticsearchSettings {
  readonly url: string;
  /** How long one request may take before the search answers STORE_UNAVAILABLE. */
  readonly requestTimeoutMs: number;
}

/**
 * A client that gives up quickly: one retry, a short timeout. Search is one request per query,
 * and a slow or absent node should become a clear error for that query, not a hung request.
 */
export function createElasticsearchClient(settings: ElasticsearchSettings): Client {
  return new Client({
    node: settings.url,
    requestTimeout: settings.requestTimeoutMs,
    maxRetries: 1,
    name: 'search-subgraph',
  });
}

/** HTTP answers of the node that mean "cannot serve now" (overloaded, shards missing, not migrated). */
const UNAVAILABLE_STATUS = new Set([404, 429, 502, 503, 504]);

/**
 * Errors the node answered that mean Elasticsearch cannot serve this search (an index not there
 * yet, a red cluster, rejected for load) become STORE_UNAVAILABLE, logged here because domain
 * errors are not. Unreachable nodes (ConnectionError, TimeoutError, NoLivingConnectionsError)
 * are left to the kit's error masking, which already names them STORE_UNAVAILABLE.
 */
export function asSearchError(error: unknown, logger?: Logger): unknown {
  if (error instanceof errors.ResponseError && UNAVAILABLE_STATUS.has(error.statusCode ?? 0)) {
    logger?.warn({ err: error, status: error.statusCode }, 'Elasticsearch cannot serve the search');
    return new DomainError('STORE_UNAVAILABLE', 'Search is unavailable right now; try again in a moment.', {
      cause: error,
    });
  }
  return error;
}

/** Readiness: the node answers and every index (or alias) the search reads exists. */
export async function elasticsearchReady(client: Client, indices: readonly string[]): Promise<void> {
  const exists = await client.indices.exists({ index: [...indices], allow_no_indices: false });
  if (!exists) throw new Error(`Elasticsearch answers, but not every one of ${indices.join(', ')} exists`);
}
