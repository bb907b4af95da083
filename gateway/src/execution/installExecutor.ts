/**
 * Puts the configured executor under Apollo Server: ApolloGateway hands Apollo Server (and the
 * live layer) its `executor` property when it loads, so ours replaces it there, keeping Apollo's
 * as the fallback for what ours leaves to it.
 */
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { QueryPlanner } from '@apollo/query-planner';

import type { GatewayExecutorKind } from '../config.ts';
import { createOwnExecutor } from './ownExecutor.ts';

/** Call before Apollo Server starts (it reads the executor when it loads the gateway). */
export function installExecutor(
  gateway: ApolloGateway,
  kind: GatewayExecutorKind,
  dataSource: (serviceName: string) => GraphQLDataSource | undefined,
): void {
  if (kind === 'apollo') return;
  let planner: QueryPlanner | undefined;
  // ApolloGateway builds a new planner before it notifies a supergraph update.
  gateway.onSchemaLoadOrUpdate(() => {
    planner = gateway.__testing().queryPlanner;
  });
  gateway.executor = createOwnExecutor({ planner: () => planner, dataSource, fallback: gateway.executor });
}
