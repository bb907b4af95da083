/**
 * `npm run rebuild -- feeds|search|collections|counters`
 *
 * Rebuilds one read model from the event log (see rebuildReadModel): clears it, replays the
 * events topics from the beginning with a fresh consumer group, and exits once caught up.
 * Live updates are not re-published. Same environment as the projectors process.
 */
import { createLogger, ConfigError } from '@verograph/service';

import { buildProjector } from './buildProjector.ts';
import { readConfig } from './config.ts';
import type { ProjectorName } from './consumer/projector.ts';
import { rebuildReadModel } from './rebuild/rebuildReadModel.ts';
import { openResources } from './resources.ts';

const REBUILDABLE: readonly ProjectorName[] = ['feeds', 'search', 'collections', 'counters', 'notifications'];

async function main(argv: readonly string[]): Promise<number> {
  const name = argv[0] as ProjectorName | undefined;
  if (!name || !REBUILDABLE.includes(name)) {
    console.error(`usage: npm run rebuild -- ${REBUILDABLE.join('|')}`);
    return 2;
  }
  const config = readConfig();
  const logger = createLogger(`projectors-rebuild-${name}`);
  const resources = openResources(config, [name], `projectors-rebuild-${name}`);
  await resources.connected;
  try {
    const built = buildProjector(name, {
      ...config,
      cassandra: resources.cassandra,
      elasticsearch: resources.elasticsearch,
      postgres: resources.postgres,
      // No producer: a rebuild restores state; it does not announce old news to live clients.
      producer: undefined,
    });
    const report = await rebuildReadModel({
      kafka: resources.kafka,
      built,
      topics: config.topics,
      logger,
      deadLetterTopic: config.deadLetterTopic,
      partitionsConcurrently: config.partitionsConcurrently,
    });
    logger.info(report, `rebuilt ${name}`);
    console.log(`rebuilt ${name}: ${report.records} events in ${(report.millis / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await resources.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `rebuild: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
