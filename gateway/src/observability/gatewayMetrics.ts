import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gateway counts, registered once on the process's registry. */
export interface GatewayMetrics {
  /** Operations by type (query, mutation, subscription, unknown) and outcome (success, partial, error, rejected). */
  readonly requests: Counter<'operation_type' | 'outcome'>;
  readonly requestDuration: Histogram<'operation_type'>;
  /** Errors sent to clients, by extensions.code. */
  readonly errors: Counter<'code'>;
  readonly subgraphFetchDuration: Histogram<'subgraph'>;
  /** Subgraph fetches that failed, by subgraph and reason (timeout, unreachable, http_<status>, invalid_response). */
  readonly subgraphFetchErrors: Counter<'subgraph' | 'reason'>;
  /** Supergraph file reloads by outcome (success, failure). */
  readonly supergraphReloads: Counter<'outcome'>;
  /** Entity fetches looked up in the public entity cache, by subgraph and result (hit, miss). */
  readonly entityCacheLookups: Counter<'subgraph' | 'result'>;
  /** Mutations executing now (bounded by GATEWAY_MAX_MUTATIONS_IN_FLIGHT). */
  readonly mutationsInFlight: Gauge;
  /** Mutations refused with OVERLOADED by the gateway's admission control. */
  readonly mutationsRefused: Counter;
}

export type RequestOutcome = 'success' | 'partial' | 'error' | 'rejected';

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'gateway_graphql_requests_total',
      help: 'GraphQL requests by operation type and outcome.',
      labelNames: ['operation_type', 'outcome'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'gateway_graphql_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its response.',
      labelNames: ['operation_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    errors: new Counter({
      name: 'gateway_graphql_errors_total',
      help: 'GraphQL errors sent to clients, by extensions.code.',
      labelNames: ['code'],
      registers,
    }),
    subgraphFetchDuration: new Histogram({
      name: 'gateway_subgraph_fetch_duration_seconds',
      help: 'Time of one fetch from the gateway to a subgraph, body included.',
      labelNames: ['subgraph'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    subgraphFetchErrors: new Counter({
      name: 'gateway_subgraph_fetch_errors_total',
      help: 'Subgraph fetches that failed, by subgraph and reason.',
      labelNames: ['subgraph', 'reason'],
      registers,
    }),
    supergraphReloads: new Counter({
      name: 'gateway_supergraph_reloads_total',
      help: 'Reloads of the supergraph file, by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    entityCacheLookups: new Counter({
      name: 'gateway_entity_cache_lookups_total',
      help: 'Entity fetches looked up in the public entity cache, by subgraph and result (hit: no fetch; shared: joined an identical fetch in flight; miss: fetched).',
      labelNames: ['subgraph', 'result'],
      registers,
    }),
    mutationsInFlight: new Gauge({
      name: 'gateway_mutations_in_flight',
      help: 'Mutations executing now (bounded by GATEWAY_MAX_MUTATIONS_IN_FLIGHT).',
      registers,
    }),
    mutationsRefused: new Counter({
      name: 'gateway_mutations_overloaded_total',
      help: "Mutations refused with OVERLOADED by the gateway's admission control (nothing sent to a subgraph).",
      registers,
    }),
  };
}
