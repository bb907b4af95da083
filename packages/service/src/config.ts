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

/** One principal's sign-in to an engine. */
export interface EngineCredentials {
  readonly username: string;
  readonly password: string;
}

/** `<ENGINE>_USERNAME` and `<ENGINE>_PASSWORD`, both or neither. */
function credentials(env: EnvReader, engine: 'KAFKA' | 'CASSANDRA' | 'POSTGRES'): EngineCredentials | undefined {
  const username = env.optional(`${engine}_USERNAME`);
  const password = env.optional(`${engine}_PASSWORD`);
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new ConfigError(`${engine}_USERNAME and ${engine}_PASSWORD go together: set both or neither`);
  }
  return { username, password };
}

/** The URL with the principal's name and password in place of any it held. */
function withCredentials(url: string, principal: EngineCredentials | undefined): string {
  if (!principal) return url;
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(principal.username);
  parsed.password = encodeURIComponent(principal.password);
  return parsed.toString();
}

/**
 * Where the engines are, and who this process signs in as; the defaults are the local stack's.
 * The stack's launcher gives each service its own principal on each engine it uses.
 */
export interface EngineAddresses {
  readonly kafkaBrokers: string[];
  /** KAFKA_USERNAME / KAFKA_PASSWORD (SASL/SCRAM). */
  readonly kafkaCredentials: EngineCredentials | undefined;
  readonly cassandraContactPoints: string[];
  readonly cassandraKeyspace: string;
  readonly cassandraDataCenter: string;
  /** CASSANDRA_USERNAME / CASSANDRA_PASSWORD (PasswordAuthenticator). */
  readonly cassandraCredentials: EngineCredentials | undefined;
  /** POSTGRES_URL, signed in as POSTGRES_USERNAME / POSTGRES_PASSWORD when they are given. */
  readonly postgresUrl: string;
  readonly elasticsearchUrl: string;
}

export function engineAddresses(env: EnvReader = envReader()): EngineAddresses {
  const host = (name: string) => env.string(`${name}_HOST`, '127.0.0.1');
  return {
    kafkaBrokers: env.list('KAFKA_BROKERS', [`${host('KAFKA')}:${env.int('KAFKA_PORT', 9092)}`]),
    kafkaCredentials: credentials(env, 'KAFKA'),
    cassandraContactPoints: env.list('CASSANDRA_CONTACT_POINTS', [
      `${host('CASSANDRA')}:${env.int('CASSANDRA_PORT', 9042)}`,
    ]),
    cassandraKeyspace: env.string('CASSANDRA_KEYSPACE', 'verograph'),
    cassandraDataCenter: env.string('CASSANDRA_DATACENTER', 'datacenter1'),
    cassandraCredentials: credentials(env, 'CASSANDRA'),
    postgresUrl: withCredentials(
      env.string(
        'POSTGRES_URL',
        `postgres://postgres@${host('POSTGRES')}:${env.int('POSTGRES_PORT', 5432)}/${env.string('POSTGRES_DB', 'verograph')}`,
      ),
      credentials(env, 'POSTGRES'),
    ),
    elasticsearchUrl: env.string(
      'ELASTICSEARCH_URL',
      `http://${host('ELASTICSEARCH')}:${env.int('ELASTICSEARCH_PORT', 9200)}`,
    ),
  };
}
