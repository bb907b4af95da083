export { searchTypeDefs, startSearchSubgraph, type SearchSubgraphOptions } from './searchSubgraph.ts';
export { defaultSearchIndices, type SearchIndices } from './search/searchIndices.ts';
export { createElasticsearchClient } from './store/elasticsearch.ts';
