import type { TraceContext } from '@verograph/messaging';

/** What the gateway knows about one request, passed to plugins and to every subgraph fetch. */
export interface GatewayContext {
  /** The verified token's subject; undefined for an anonymous viewer. */
  readonly viewerId: string | undefined;
  /** The gateway's span of the client's trace (continued, or started here). */
  readonly trace: TraceContext;
  /** The client's Idempotency-Key, passed on so a retried mutation publishes one command. */
  readonly idempotencyKey: string | undefined;
  /**
   * Set for live deliveries: the same fetch made for many viewers at once (a post delivered to
   * each of its recipients) goes to the subgraph as one viewer batch instead of one request each.
   */
  readonly viewerBatching?: boolean;
}
