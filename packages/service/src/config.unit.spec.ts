import { describe, expect, it } from 'vitest';

import { ConfigError, engineAddresses, envReader } from './config.ts';

const addresses = (env: Record<string, string>) => engineAddresses(envReader(env));

describe('engine sign-in from the environment', () => {
  it('reads each engine principal as a pair, and none when neither is set', () => {
    const engines = addresses({
      KAFKA_USERNAME: 'writers',
      KAFKA_PASSWORD: 'k-secret',
      CASSANDRA_USERNAME: 'writers',
      CASSANDRA_PASSWORD: 'c-secret',
    });
    expect(engines.kafkaCredentials).toEqual({ username: 'writers', password: 'k-secret' });
    expect(engines.cassandraCredentials).toEqual({ username: 'writers', password: 'c-secret' });
    expect(addresses({}).kafkaCredentials).toBeUndefined();
    // Empty counts as unset: the launcher blanks what a service has no principal for.
    expect(addresses({ CASSANDRA_USERNAME: '', CASSANDRA_PASSWORD: '' }).cassandraCredentials).toBeUndefined();
  });

  it('fails fast on half a pair', () => {
    expect(() => addresses({ KAFKA_USERNAME: 'writers' })).toThrow(ConfigError);
    expect(() => addresses({ POSTGRES_PASSWORD: 'p' })).toThrow(/POSTGRES_USERNAME and POSTGRES_PASSWORD go together/);
  });

  it('puts the PostgreSQL principal into POSTGRES_URL, in place of any user it named', () => {
    const engines = addresses({
      POSTGRES_URL: 'postgres://postgres@db:5433/verograph?options=-c%20search_path%3Dx',
      POSTGRES_USERNAME: 'collections',
      POSTGRES_PASSWORD: 'p@ss/word',
    });
    const url = new URL(engines.postgresUrl);
    expect([url.username, decodeURIComponent(url.password), url.host, url.pathname, url.search]).toEqual([
      'collections',
      'p@ss/word',
      'db:5433',
      '/verograph',
      '?options=-c%20search_path%3Dx',
    ]);
    expect(addresses({ POSTGRES_URL: 'postgres://u:p@h/d' }).postgresUrl).toBe('postgres://u:p@h/d');
  });
});
