import type { EngineDefinition, EngineName } from './engine.ts';
import { cassandra } from '../engines/cassandra/cassandra.ts';
import { elasticsearch } from '../engines/elasticsearch/elasticsearch.ts';
import { insightsJob } from '../engines/insights-job/insightsJob.ts';
import { kafka } from '../engines/kafka/kafka.ts';
import { postgres } from '../engines/postgres/postgres.ts';

/**
 * Every engine of the local stack, in the order `status` lists them; last, the insights job (a
 * Flink MiniCluster), which the stack runs like an engine once the engines are migrated.
 */
export const engines: readonly EngineDefinition[] = [kafka, cassandra, elasticsearch, postgres, insightsJob];

export function engineNamed(name: string): EngineDefinition {
  const engine = engines.find((e) => e.name === name);
  if (!engine) throw new Error(`unknown engine "${name}"; the engines are: ${engines.map((e) => e.name).join(', ')}`);
  return engine;
}

export type { EngineName };
