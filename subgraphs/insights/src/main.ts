/**
 * The insights subgraph's composition root: its own read-only Cassandra role, no commands and
 * no Kafka. `npm run start -w @verograph/insights-subgraph` or `tsx subgraphs/insights/src/main.ts`.
 */
import { runReadOnlyCassandraSubgraph } from '@verograph/subgraph-kit';

import { startInsightsSubgraph } from './insightsSubgraph.ts';

runReadOnlyCassandraSubgraph({ name: 'insights', defaultPort: 4005, start: startInsightsSubgraph });
