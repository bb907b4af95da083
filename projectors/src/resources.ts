import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { MessageProducer } from '@verograph/messaging';
import { coalesceSends, createKafka, createProducer, producerWhenConnected } from '@verograph/messaging';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import pg from 'pg';

import { createCassandraClient } from './cassandra/cassandraClient.ts';
import type { ProjectorsConfig } from './config.ts';
import type { ProjectorName } from './consumer/projector.ts';

/** The engine clients a set of projectors needs; only those are opened. */
export interface Resources {
  readonly kafka: Kafka;
  readonly cassandra?: cassandra.Client;
  readonly elasticsearch?: ElasticsearchClient;
  readonly postgres?: pg.Pool;
  readonly producer?: MessageProducer;
  /** Settles once the clients that connect eagerly (the producer) have; rejects if one cannot. */
  readonly connected: Promise<void>;
  close(): Promise<void>;
}

/** What uses the engines: the event projectors, and the insights projector beside them. */
export type ResourceUser = ProjectorName | 'insights';

const needs = {
  cassandra: ['feeds', 'counters', 'live', 'notifications', 'insights'],
  elasticsearch: ['search'],
  postgres: ['collections'],
  producer: ['feeds', 'live', 'notifications'],
} satisfies Record<string, ResourceUser[]>;

export function openResources(config: ProjectorsConfig, names: readonly ResourceUser[], clientId: string): Resources {
  const wants = (engine: keyof typeof needs) => names.some((n) => (needs[engine] as ResourceUser[]).includes(n));
  const kafka = createKafka(clientId, config.engines.kafkaBrokers, config.engines.kafkaCredentials);
  // Connected on first use, so an engine that is down stalls (and retries) only its projectors.
  const cassandraClient = wants('cassandra')
    ? createCassandraClient({
        contactPoints: config.engines.cassandraContactPoints,
        localDataCenter: config.engines.cassandraDataCenter,
        keyspace: config.engines.cassandraKeyspace,
        credentials: config.engines.cassandraCredentials,
      })
    : undefined;
  const elasticsearch = wants('elasticsearch')
    ? new ElasticsearchClient({ node: config.engines.elasticsearchUrl })
    : undefined;
  const postgres = wants('postgres')
    ? new pg.Pool({ connectionString: config.engines.postgresUrl, max: 8 })
    : undefined;
  // An idle connection that PostgreSQL drops (a restart) emits 'error' on the pool, which
  // would end the process unhandled; pg-pool has already discarded it, and the next query
  // meets the outage itself, fails, and is retried and logged by its consumer.
  postgres?.on('error', () => undefined);
  // Shared by every partition of the feeds and live consumers: their sends go out together.
  // It connects beside the consumer groups' start-up; `connected` settles with it.
  const producerConnected = wants('producer') ? createProducer(kafka).then(coalesceSends) : undefined;
  const producer = producerConnected && producerWhenConnected(producerConnected);
  return {
    kafka,
    connected: producerConnected?.then(() => undefined) ?? Promise.resolve(),
    cassandra: cassandraClient,
    elasticsearch,
    postgres,
    producer,
    async close() {
      await producer?.disconnect().catch(() => undefined);
      await cassandraClient?.shutdown().catch(() => undefined);
      await elasticsearch?.close().catch(() => undefined);
      await postgres?.end().catch(() => undefined);
    },
  };
}
