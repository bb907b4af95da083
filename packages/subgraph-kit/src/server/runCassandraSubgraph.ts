import { createKafka, createProducer, type MessageProducer } from '@verograph/messaging';
import { createLogger, createMetricsRegistry, envReader, type EnvReader, type Logger } from '@verograph/service';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';

import type { MutationLimits } from '../commands/admission.ts';
import { lazyProducer } from '../commands/lazyProducer.ts';
import { commandChannel, startOutcomeListener } from '../commands/outcomeListener.ts';
import { readSubgraphConfig } from '../config.ts';
import { createCassandraClient } from '../store/cassandra.ts';
import type { SubgraphServer } from './createSubgraphServer.ts';

/** What a Cassandra-backed subgraph's start function is given by its composition root. */
export interface CassandraSubgraphDependencies {
  readonly cassandra: cassandra.Client;
  /** The Kafka client the producer uses, for whatever else the subgraph consumes. */
  readonly kafka: Kafka;
  readonly producer: MessageProducer;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly port: number;
  readonly opsPort: number;
  readonly host: string;
  readonly signingSecret: string;
  readonly mutationWaitMs: number;
  /** Admission control of the command bus (`readMutationLimits`). */
  readonly mutationLimits: MutationLimits;
}

/**
 * The composition root shared by the subgraphs that read Cassandra and publish commands:
 * reads the configuration once, builds the clients, starts serving, and shuts down cleanly on
 * SIGTERM or SIGINT. A start-up failure is logged with its reason and exits non-zero.
 */
export function runCassandraSubgraph(options: {
  readonly name: string;
  readonly defaultPort: number;
  readonly start: (dependencies: CassandraSubgraphDependencies) => Promise<SubgraphServer>;
}): void {
  runSubgraph(
    options.name,
    async ({ service, logger, config, client }) => {
      const kafka = createKafka(service, config.engines.kafkaBrokers, config.engines.kafkaCredentials);
      // The producer hears its commands' outcomes too, so a waiting mutation reads nothing.
      const producer = commandChannel(
        lazyProducer(() => createProducer(kafka), logger),
        startOutcomeListener({ kafka, service, logger, maxWaiting: config.mutationLimits.maxWaiting }),
      );
      const server = await options.start({
        ...served({ service, logger, config, client }),
        kafka,
        producer,
        mutationWaitMs: config.mutationWaitMs,
        mutationLimits: config.mutationLimits,
      });
      return { server, closeAlso: () => producer.disconnect() };
    },
    options.defaultPort,
  );
}

/** What a read-only Cassandra subgraph (no commands, no Kafka) is given by its composition root. */
export interface ReadOnlyCassandraSubgraphDependencies extends Omit<
  CassandraSubgraphDependencies,
  'kafka' | 'producer' | 'mutationWaitMs' | 'mutationLimits'
> {
  /** The other engines' addresses, for a subgraph that also reads one of them (search: Elasticsearch). */
  readonly engines: ReturnType<typeof readSubgraphConfig>['engines'];
  /** Its own settings beyond the shared ones (search: its indices and timeout). */
  readonly env: EnvReader;
}

/** `runCassandraSubgraph` for a subgraph that only reads Cassandra: it signs in to no Kafka. */
export function runReadOnlyCassandraSubgraph(options: {
  readonly name: string;
  readonly defaultPort: number;
  readonly start: (dependencies: ReadOnlyCassandraSubgraphDependencies) => Promise<SubgraphServer>;
}): void {
  runSubgraph(
    options.name,
    async ({ service, logger, config, client, env }) => ({
      server: await options.start({
        ...served({ service, logger, config, client }),
        engines: config.engines,
        env,
      }),
    }),
    options.defaultPort,
  );
}

/** What every Cassandra subgraph is given, read or write: its client, logger, metrics and addresses. */
function served(context: {
  readonly service: string;
  readonly logger: Logger;
  readonly config: ReturnType<typeof readSubgraphConfig>;
  readonly client: cassandra.Client;
}): Omit<ReadOnlyCassandraSubgraphDependencies, 'engines' | 'env'> {
  const { service, logger, config, client } = context;
  return {
    cassandra: client,
    logger,
    metrics: createMetricsRegistry(service),
    port: config.port,
    opsPort: config.opsPort,
    host: config.host,
    signingSecret: config.signingSecret,
  };
}

/**
 * The part every Cassandra subgraph's composition root shares: reads the configuration once,
 * builds the Cassandra client, lets `serve` start the server, shuts down cleanly on SIGTERM or
 * SIGINT, and logs a start-up failure with its reason before exiting non-zero.
 */
function runSubgraph(
  name: string,
  serve: (context: {
    readonly service: string;
    readonly logger: Logger;
    readonly config: ReturnType<typeof readSubgraphConfig>;
    readonly client: cassandra.Client;
    readonly env: EnvReader;
  }) => Promise<{ readonly server: SubgraphServer; readonly closeAlso?: () => Promise<void> }>,
  defaultPort: number,
): void {
  const service = `${name}-subgraph`;
  const logger = createLogger(service);
  const main = async () => {
    const env = envReader();
    const config = readSubgraphConfig(env, { name, defaultPort });
    const client = createCassandraClient(
      {
        contactPoints: config.engines.cassandraContactPoints,
        localDataCenter: config.engines.cassandraDataCenter,
        keyspace: config.engines.cassandraKeyspace,
        credentials: config.engines.cassandraCredentials,
      },
      service,
    );
    // Not awaited: the subgraph serves (and reports not ready) while Cassandra comes up; the
    // driver connects on the first query.
    client.connect().catch((error: unknown) => logger.warn({ err: error }, 'Cassandra is not reachable yet'));
    const { server, closeAlso } = await serve({ service, logger, config, client, env });

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      await server.close();
      await Promise.allSettled([closeAlso?.(), client.shutdown()]);
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  };
  main().catch((error: unknown) => {
    logger.fatal(
      { err: error },
      `${service} could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  });
}
