import { ConfigError, envReader } from '@verograph/service';
import { describe, expect, it } from 'vitest';

import { writersConfig } from './config.ts';

describe('writersConfig', () => {
  it('runs all three writers on port 4100 by default', () => {
    const config = writersConfig(envReader({}));
    expect(config).toMatchObject({ writers: ['users', 'posts', 'collections'], port: 4100, groupPrefix: 'writers' });
    expect(config.engines.kafkaBrokers).toEqual(['127.0.0.1:9092']);
  });

  it('runs the writers WRITERS names, once each', () => {
    expect(writersConfig(envReader({ WRITERS: 'posts, users,posts' })).writers).toEqual(['posts', 'users']);
  });

  it('fails fast on an unknown writer or a bad port, naming the variable', () => {
    expect(() => writersConfig(envReader({ WRITERS: 'posts,comments' }))).toThrow(ConfigError);
    expect(() => writersConfig(envReader({ WRITERS: 'posts,comments' }))).toThrow(/WRITERS=/);
    expect(() => writersConfig(envReader({ WRITERS_PORT: 'http' }))).toThrow(/WRITERS_PORT/);
  });
});
