import type { ApolloServerPlugin } from '@apollo/server';

import type { GatewayContext } from './gatewayContext.ts';
import type { GatewayMetrics, RequestOutcome } from './gatewayMetrics.ts';

/** Counts every operation Apollo Server handles by type and outcome, its latency, and its error codes. */
export function useMetrics(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      // Refused before execution (parse, validation, limits) counts as rejected, not as an error.
      let executed = false;
      return {
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ operation, response }) {
          const operationType = operation?.operation ?? 'unknown';
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const errors = result.errors ?? [];
          const hasData = result.data !== undefined && result.data !== null;
          const outcome: RequestOutcome = !executed
            ? 'rejected'
            : errors.length === 0
              ? 'success'
              : hasData
                ? 'partial'
                : 'error';
          metrics.requests.inc({ operation_type: operationType, outcome });
          metrics.requestDuration.observe({ operation_type: operationType }, (performance.now() - started) / 1000);
          for (const error of errors) metrics.errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
        },
      };
    },
  };
}
