import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The consumer runtime's Prometheus metrics; every series carries the consumer group. */
export interface ConsumerMetrics {
  readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  readonly processed: Counter<'group' | 'topic'>;
  readonly rejected: Counter<'group' | 'topic' | 'code'>;
  readonly deadLettered: Counter<'group' | 'topic' | 'code'>;
  readonly retries: Counter<'group' | 'topic'>;
  readonly processingSeconds: Histogram<'group' | 'topic'>;
}

/**
 * Registers the metrics once per registry: several consumers of one process (the three
 * writers, say) share the series and tell themselves apart by the `group` label.
 */
export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    lag:
      existing<Gauge<'group' | 'topic' | 'partition'>>('consumer_lag') ??
      new Gauge({
        name: 'consumer_lag',
        help: 'Records in a partition not yet processed by the group: high watermark minus the next offset to process.',
        labelNames: ['group', 'topic', 'partition'],
        registers: [registry],
      }),
    processed:
      existing<Counter<'group' | 'topic'>>('messages_processed_total') ??
      new Counter({
        name: 'messages_processed_total',
        help: 'Records fully handled (applied, rejected or dead-lettered) and released for commit.',
        labelNames: ['group', 'topic'],
        registers: [registry],
      }),
    rejected:
      existing<Counter<'group' | 'topic' | 'code'>>('messages_rejected_total') ??
      new Counter({
        name: 'messages_rejected_total',
        help: 'Commands the handler rejected by a domain rule, by reason code.',
        labelNames: ['group', 'topic', 'code'],
        registers: [registry],
      }),
    deadLettered:
      existing<Counter<'group' | 'topic' | 'code'>>('messages_dead_lettered_total') ??
      new Counter({
        name: 'messages_dead_lettered_total',
        help: 'Poison records published to the dead-letter topic, by reason code.',
        labelNames: ['group', 'topic', 'code'],
        registers: [registry],
      }),
    retries:
      existing<Counter<'group' | 'topic'>>('message_retries_total') ??
      new Counter({
        name: 'message_retries_total',
        help: 'Attempts at a record that failed for a transient reason and were retried after a backoff.',
        labelNames: ['group', 'topic'],
        registers: [registry],
      }),
    processingSeconds:
      existing<Histogram<'group' | 'topic'>>('message_processing_seconds') ??
      new Histogram({
        name: 'message_processing_seconds',
        help: 'Time from the first attempt at a record to its final outcome, retries included.',
        labelNames: ['group', 'topic'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
  };
}
