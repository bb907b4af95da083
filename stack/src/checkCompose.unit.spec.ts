import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { composeProblems } from './checkCompose.ts';
import { engines } from './engines.ts';
import { services } from './services.ts';
import { repoRoot } from './layout.ts';

const compose = () => parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'));

describe('docker-compose.yml', () => {
  it('is a twin of the local stack', () => {
    expect(composeProblems(compose(), engines, services)).toEqual([]);
  });

  it('is caught when a service of the project is missing', () => {
    const drifted = compose();
    delete drifted.services.search;
    expect(composeProblems(drifted, engines, services)).toContain("search: the project's service is missing");
  });

  it('is caught when an engine version drifts', () => {
    const drifted = compose();
    drifted.services.kafka.image = 'apache/kafka:3.9.0';
    expect(composeProblems(drifted, engines)).toContain('kafka: image apache/kafka:3.9.0 does not run version 4.4.0');
  });

  it('is caught when a heap or a health check goes missing', () => {
    const drifted = compose();
    drifted.services.cassandra.environment.MAX_HEAP_SIZE = '4g';
    delete drifted.services.postgres.healthcheck;
    const problems = composeProblems(drifted, engines);
    expect(problems).toContain('cassandra: settings lack MAX_HEAP_SIZE=1g');
    expect(problems).toContain('postgres: has no health check');
  });

  it('is caught when a service does not wait for a healthy engine', () => {
    const drifted = compose();
    drifted.services.migrate.depends_on.kafka = { condition: 'service_started' };
    expect(composeProblems(drifted, engines)).toContain(
      'migrate: must wait for kafka to be healthy (condition: service_healthy)',
    );
  });

  it('is caught when an engine stops requiring sign-in, or a service signs in as another', () => {
    const drifted = compose();
    drifted.services.postgres.environment.POSTGRES_HOST_AUTH_METHOD = 'trust';
    drifted.services.kafka.environment.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP =
      'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT';
    delete drifted.services.kafka.environment.KAFKA_AUTHORIZER_CLASS_NAME;
    drifted.services.search.env_file = '.stack/env/writers.env';
    const problems = composeProblems(drifted, engines, services);
    expect(problems).toContain('postgres: settings must not contain trust');
    expect(problems).toContain('kafka: settings lack CONTROLLER:SASL_PLAINTEXT');
    expect(problems).toContain(
      'kafka: settings lack KAFKA_AUTHORIZER_CLASS_NAME=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    expect(problems).toContain('search: must sign in as its own principal (env_file: .stack/env/search.env)');
  });
});
