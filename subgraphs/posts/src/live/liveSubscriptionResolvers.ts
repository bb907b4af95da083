import { DomainError } from '@verograph/domain';

const servedByGateway = (): never => {
  throw new DomainError(
    'FORBIDDEN',
    'Subscriptions are served by the gateway (graphql-ws or SSE at /graphql), not by the posts subgraph.',
  );
};

/**
 * The posts subgraph declares Subscription so it composes into the API schema, but the gateway
 * executes it from the live-updates topics; a subscription sent here directly is refused with a code.
 */
export const liveSubscriptionResolvers = {
  Subscription: {
    feedUpdated: servedByGateway,
    postEngagement: servedByGateway,
  },
};
