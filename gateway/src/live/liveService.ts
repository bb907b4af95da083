import type { ApolloServer } from '@apollo/server';
import { continueTrace, type TraceContext } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

import type { GatewayLimits } from '../config.ts';
import { GatewayErrorCode, maskError, maskErrorWithoutSuggestions } from '../errors/gatewayErrors.ts';
import { operationLimitRefusal, queryLengthRefusal, type LimitRefusal } from '../limits/operationLimits.ts';
import { operationOf } from '../limits/operationWalk.ts';
import type { GatewayContext } from '../observability/gatewayContext.ts';
import { resolveDocument, type GraphQLParams, type TrustedDocuments } from '../persisted/trustedDocuments.ts';
import { decodeCursor, type LiveCursor, type LiveStream } from './cursor.ts';
import { queryHash, type FederatedExecutor } from './federatedExecutor.ts';
import { createDeliveryCore, Delivery, type Prepared } from './liveDelivery.ts';
import { LiveErrorCode } from './liveErrorCode.ts';
import type { DropReason, LiveHub } from './liveHub.ts';
import type { LiveMetrics } from './liveMetrics.ts';
import { planSubscription, POST_ID_VARIABLE, VISIBLE_KEY, type LivePlan } from './livePlan.ts';
import type { LiveSource, LiveValue } from './kafkaLiveSource.ts';
import type { LiveRecord } from './replayWindow.ts';

export { LiveErrorCode } from './liveErrorCode.ts';

/** Where a transport sends what one operation produces. */
export interface LiveOperationSink {
  /** One result; `cursor` is the event's (SSE sends it as the event id). */
  next(result: FormattedExecutionResult, cursor?: string): void;
  /** The server ended the operation (after a final `next` with errors, e.g. the post is no longer visible). */
  complete(): void;
  unsentBytes(): number;
  /** The client is too far behind: the transport ends its connection with the reason's code. */
  drop(reason: DropReason): void;
}

export type StartOutcome =
  | { readonly kind: 'refused'; readonly errors: readonly GraphQLFormattedError[] }
  | { readonly kind: 'single'; readonly result: FormattedExecutionResult }
  | { readonly kind: 'subscribed'; readonly subscription: { stop(): void } };

export interface StartRequest {
  readonly params: GraphQLParams;
  readonly viewerId: string | undefined;
  readonly traceparent?: string | undefined;
  /** SSE's Last-Event-ID: wins over the `after` argument. */
  readonly lastEventId?: string | undefined;
  readonly sink: LiveOperationSink;
}

export interface LiveService {
  /** Checks, plans and registers one operation (queries and mutations run once through Apollo Server). */
  start(request: StartRequest): Promise<StartOutcome>;
  readonly hub: LiveHub<LiveValue>;
}

export interface LiveServiceOptions {
  readonly hub: LiveHub<LiveValue>;
  readonly source: LiveSource;
  readonly executor: FederatedExecutor;
  readonly apollo: ApolloServer<GatewayContext>;
  readonly documents: TrustedDocuments;
  readonly trustedDocumentsOnly: boolean;
  readonly limits: GatewayLimits;
  /** GATEWAY_INTROSPECTION: when off, `__schema` is not walked to price it (it is refused anyway). */
  readonly introspection: boolean;
  /** GATEWAY_SUGGESTIONS: false strips "Did you mean …" from errors, as on queries. */
  readonly suggestions: boolean;
  readonly metrics: LiveMetrics;
  readonly logger: Logger;
  /** How far back cursors reach, for the CURSOR_EXPIRED message. */
  readonly windowMs: number;
}

/** A parsed, validated document, kept per text so a thousand identical subscriptions parse once. */
interface Checked {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly errors: readonly GraphQLFormattedError[];
}

const MAX_CHECKED = 500;

function refused(code: string, message: string, extra: Record<string, unknown> = {}): StartOutcome {
  return { kind: 'refused', errors: [{ message, extensions: { ...extra, code } }] };
}

/** A limit's refusal in the very words and extensions the HTTP path gives it (limits/operationLimits.ts). */
function overLimit({ code, message, limit, actual }: LimitRefusal): StartOutcome {
  return refused(code, message, { limit, actual });
}

/** What a client whose cursor expired refetches before it subscribes again. */
const REFETCH: Record<LiveStream, string> = {
  feed: 'the feed',
  engagement: 'the post',
  notification: 'your notifications',
};

const VISIBILITY_SOURCE = `query LivePostVisible($${POST_ID_VARIABLE}: ID!) { ${VISIBLE_KEY}: post(id: $${POST_ID_VARIABLE}) { id } }`;
const VISIBILITY_DOCUMENT = parse(VISIBILITY_SOURCE);
const VISIBILITY_HASH = queryHash(VISIBILITY_SOURCE);

/**
 * The transport-independent core of live subscriptions: the same document rules as queries
 * (trusted documents, length, tokens, validation, depth, aliases, cost), the cursor, the
 * audience check at subscribe time, and per event the derived federated query as the viewer.
 */
export function createLiveService(options: LiveServiceOptions): LiveService {
  const { hub, source, executor, apollo, documents, trustedDocumentsOnly, limits, metrics, logger } = options;
  const checked = new Map<string, Checked>();
  const plans = new WeakMap<DocumentNode, Map<string, LivePlan & { readonly hash: string }>>();
  const check = (schema: GraphQLSchema, text: string): Checked => {
    const cached = checked.get(text);
    if (cached && cached.schema === schema) return cached;
    let result: Checked;
    try {
      const document = parse(text, { maxTokens: limits.maxTokens });
      const errors = validate(schema, document).map((error) => ({
        ...error.toJSON(),
        extensions: { code: LiveErrorCode.GRAPHQL_VALIDATION_FAILED },
      }));
      result = { schema, document, errors };
    } catch (error) {
      const message = error instanceof GraphQLError ? error.message : 'The document could not be parsed.';
      result = {
        schema,
        document: { kind: 'Document', definitions: [] } as unknown as DocumentNode,
        errors: [{ message, extensions: { code: LiveErrorCode.GRAPHQL_PARSE_FAILED } }],
      };
    }
    if (checked.size >= MAX_CHECKED) checked.clear();
    checked.set(text, result);
    return result;
  };

  const planFor = (document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) => {
    // Directives can depend on variables, so the plan is per document and variables.
    const key = JSON.stringify(variables);
    let byVariables = plans.get(document);
    if (!byVariables) plans.set(document, (byVariables = new Map()));
    let plan = byVariables.get(key);
    if (!plan) {
      const planned = planSubscription(document, operation, variables);
      if (!planned) return undefined;
      plan = { ...planned, hash: queryHash(planned.derivedSource) };
      if (byVariables.size < 100) byVariables.set(key, plan);
    }
    return plan;
  };

  const mask = options.suggestions ? maskError : maskErrorWithoutSuggestions;
  const format = (errors: readonly (GraphQLError | GraphQLFormattedError)[] | undefined, prefix?: string) =>
    (errors ?? []).map((error) => {
      const formatted = error instanceof GraphQLError ? error.toJSON() : error;
      const path = prefix !== undefined && formatted.path ? [prefix, ...formatted.path] : formatted.path;
      return mask({ ...formatted, ...(path ? { path } : {}) });
    });

  const start = async ({ params, viewerId, traceparent, lastEventId, sink }: StartRequest): Promise<StartOutcome> => {
    const resolved = resolveDocument(params, documents, { trustedOnly: trustedDocumentsOnly });
    if (!resolved.ok) return refused(resolved.code, resolved.message);
    const text = resolved.params.query;
    if (typeof text !== 'string' || text === '')
      return refused(GatewayErrorCode.BAD_REQUEST, 'The request has no query.');
    const tooLong = queryLengthRefusal(text, limits);
    // As over HTTP, where the length refusal carries no figures (it comes before Apollo Server).
    if (tooLong) return refused(tooLong.code, tooLong.message);
    const schema = executor.schema();
    if (!schema) return refused(LiveErrorCode.LIVE_UPDATES_UNAVAILABLE, 'The gateway is starting; try again shortly.');
    const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
    const inputs = (
      typeof params.variables === 'object' && params.variables !== null ? params.variables : {}
    ) as Record<string, unknown>;
    const trace: TraceContext = continueTrace(traceparent);
    const context: GatewayContext = { viewerId, trace, idempotencyKey: undefined };

    const { document, errors } = check(schema, text);
    if (errors.length > 0) return { kind: 'refused', errors };
    const operation = operationOf(document, operationName);
    if (!operation) {
      return refused(
        GatewayErrorCode.BAD_REQUEST,
        operationName
          ? `The document has no operation named ${operationName}.`
          : 'Name the operation to run (operationName).',
      );
    }
    if (operation.operation !== 'subscription') {
      // Queries and mutations over a live transport take Apollo Server's ordinary path, plugins and all.
      const response = await apollo.executeOperation(
        { query: text, variables: inputs, ...(operationName ? { operationName } : {}) },
        { contextValue: context },
      );
      const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
      return { kind: 'single', result };
    }

    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, { maxErrors: 10 });
    if (coerced.errors) {
      return {
        kind: 'refused',
        errors: coerced.errors.map((error) => ({
          ...error.toJSON(),
          extensions: { code: LiveErrorCode.BAD_USER_INPUT },
        })),
      };
    }
    const variables = coerced.coerced;
    const refusal = operationLimitRefusal(schema, document, operation, {
      limits,
      variables,
      introspection: options.introspection,
    });
    if (refusal) return overLimit(refusal);
    const plan = planFor(document, operation, variables);
    if (!plan) return refused(GatewayErrorCode.BAD_REQUEST, 'The subscription selects no live field.');
    const fieldDefinition = schema.getSubscriptionType()?.getFields()[plan.rootField];
    if (!fieldDefinition) return refused(GatewayErrorCode.BAD_REQUEST, `No subscription field ${plan.rootField}.`);
    const args = getArgumentValues(fieldDefinition, plan.rootFieldNode, variables);

    let key: string;
    if (plan.stream === 'feed' || plan.stream === 'notification') {
      if (viewerId === undefined) {
        return refused(
          GatewayErrorCode.UNAUTHENTICATED,
          `${plan.rootField} follows your own ${plan.stream === 'feed' ? 'feed' : 'notifications'}: sign in (send a bearer token).`,
        );
      }
      key = viewerId;
    } else {
      key = String(args.postId);
    }
    const cursorText = lastEventId ?? (typeof args.after === 'string' ? args.after : undefined);
    let after: LiveCursor | undefined;
    if (cursorText !== undefined && cursorText !== '') {
      after = decodeCursor(cursorText, plan.stream);
      if (!after) {
        return refused(
          LiveErrorCode.BAD_USER_INPUT,
          `The cursor ${JSON.stringify(cursorText.slice(0, 64))} is not a ${plan.rootField} cursor from this gateway; subscribe without one.`,
        );
      }
    }

    if (plan.stream === 'engagement') {
      const visible = await executor.execute({
        document: VISIBILITY_DOCUMENT,
        source: VISIBILITY_SOURCE,
        hash: VISIBILITY_HASH,
        variables: { [POST_ID_VARIABLE]: key },
        context,
      });
      if (visible.errors?.length) return { kind: 'refused', errors: format(visible.errors) };
      if (!visible.data?.[VISIBLE_KEY]) {
        return refused(LiveErrorCode.POST_NOT_FOUND, `No post ${key} that you may see.`);
      }
    }

    try {
      await source.ensureStarted();
    } catch (error) {
      logger.error({ err: error }, 'live updates are unavailable');
      return refused(
        LiveErrorCode.LIVE_UPDATES_UNAVAILABLE,
        'Live updates are unavailable right now; try again later.',
      );
    }
    let replay: readonly LiveRecord<LiveValue>[] = [];
    if (after) {
      const since = source.window(plan.stream).since(after.partition, after.offset, key);
      if (!since.ok) {
        return refused(
          LiveErrorCode.CURSOR_EXPIRED,
          `The cursor is older than the ${Math.round(options.windowMs / 60_000)} minutes of updates this gateway keeps: refetch ${REFETCH[plan.stream]}, then subscribe again without a cursor.`,
        );
      }
      replay = since.records;
    }

    const prepared = preparedFor(schema, document, text, operationName, variables, plan);
    const delivery = new Delivery(core, prepared, viewerId, sink);
    const subscription = hub.subscription({ stream: plan.stream, key, viewerId, after, sink: delivery });
    delivery.subscription = subscription;
    const added = hub.add(subscription, replay);
    if (!added.ok) return refused(added.code, added.message);
    metrics.subscriptions.inc({ stream: plan.stream });
    return { kind: 'subscribed', subscription: delivery };
  };

  /** Shared by every subscription with the same document and variables: a subscription holds a reference, not a copy. */
  const prepared = new Map<string, Prepared>();
  const preparedFor = (
    schema: GraphQLSchema,
    document: DocumentNode,
    text: string,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    plan: LivePlan & { readonly hash: string },
  ): Prepared => {
    const variablesKey = JSON.stringify(variables);
    const cacheKey = `${text}\u0000${operationName ?? ''}\u0000${variablesKey}`;
    const cached = prepared.get(cacheKey);
    if (cached && cached.schema === schema) return cached;
    const made: Prepared = { schema, document, operationName, variables, variablesKey, plan };
    if (prepared.size >= MAX_CHECKED) prepared.clear();
    prepared.set(cacheKey, made);
    return made;
  };

  const core = createDeliveryCore({ hub, executor, metrics, format });

  return {
    hub,
    async start(request) {
      const outcome = await start(request);
      if (outcome.kind === 'refused') {
        for (const error of outcome.errors) metrics.refusals.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
      }
      return outcome;
    },
  };
}
