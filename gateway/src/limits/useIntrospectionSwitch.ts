import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, visit, type DocumentNode } from 'graphql';

import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';
import { isIntrospectionRoot } from './operationWalk.ts';

/**
 * GATEWAY_INTROSPECTION=false refuses any document that asks for `__schema` or `__type`
 * (in the operation or in a fragment), with a message naming the switch. `__typename` stays.
 */
export function useIntrospectionSwitch({ enabled }: { enabled: boolean }): ApolloServerPlugin {
  // Apollo Server hands out the same parsed document for the same text: each is walked once.
  const answers = new WeakMap<DocumentNode, boolean>();
  return {
    async requestDidStart() {
      if (enabled) return {};
      return {
        async didResolveOperation({ document }) {
          let asks = answers.get(document);
          if (asks === undefined) {
            asks = asksIntrospection(document);
            answers.set(document, asks);
          }
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

function asksIntrospection(document: DocumentNode): boolean {
  let asks = false;
  visit(document, {
    Field(node) {
      if (!isIntrospectionRoot(node.name.value)) return undefined;
      asks = true;
      return BREAK;
    },
  });
  return asks;
}
