import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, visit } from 'graphql';

import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';
import { isIntrospectionRoot } from './operationWalk.ts';

/**
 * GATEWAY_INTROSPECTION=false refuses any document that asks for `__schema` or `__type`
 * (in the operation or in a fragment), with a message naming the switch. `__typename` stays.
 */
export function useIntrospectionSwitch({ enabled }: { enabled: boolean }): ApolloServerPlugin {
  return {
    async requestDidStart() {
      if (enabled) return {};
      return {
        async didResolveOperation({ document }) {
          let asks = false;
          visit(document, {
            Field(node) {
              if (!isIntrospectionRoot(node.name.value)) return undefined;
              asks = true;
              return BREAK;
            },
          });
          if (asks) {
            throw requestError(
              GatewayErrorCode.INTROSPECTION_DISABLED,
              'Introspection is switched off on this gateway (GATEWAY_INTROSPECTION=false); use the published schema (schema/api.graphql).',
              400,
            );
          }
        },
      };
    },
  };
}
