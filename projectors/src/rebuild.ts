/**
 * `npm run rebuild -- feeds|search|collections|counters|notifications|insights`
 *
 * Rebuilds one read model from the event log (see rebuildReadModel): clears it, replays the
 * events topics from the beginning with a fresh consumer group, and exits once caught up.
 * Live updates are not re-published. The insights read model is replayed from the insights
 * job's result topics (insights.*), the log it is projected from. Same environment as the
 * projectors process.
 */
import { createLogger, ConfigError } from '@verograph/service';

import { buildProjector } from './buildProjector.ts';
import { readConfig } from './config.ts';
import { insightsReplay } from './insights/insightsProjector.ts';
import { rebuildReadModel, replayIntoReadModel, type RebuildReport } from './rebuild/rebuildReadModel.ts';
import { openResources } from './resources.ts';

const REBUILDABLE = ['feeds', 'search', 'collections', 'counters', 'notifications', 'insights'] as const;
type Rebuildable = (typeof REBUILDABLE)[number];

async function main(argv: readonly string[]): Promise<number> {
  const name = argv[0] as Rebuildable | undefined;
  if (!name || !REBUILDABLE.includes(name)) {
    console.error(`usage: npm run rebuild -- ${REBUILDABLE.join('|')}`);
    return 2;
  }
  const config = readConfig();
  const logger = createLogger(`projectors-rebuild-${name}`);
  const resources = openResources(config, [name], `projectors-rebuild-${name}`);
  await resources.connected;
  try {
    const report = name === 'insights' ? await rebuildInsights() : await rebuildProjection(name);
    logger.info(report, `rebuilt ${name}`);
    console.log(`rebuilt ${name}: ${report.records} records in ${(report.millis / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await resources.close();
  }

  async function rebuildInsights(): Promise<RebuildReport> {
    if (!resources.cassandra) throw new Error('the insights read model needs Cassandra');
    const replay = insightsReplay({
      cassandra: resources.cassandra,
      topics: config.insightTopics,
      liveGroupId: `${config.groupPrefix}.insights`,
      logger,
    });
    return replayIntoReadModel(replay, {
      kafka: resources.kafka,
      logger,
      deadLetterTopic: config.deadLetterTopic,
      partitionsConcurrently: config.partitionsConcurrently,
    });
  }

  async function rebuildProjection(projection: Exclude<Rebuildable, 'insights'>): Promise<RebuildReport> {
    const built = buildProjector(projection, {
      ...config,
      cassandra: resources.cassandra,
      elasticsearch: resources.elasticsearch,
      postgres: resources.postgres,
      // No producer: a rebuild restores state; it does not announce old news to live clients.
      producer: undefined,
    });
    return rebuildReadModel({
      kafka: resources.kafka,
      built,
      topics: config.topics,
      logger,
      deadLetterTopic: config.deadLetterTopic,
      partitionsConcurrently: config.partitionsConcurrently,
    });
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
