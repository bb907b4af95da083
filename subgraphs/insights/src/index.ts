export { insightsTypeDefs, startInsightsSubgraph, type InsightsSubgraphOptions } from './insightsSubgraph.ts';
