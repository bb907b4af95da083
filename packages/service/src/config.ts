/**
 * Typed configuration read once, from the environment, with local defaults. A bad value
 * fails start-up at once with a message naming the variable and what it expects.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface EnvReader {
  string(name: string, fallback: string): string;
  optional(name: string): string | undefined;
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
  bool(name: string, fallback: boolean): boolean;
  list(name: string, fallback: readonly string[]): string[];
}

export function envReader(env: NodeJS.ProcessEnv = process.env): EnvReader {
  return {
    string: (name, fallback) => {
      const value = env[name];
      return value === undefined || value === '' ? fallback : value;
    },
    optional: (name) => (env[name] === '' ? undefined : env[name]),
    int: (name, fallback, range = {}) => {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value)) throw new ConfigError(`${name}=${raw} must be a whole number`);
      if (range.min !== undefined && value < range.min) throw new ConfigError(`${name}=${raw} must be ≥ ${range.min}`);
      if (range.max !== undefined && value > range.max) throw new ConfigError(`${name}=${raw} must be ≤ ${range.max}`);
      return value;
    },
    bool: (name, fallback) => {
      const raw = env[name]?.toLowerCase();
      if (raw === undefined || raw === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
      if (['0', 'false', 'no', 'off'].includes(raw)) return false;
      throw new ConfigError(`${name}=${env[name]} must be true or false`);
    },
    list: (name, fallback) => {
      const raw = env[name];
      if (raw === undefined || raw === '') return [...fallback];
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    },
  };
}

/** Where the engines are; the defaults are the local stack's. */
export interface EngineAddresses {
  readonly kafkaBrokers: string[];
  readonly cassandraContactPoints: string[];
  readonly cassandraKeyspace: string;
  readonly cassandraDataCenter: string;
  readonly postgresUrl: string;
  readonly elasticsearchUrl: string;
}

export function engineAddresses(env: EnvReader = envReader()): EngineAddresses {
  const host = (name: string) => env.string(`${name}_HOST`, '127.0.0.1');
  return {
    kafkaBrokers: env.list('KAFKA_BROKERS', [`${host('KAFKA')}:${env.int('KAFKA_PORT', 9092)}`]),
    cassandraContactPoints: env.list('CASSANDRA_CONTACT_POINTS', [
      `${host('CASSANDRA')}:${env.int('CASSANDRA_PORT', 9042)}`,
    ]),
    cassandraKeyspace: env.string('CASSANDRA_KEYSPACE', 'verograph'),
    cassandraDataCenter: env.string('CASSANDRA_DATACENTER', 'datacenter1'),
    postgresUrl: env.string(
      'POSTGRES_URL',
      `postgres://postgres@${host('POSTGRES')}:${env.int('POSTGRES_PORT', 5432)}/${env.string('POSTGRES_DB', 'verograph')}`,
    ),
    elasticsearchUrl: env.string(
      'ELASTICSEARCH_URL',
      `http://${host('ELASTICSEARCH')}:${env.int('ELASTICSEARCH_PORT', 9200)}`,
    ),
  };
}
