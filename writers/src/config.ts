import { ConfigError, engineAddresses, envReader, type EngineAddresses, type EnvReader } from '@verograph/service';
import { DEFAULT_SESSION_TIMEOUT_MS, topics } from '@verograph/messaging';

/** The writers this package runs, one consumer group each. */
export type WriterName = 'users' | 'posts' | 'collections';
export const writerNames: readonly WriterName[] = ['users', 'posts', 'collections'];

/** The writers process's configuration, read once from the environment. */
export interface WritersConfig {
  /** WRITERS: which writers run in this process (default: all three). */
  readonly writers: readonly WriterName[];
  /** WRITERS_PORT: /health/live, /health/ready and /metrics. */
  readonly port: number;
  /** WRITERS_GROUP_PREFIX: consumer groups are `<prefix>-<writer>`. */
  readonly groupPrefix: string;
  /** WRITERS_CONCURRENCY: partitions each writer handles at once. */
  readonly concurrency: number;
  /**
   * WRITERS_KEY_CONCURRENCY: aggregates each writer handles at once within a batch of one
   * partition's commands; each aggregate's commands keep their order (they share its key).
   */
  readonly keyConcurrency: number;
  /** WRITERS_SESSION_TIMEOUT_MS: how soon the group notices a writer that died. */
  readonly sessionTimeoutMs: number;
  /** INSIGHTS_THROTTLES_TOPIC: the insights job's throttles (compacted), which the flood guard reads. */
  readonly throttlesTopic: string;
  readonly engines: EngineAddresses;
}

export function writersConfig(env: EnvReader = envReader()): WritersConfig {
  const writers = env.list('WRITERS', writerNames);
  const unknown = writers.filter((w) => !(writerNames as readonly string[]).includes(w));
  if (unknown.length > 0 || writers.length === 0) {
    throw new ConfigError(`WRITERS=${writers.join(',')} must list some of ${writerNames.join(', ')}`);
  }
  return {
    writers: [...new Set(writers)] as WriterName[],
    port: env.int('WRITERS_PORT', 4100, { min: 0, max: 65535 }),
    groupPrefix: env.string('WRITERS_GROUP_PREFIX', 'writers'),
    concurrency: env.int('WRITERS_CONCURRENCY', 12, { min: 1, max: 64 }),
    keyConcurrency: env.int('WRITERS_KEY_CONCURRENCY', 16, { min: 1, max: 64 }),
    sessionTimeoutMs: env.int('WRITERS_SESSION_TIMEOUT_MS', DEFAULT_SESSION_TIMEOUT_MS, {
      min: 6_000,
      max: 300_000,
    }),
    throttlesTopic: env.string('INSIGHTS_THROTTLES_TOPIC', topics.insightsThrottles),
    engines: engineAddresses(env),
  };
}
