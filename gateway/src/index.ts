export { mintToken, mintTokenForEnv, type MintTokenOptions } from './auth/mintToken.ts';
export { createViewerAuthenticator, type Authentication, type ViewerAuthenticator } from './auth/viewerAuth.ts';
export {
  LOCAL_JWT_SECRET,
  LOCAL_SUBGRAPH_SIGNING_SECRET,
  readGatewayConfig,
  type GatewayConfig,
  type GatewayLimits,
  type JwtVerification,
} from './config.ts';
export { createGateway, type Gateway, type GatewayDependencies } from './createGateway.ts';
export { GatewayErrorCode } from './errors/gatewayErrors.ts';
export type { GatewayContext } from './observability/gatewayContext.ts';
/** The subgraph HTTP client, for `npm run bench -- subgraph-client` to measure against its baseline. */
export { createSubgraphHttpClient, type SubgraphHttpClient } from './subgraphs/subgraphHttpClient.ts';
export {
  createTrustedDocuments,
  documentHash,
  loadTrustedDocuments,
  normalizeDocument,
  type TrustedDocument,
  type TrustedDocuments,
} from './persisted/trustedDocuments.ts';
