import { continueTrace } from '@verograph/messaging';
import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';

import { encodeCursor } from './cursor.ts';
import type { FederatedExecutor } from './federatedExecutor.ts';
import type { LiveValue } from './kafkaLiveSource.ts';
import { LiveErrorCode } from './liveErrorCode.ts';
import type { DropReason, LiveHub, LiveSubscription, SubscriptionSink } from './liveHub.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { ACTOR_ID_VARIABLE, HAS_POST_VARIABLE, POST_ID_VARIABLE, VISIBLE_KEY, type LivePlan } from './livePlan.ts';
import { liveResult } from './liveResult.ts';
import type { LiveOperationSink } from './liveService.ts';
import type { LiveRecord } from './replayWindow.ts';

/** Errors as a client may see them, paths under `prefix` when given (liveService masks them). */
export type FormatErrors = (
  errors: readonly (GraphQLError | GraphQLFormattedError)[] | undefined,
  prefix?: string,
) => GraphQLFormattedError[];

/** A subscription document with its variables, validated and planned once for all who send it. */
export interface Prepared {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly variablesKey: string;
  readonly plan: LivePlan & { readonly hash: string };
}

/** What every Delivery shares: the service's functions, so a subscription carries no closures. */
export interface DeliveryCore {
  deliver(delivery: Delivery, record: LiveRecord<LiveValue>): Promise<boolean>;
  stop(delivery: Delivery): void;
  dropped(delivery: Delivery, reason: DropReason): void;
}

/** One subscription's delivery state: four references; the behaviour lives on the prototype and in the core. */
export class Delivery implements SubscriptionSink<LiveValue> {
  subscription!: LiveSubscription<LiveValue>;
  constructor(
    private readonly core: DeliveryCore,
    readonly prepared: Prepared,
    readonly viewerId: string | undefined,
    readonly out: LiveOperationSink,
  ) {}
  deliver(record: LiveRecord<LiveValue>): Promise<boolean> {
    return this.core.deliver(this, record);
  }
  unsentBytes(): number {
    return this.out.unsentBytes();
  }
  drop(reason: DropReason): void {
    this.core.dropped(this, reason);
  }
  stop(): void {
    this.core.stop(this);
  }
}

/**
 * What happens to each record a subscription receives: the derived federated query as the
 * viewer (one execution shared by identical subscriptions), the audience check, and the result
 * shaped from the event's fields and the derived data.
 */
export function createDeliveryCore({
  hub,
  executor,
  metrics,
  format,
}: {
  readonly hub: LiveHub<LiveValue>;
  readonly executor: FederatedExecutor;
  readonly metrics: LiveMetrics;
  readonly format: FormatErrors;
}): DeliveryCore {
  /** One federated execution per (derived query, variables, viewer, record), shared by identical subscriptions. */
  const inFlight = new Map<string, Promise<ExecutionResult>>();
  const federated = (coalesceKey: string, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> => {
    let pending = inFlight.get(coalesceKey);
    if (!pending) {
      pending = run().finally(() => inFlight.delete(coalesceKey));
      inFlight.set(coalesceKey, pending);
    }
    return pending;
  };

  return {
    async deliver(delivery, record) {
      const { prepared: query, viewerId, out } = delivery;
      const { plan, variables } = query;
      const stream = plan.stream;
      const value = record.value;
      const cursor = encodeCursor({ stream, partition: record.partition, offset: record.offset });
      const fields = eventFields(value, cursor);
      const hasPost = value.postId !== '';
      let derived: ExecutionResult | undefined;
      if (!(value.stream === 'feed' && value.kind === 'POST_REMOVED')) {
        derived = await federated(
          `${plan.hash}|${query.variablesKey}|${viewerId ?? ''}|${stream}|${record.partition}:${record.offset}`,
          () =>
            executor.execute({
              document: plan.derived,
              source: plan.derivedSource,
              hash: plan.hash,
              variables: {
                ...variables,
                [POST_ID_VARIABLE]: value.postId,
                ...(value.stream === 'notification'
                  ? { [HAS_POST_VARIABLE]: hasPost, [ACTOR_ID_VARIABLE]: value.actorId }
                  : {}),
              },
              // The delivery is a span of the trace that began with the mutation (writer, projector, here).
              context: {
                viewerId,
                trace: continueTrace(record.traceparent),
                idempotencyKey: undefined,
                viewerBatching: true,
              },
            }),
        );
        if (delivery.subscription.closed) return false;
        // A notification about no post has no probe: nothing of it depends on an audience.
        if (!derived.data?.[VISIBLE_KEY] && (value.stream !== 'notification' || hasPost)) {
          if (derived.errors?.length) {
            // The audience could not be checked (a subgraph failed): say so, send nothing of the post.
            out.next({ errors: format(derived.errors) });
            return true;
          }
          // The feed and notifications go on without the post; a post's engagement stream ends.
          if (stream === 'feed' || stream === 'notification') return false;
          delivery.stop();
          metrics.drops.inc({ stream, reason: 'NOT_VISIBLE' });
          out.next({
            data: null,
            errors: [
              {
                message: `Post ${value.postId} is no longer visible to you.`,
                extensions: { code: LiveErrorCode.POST_NOT_FOUND },
              },
            ],
          });
          out.complete();
          return false;
        }
      }
      const result = liveResult(query.schema, query.document, query.operationName, variables, {
        fields,
        derived: (derived?.data as Record<string, unknown> | undefined) ?? null,
      });
      const errors = [
        ...format(result.errors),
        ...format(
          derived?.errors?.filter((error) => error.path?.[0] !== VISIBLE_KEY),
          plan.rootKey,
        ),
      ];
      out.next(errors.length > 0 ? { data: result.data ?? null, errors } : { data: result.data ?? null }, cursor);
      return true;
    },
    stop(delivery) {
      const { subscription } = delivery;
      if (subscription.closed) return;
      hub.remove(subscription);
      metrics.subscriptions.dec({ stream: subscription.stream });
    },
    dropped(delivery, reason) {
      metrics.subscriptions.dec({ stream: delivery.subscription.stream });
      delivery.out.drop(reason);
    },
  };
}

/** The event's own fields of the live type, by the names the client contract gives them. */
function eventFields(value: LiveValue, cursor: string): Record<string, unknown> {
  switch (value.stream) {
    case 'feed':
      return { kind: value.kind, postId: value.postId, cursor };
    case 'engagement':
      return { postId: value.postId, loveCount: value.loveCount, commentCount: value.commentCount, cursor };
    case 'notification':
      return {
        id: value.notificationId,
        kind: value.kind,
        occurredAt: value.occurredAt.toISOString(),
        cursor,
      };
  }
}
