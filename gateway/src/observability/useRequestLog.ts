import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@verograph/service';
import { traceId } from '@verograph/messaging';

import type { GatewayContext } from './gatewayContext.ts';

/**
 * One JSON log line per operation, with its trace id; and every error with its original cause,
 * since clients only see the masked message.
 */
export function useRequestLog(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      // Made when a line is written: at the usual level (warn) a successful request writes none.
      let child: Logger | undefined;
      const log = () => (child ??= logger.child({ traceId: traceId(contextValue.trace) }));
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            const unexpected =
              code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'DOWNSTREAM_SERVICE_ERROR';
            const cause = error.originalError ?? error;
            const fields = {
              operationName,
              code,
              path: error.path,
              subgraph: error.extensions?.subgraph ?? error.extensions?.serviceName,
            };
            if (unexpected) log().error({ ...fields, err: cause }, `operation error: ${error.message}`);
            else if (logger.isLevelEnabled('debug')) log().debug(fields, `operation error: ${error.message}`);
          }
        },
        async willSendResponse({ operation, operationName, response }) {
          if (!logger.isLevelEnabled('info')) return;
          log().info(
            {
              operationName,
              operationType: operation?.operation,
              viewerId: contextValue.viewerId,
              status: response.http.status ?? 200,
              durationMs: Math.round(performance.now() - started),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
