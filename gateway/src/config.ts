import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConfigError, engineAddresses, envReader, readOpsPort, type EnvReader } from '@verograph/service';

import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from './auth/tokenLifetime.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The local HS256 secret; any real deployment sets JWT_SECRET or JWT_JWKS_URL. */
export const LOCAL_JWT_SECRET = 'verograph-local-secret-change-me';
/**
 * The local secret the gateway signs viewer headers with; the subgraphs' local default
 * (packages/subgraph-kit) is the same, so a local stack works with neither variable set.
 */
export const LOCAL_SUBGRAPH_SIGNING_SECRET = 'verograph-local-subgraph-secret';

/** What every token must satisfy, however it is signed. */
interface TokenClaimsPolicy {
  readonly issuer?: string;
  readonly audience?: string;
  /** The longest `exp - iat` accepted (default 24 h); see auth/tokenLifetime.ts. */
  readonly maxLifetimeSeconds?: number;
}

/** How the gateway checks a client's bearer token. */
export type JwtVerification =
  | ({ readonly kind: 'secret'; readonly secret: string } & TokenClaimsPolicy)
  | ({ readonly kind: 'jwks'; readonly jwksUrl: string } & TokenClaimsPolicy);

/** What one request may ask of the gateway before it reaches a subgraph. */
export interface GatewayLimits {
  /** Deepest field nesting, fragments included. */
  readonly maxDepth: number;
  readonly maxAliases: number;
  /** Static cost: each field 1, a list field multiplies its selection by `first` (or the default list size). */
  readonly maxCost: number;
  readonly defaultListSize: number;
  /** A larger request body is refused with 413 before it is parsed. */
  readonly maxBodyBytes: number;
  /** Characters of GraphQL text. */
  readonly maxQueryLength: number;
  /** Lexer tokens: bounds parsing work for text within the length limit. */
  readonly maxTokens: number;
  /** Mutations executing at once; the next is refused with 429 OVERLOADED (src/limits/useMutationAdmission.ts). */
  readonly maxMutationsInFlight: number;
  /** The retry hint (`Retry-After`, `extensions.retryAfterMs`) of an OVERLOADED refusal. */
  readonly overloadedRetryAfterMs: number;
  /** Mutations are refused while the mean event-loop delay exceeds this (src/limits/eventLoopDelay.ts). */
  readonly maxEventLoopDelayMs: number;
}

/** Live subscriptions (graphql-ws and SSE) from the live-updates topics; see src/live/README.md. */
export interface LiveConfig {
  readonly kafkaBrokers: readonly string[];
  readonly feedTopic: string;
  readonly engagementTopic: string;
  /** notification.updates: the notifications projector's live notifications, keyed by recipient. */
  readonly notificationTopic: string;
  /** Start consuming when the gateway starts; otherwise at the first subscription. */
  readonly consumeOnStart: boolean;
  /** How far back a cursor can resume: age, and events kept per partition. */
  readonly windowMs: number;
  readonly windowEventsPerPartition: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly maxSubscriptionsPerViewer: number;
  /** Events waiting for delivery per subscription before the client is dropped as too slow. */
  readonly maxBufferedEvents: number;
  /** Unsent bytes per connection before the client is dropped as too slow. */
  readonly maxBufferedBytes: number;
  /** Largest graphql-ws message a client may send. */
  readonly maxPayloadBytes: number;
  /** A graphql-ws connection must send connection_init within this. */
  readonly initTimeoutMs: number;
  /** SSE keep-alive comment interval. */
  readonly keepAliveMs: number;
  /** Open live connections (graphql-ws and SSE together) from one client address (an IPv6 /64 counts as one). */
  readonly maxConnectionsPerAddress: number;
  /** Open live connections on this instance. */
  readonly maxConnections: number;
  /** An acknowledged graphql-ws connection with no subscription is closed after this. */
  readonly idleTimeoutMs: number;
}

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** GATEWAY_OPS_PORT (or OPS_PORT): /health/live, /health/ready and /metrics, off the public port. */
  readonly opsPort: number;
  readonly supergraphPath: string;
  /** How long the supergraph file must stay still before it is reloaded. */
  readonly supergraphDebounceMs: number;
  readonly introspection: boolean;
  /** "Did you mean …" in error messages: off in production, where it would spell out the schema. */
  readonly suggestions: boolean;
  /** The frontend teams' operations; the trusted-document manifest is built from them. */
  readonly operationsDir: string;
  readonly trustedDocumentsOnly: boolean;
  readonly jwt: JwtVerification;
  readonly subgraphSigningSecret: string;
  /**
   * `<NAME>_SUBGRAPH_URL` (e.g. POSTS_SUBGRAPH_URL), when set, overrides the routing URL the
   * supergraph carries for that subgraph: the same variables `npm run schema -- compose` reads,
   * so a deployment can move a subgraph without recomposing.
   */
  readonly subgraphUrlOverride: (subgraphName: string) => string | undefined;
  readonly subgraphTimeoutMs: number;
  /** A subgraph that does not answer a readiness probe within this is counted as down. */
  readonly readinessTimeoutMs: number;
  readonly limits: GatewayLimits;
  readonly live: LiveConfig;
  readonly entityCache: EntityCacheConfig;
  /**
   * GATEWAY_DIAGNOSTIC_GC=1 (with node --expose-gc): `POST /debug/gc` settles garbage collection and
   * answers the process's memory, for the live benchmark's per-subscriber figures. Off by default.
   */
  readonly diagnosticGc: boolean;
  /**
   * GATEWAY_EXECUTOR: who runs Apollo's query plans and shapes the response. `own`
   * (src/execution/) or `apollo` (@apollo/gateway's executor, the reference and fallback).
   */
  readonly executor: GatewayExecutorKind;
}

export type GatewayExecutorKind = 'own' | 'apollo';

/** The public entity cache (see src/entityCache/publicEntityCache.ts). */
export interface EntityCacheConfig {
  /** GATEWAY_ENTITY_CACHE=false sends every entity fetch to its subgraph. */
  readonly enabled: boolean;
  /** The longest a cached profile is served, even if its invalidation event were missed. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly kafkaBrokers: readonly string[];
  /** Where profile changes are published: `users.events`. */
  readonly invalidationTopic: string;
}

/**
 * Reads the gateway's configuration once, at start-up. Every value has a local default;
 * a bad value stops start-up with a message naming the variable.
 */
export function readGatewayConfig(env: EnvReader = envReader()): GatewayConfig {
  const issuer = env.optional('JWT_ISSUER');
  const audience = env.optional('JWT_AUDIENCE');
  const jwksUrl = env.optional('JWT_JWKS_URL');
  if (jwksUrl !== undefined && !URL.canParse(jwksUrl)) throw new ConfigError(`JWT_JWKS_URL=${jwksUrl} must be a URL`);
  const claims = {
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
    maxLifetimeSeconds: env.int('GATEWAY_JWT_MAX_LIFETIME_SECONDS', DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, { min: 60 }),
  };
  const jwt: JwtVerification = jwksUrl
    ? { kind: 'jwks', jwksUrl, ...claims }
    : { kind: 'secret', secret: env.string('JWT_SECRET', LOCAL_JWT_SECRET), ...claims };
  const subgraphSigningSecret = env.string('SUBGRAPH_SIGNING_SECRET', LOCAL_SUBGRAPH_SIGNING_SECRET);
  const production = env.string('NODE_ENV', 'development') === 'production';
  if (production) {
    // The local secrets are in the repository: in production they would let anyone mint tokens or viewer headers.
    if (jwt.kind === 'secret' && jwt.secret === LOCAL_JWT_SECRET) {
      throw new ConfigError('JWT_SECRET (or JWT_JWKS_URL) must be set in production');
    }
    if (subgraphSigningSecret === LOCAL_SUBGRAPH_SIGNING_SECRET) {
      throw new ConfigError('SUBGRAPH_SIGNING_SECRET must be set to a secret shared with the subgraphs in production');
    }
    // Without them, a token the same identity provider signed for another application would be taken as ours.
    if (!issuer || !audience) {
      throw new ConfigError(
        'JWT_ISSUER and JWT_AUDIENCE must be set in production: tokens are accepted only from that issuer, for that audience',
      );
    }
  }
  return {
    host: env.string('GATEWAY_HOST', '127.0.0.1'),
    port: env.int('GATEWAY_PORT', 4000, { min: 0, max: 65535 }),
    opsPort: readOpsPort(env, 'gateway', 4010),
    supergraphPath: resolve(env.string('GATEWAY_SUPERGRAPH', resolve(repoRoot, 'schema/supergraph.graphql'))),
    supergraphDebounceMs: env.int('GATEWAY_SUPERGRAPH_DEBOUNCE_MS', 200, { min: 0, max: 60_000 }),
    // Both spell out the schema to anyone: on for local work, off in production unless asked for.
    introspection: env.bool('GATEWAY_INTROSPECTION', !production),
    suggestions: env.bool('GATEWAY_SUGGESTIONS', !production),
    operationsDir: resolve(env.string('GATEWAY_OPERATIONS_DIR', resolve(repoRoot, 'schema/operations'))),
    trustedDocumentsOnly: env.bool('GATEWAY_TRUSTED_DOCUMENTS_ONLY', false),
    jwt,
    subgraphSigningSecret,
    subgraphUrlOverride: (subgraphName) => {
      const name = `${subgraphName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SUBGRAPH_URL`;
      const url = env.optional(name);
      if (url !== undefined && !URL.canParse(url)) throw new ConfigError(`${name}=${url} must be a URL`);
      return url;
    },
    subgraphTimeoutMs: env.int('SUBGRAPH_TIMEOUT_MS', 5000, { min: 1, max: 300_000 }),
    readinessTimeoutMs: env.int('GATEWAY_READINESS_TIMEOUT_MS', 2000, { min: 1, max: 60_000 }),
    limits: {
      maxDepth: env.int('GATEWAY_MAX_DEPTH', 12, { min: 1 }),
      maxAliases: env.int('GATEWAY_MAX_ALIASES', 30, { min: 0 }),
      maxCost: env.int('GATEWAY_MAX_COST', 5000, { min: 1 }),
      defaultListSize: env.int('GATEWAY_DEFAULT_LIST_SIZE', 20, { min: 1 }),
      maxBodyBytes: env.int('GATEWAY_MAX_BODY_BYTES', 100 * 1024, { min: 1024 }),
      maxQueryLength: env.int('GATEWAY_MAX_QUERY_LENGTH', 20_000, { min: 100 }),
      maxTokens: env.int('GATEWAY_MAX_TOKENS', 5_000, { min: 100 }),
      maxMutationsInFlight: env.int('GATEWAY_MAX_MUTATIONS_IN_FLIGHT', 1_000, { min: 1 }),
      overloadedRetryAfterMs: env.int('GATEWAY_OVERLOADED_RETRY_AFTER_MS', 1_000, { min: 0, max: 60_000 }),
      maxEventLoopDelayMs: env.int('GATEWAY_MAX_EVENT_LOOP_DELAY_MS', 1_000, { min: 1 }),
    },
    live: {
      kafkaBrokers: engineAddresses(env).kafkaBrokers,
      feedTopic: env.string('GATEWAY_LIVE_FEED_TOPIC', 'feed.updates'),
      engagementTopic: env.string('GATEWAY_LIVE_ENGAGEMENT_TOPIC', 'engagement.updates'),
      notificationTopic: env.string('GATEWAY_LIVE_NOTIFICATION_TOPIC', 'notification.updates'),
      consumeOnStart: env.bool('GATEWAY_LIVE_CONSUME_ON_START', true),
      windowMs: env.int('GATEWAY_LIVE_WINDOW_MS', 10 * 60_000, { min: 0 }),
      windowEventsPerPartition: env.int('GATEWAY_LIVE_WINDOW_EVENTS', 5_000, { min: 0 }),
      maxSubscriptionsPerConnection: env.int('GATEWAY_LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, { min: 1 }),
      maxSubscriptionsPerViewer: env.int('GATEWAY_LIVE_MAX_SUBSCRIPTIONS_PER_VIEWER', 200, { min: 1 }),
      maxBufferedEvents: env.int('GATEWAY_LIVE_MAX_BUFFERED_EVENTS', 64, { min: 1 }),
      maxBufferedBytes: env.int('GATEWAY_LIVE_MAX_BUFFERED_BYTES', 256 * 1024, { min: 1024 }),
      maxPayloadBytes: env.int('GATEWAY_LIVE_MAX_PAYLOAD_BYTES', 64 * 1024, { min: 1024 }),
      initTimeoutMs: env.int('GATEWAY_LIVE_INIT_TIMEOUT_MS', 10_000, { min: 100 }),
      keepAliveMs: env.int('GATEWAY_LIVE_KEEPALIVE_MS', 15_000, { min: 100 }),
      maxConnectionsPerAddress: env.int('GATEWAY_LIVE_MAX_CONNECTIONS_PER_ADDRESS', 100, { min: 1 }),
      maxConnections: env.int('GATEWAY_LIVE_MAX_CONNECTIONS', 20_000, { min: 1 }),
      idleTimeoutMs: env.int('GATEWAY_LIVE_IDLE_TIMEOUT_MS', 30_000, { min: 100 }),
    },
    entityCache: {
      enabled: env.bool('GATEWAY_ENTITY_CACHE', true),
      ttlMs: env.int('GATEWAY_ENTITY_CACHE_TTL_MS', 5_000, { min: 1, max: 60_000 }),
      maxEntries: env.int('GATEWAY_ENTITY_CACHE_MAX_ENTRIES', 50_000, { min: 1 }),
      kafkaBrokers: engineAddresses(env).kafkaBrokers,
      invalidationTopic: env.string('GATEWAY_ENTITY_CACHE_TOPIC', 'users.events'),
    },
    diagnosticGc: env.bool('GATEWAY_DIAGNOSTIC_GC', false),
    executor: executorKind(env.string('GATEWAY_EXECUTOR', 'own')),
  };
}

function executorKind(value: string): GatewayExecutorKind {
  if (value === 'own' || value === 'apollo') return value;
  throw new ConfigError(`GATEWAY_EXECUTOR must be "own" or "apollo", not "${value}"`);
}
