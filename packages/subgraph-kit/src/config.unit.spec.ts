import { ConfigError, envReader } from '@verograph/service';
import { describe, expect, it } from 'vitest';

import { LOCAL_SIGNING_SECRET, readSubgraphConfig } from './config.ts';

describe('readSubgraphConfig', () => {
  it('defaults to the local stack', () => {
    const config = readSubgraphConfig(envReader({}), { name: 'posts', defaultPort: 4002 });
    expect(config).toMatchObject({
      port: 4002,
      opsPort: 4012,
      host: '127.0.0.1',
      signingSecret: LOCAL_SIGNING_SECRET,
      mutationWaitMs: 2000,
    });
    expect(config.engines.cassandraKeyspace).toBe('verograph');
  });

  it('reads the subgraph port, the wait and the secret from the environment', () => {
    const env = envReader({
      POSTS_SUBGRAPH_PORT: '5002',
      POSTS_SUBGRAPH_OPS_PORT: '5012',
      MUTATION_WAIT_MS: '0',
      SUBGRAPH_SIGNING_SECRET: 'a-long-enough-secret',
    });
    expect(readSubgraphConfig(env, { name: 'posts', defaultPort: 4002 })).toMatchObject({
      port: 5002,
      opsPort: 5012,
      mutationWaitMs: 0,
      signingSecret: 'a-long-enough-secret',
    });
  });

  it('fails fast on the local secret in production, a short secret or a bad number', () => {
    const read = (vars: Record<string, string>) => () =>
      readSubgraphConfig(envReader(vars), { name: 'users', defaultPort: 4001 });
    expect(read({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(read({ SUBGRAPH_SIGNING_SECRET: 'short' })).toThrow(/at least 16/);
    expect(read({ MUTATION_WAIT_MS: 'soon' })).toThrow(/MUTATION_WAIT_MS/);
    expect(read({ USERS_SUBGRAPH_PORT: '70000' })).toThrow(/USERS_SUBGRAPH_PORT/);
  });
});
