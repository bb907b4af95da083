import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import type { LiveStream } from './cursor.ts';
import type { DropReason, HubObserver } from './liveHub.ts';

/** What the live subscriptions count, registered once on the process's registry. */
export interface LiveMetrics {
  /** Open live connections by transport (ws, sse). */
  readonly connections: Gauge<'transport'>;
  /** Open subscriptions by stream (feed, engagement). */
  readonly subscriptions: Gauge<'stream'>;
  readonly deliveries: Counter<'stream'>;
  /** Subscriptions the gateway ended itself, by reason (SLOW_CONSUMER, NOT_VISIBLE). */
  readonly drops: Counter<'stream' | 'reason'>;
  /** Subscriptions refused at subscribe time, and connections refused at the caps, by code. */
  readonly refusals: Counter<'code'>;
  /** Connections the gateway ended itself, by transport and reason (TOKEN_EXPIRED, IDLE). */
  readonly endedConnections: Counter<'transport' | 'reason'>;
  /** From the live-updates record's timestamp (the projector's publish) to the send to the client. */
  readonly deliveryLatency: Histogram<'stream'>;
  /** Live-updates records that could not be decoded and were skipped. */
  readonly poisonRecords: Counter<'stream'>;
  readonly deliveryFailures: Counter<'stream'>;
}

export function createLiveMetrics(registry: Registry): LiveMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({
      name: 'gateway_live_connections',
      help: 'Open live connections by transport.',
      labelNames: ['transport'],
      registers,
    }),
    subscriptions: new Gauge({
      name: 'gateway_live_subscriptions',
      help: 'Open live subscriptions by stream.',
      labelNames: ['stream'],
      registers,
    }),
    deliveries: new Counter({
      name: 'gateway_live_deliveries_total',
      help: 'Live events sent to clients, by stream.',
      labelNames: ['stream'],
      registers,
    }),
    drops: new Counter({
      name: 'gateway_live_drops_total',
      help: 'Subscriptions ended by the gateway, by stream and reason.',
      labelNames: ['stream', 'reason'],
      registers,
    }),
    refusals: new Counter({
      name: 'gateway_live_refusals_total',
      help: 'Subscriptions refused when made, and connections refused at the caps, by error code.',
      labelNames: ['code'],
      registers,
    }),
    endedConnections: new Counter({
      name: 'gateway_live_connections_ended_total',
      help: 'Live connections the gateway ended itself, by transport and reason.',
      labelNames: ['transport', 'reason'],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'gateway_live_delivery_latency_seconds',
      help: 'From the live-updates record timestamp to the send to the client.',
      labelNames: ['stream'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    poisonRecords: new Counter({
      name: 'gateway_live_poison_records_total',
      help: 'Live-updates records skipped because they could not be decoded.',
      labelNames: ['stream'],
      registers,
    }),
    deliveryFailures: new Counter({
      name: 'gateway_live_delivery_failures_total',
      help: 'Live events that failed unexpectedly while being resolved or sent.',
      labelNames: ['stream'],
      registers,
    }),
  };
}

/** The hub's observer over these metrics. */
export function hubObserver(metrics: LiveMetrics, onFailure: (error: unknown) => void): HubObserver {
  return {
    delivered(stream: LiveStream, latencyMs: number) {
      metrics.deliveries.inc({ stream });
      metrics.deliveryLatency.observe({ stream }, Math.max(0, latencyMs) / 1000);
    },
    dropped(stream: LiveStream, reason: DropReason) {
      metrics.drops.inc({ stream, reason });
    },
    failed(stream: LiveStream, error: unknown) {
      metrics.deliveryFailures.inc({ stream });
      onFailure(error);
    },
  };
}
