import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  credentialsEnv,
  credentialsFile,
  enginePrincipals,
  ensureCredentials,
  readCredentials,
} from './credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stack credentials', () => {
  it('are generated once per stack folder, readable by their owner only, and kept', () => {
    const first = ensureCredentials(dir);
    expect(statSync(credentialsFile(dir)).mode & 0o777).toBe(0o600);
    for (const [engine, principals] of Object.entries(enginePrincipals)) {
      expect(Object.keys(first[engine as keyof typeof first]).sort()).toEqual([...principals].sort());
    }
    const passwords = Object.values(first).flatMap((e) => Object.values(e).map((c) => c.password));
    // Random and distinct: no principal's password tells another's.
    expect(new Set(passwords).size).toBe(passwords.length);
    expect(passwords.every((p) => p.length >= 32)).toBe(true);
    expect(ensureCredentials(dir)).toEqual(first);
    expect(readCredentials(dir)).toEqual(first);
    expect(first.cassandra.admin.username).toBe('verograph_admin');
  });

  it('give a principal added later a password, keeping everyone else’s', () => {
    const stored = JSON.parse(readFileSync(credentialsFile(dir), 'utf8'));
    const writers = stored.kafka.writers;
    delete stored.kafka.gateway;
    writeFileSync(credentialsFile(dir), JSON.stringify(stored));
    const again = ensureCredentials(dir);
    expect(again.kafka.writers).toEqual(writers);
    expect(again.kafka.gateway.password).toMatch(/^[\w-]{32}$/);
  });

  it('hand a service its own principals and blank the engines it has none on', () => {
    const credentials = readCredentials(dir);
    const env = credentialsEnv(credentials, 'search');
    expect(env).toEqual({
      KAFKA_USERNAME: '',
      KAFKA_PASSWORD: '',
      CASSANDRA_USERNAME: 'search',
      CASSANDRA_PASSWORD: credentials.cassandra.search.password,
      POSTGRES_USERNAME: '',
      POSTGRES_PASSWORD: '',
    });
  });

  it('say how to get them when the stack has never started', () => {
    expect(() => readCredentials(join(dir, 'nowhere'))).toThrow(/npm run stack -- up/);
  });
});
