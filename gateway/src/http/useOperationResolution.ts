import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode } from 'graphql';

import { GatewayErrorCode, requestError } from '../errors/gatewayErrors.ts';

/** Operation names quoted back to the client: enough to recognise them, never an unbounded echo. */
const MAX_NAMES_SHOWN = 5;
const MAX_NAME_LENGTH = 64;

const shown = (name: string): string =>
  `"${name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name}"`;

/**
 * Why the document's operation cannot be chosen: several operations and no `operationName`, or
 * an `operationName` that names none of them. A client mistake, said as such.
 */
export function operationResolutionMessage(document: DocumentNode, operationName: string | null | undefined): string {
  const names = document.definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? '(anonymous)'] : [],
  );
  const listed = names.slice(0, MAX_NAMES_SHOWN).map(shown).join(', ') + (names.length > MAX_NAMES_SHOWN ? ', …' : '');
  if (operationName) {
    return `No operation named ${shown(operationName)} in the document; operationName must name one of its operations (${listed}).`;
  }
  return `The document holds ${names.length} operations (${listed}); say which one to run with operationName.`;
}

/**
 * Refuses a request whose operation cannot be chosen with 400 OPERATION_RESOLUTION_FAILURE,
 * and a subscription sent as a plain request with 400 BAD_REQUEST, before anything runs. Without it the gateway's executor throws on the missing operation and
 * the client gets a 500 for its own mistake.
 */
export function useOperationResolution(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation?.operation === 'subscription') {
            // Subscriptions have a transport of their own; the query executor cannot run them.
            throw requestError(
              GatewayErrorCode.BAD_REQUEST,
              'Subscriptions are served over graphql-ws (graphql-transport-ws on /graphql) or over SSE (Accept: text/event-stream), not as a plain HTTP request.',
              400,
            );
          }
          if (operation) return;
          throw requestError(
            GatewayErrorCode.OPERATION_RESOLUTION_FAILURE,
            operationResolutionMessage(document, request.operationName),
            400,
          );
        },
      };
    },
  };
}
