import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { credentialsEnv, enginePrincipals, type StackCredentials } from './credentials.ts';

/**
 * docker-compose.yml cannot read `.stack/credentials.json`, so `npm run stack -- credentials`
 * writes the same credentials as compose env files under `.stack/env/` (readable by their
 * owner only): one per engine, with what its image needs to require sign-in, and one per
 * service, with its own principal on each engine (KAFKA_USERNAME, CASSANDRA_PASSWORD, …).
 */
export function composeEnvFiles(credentials: StackCredentials, services: readonly string[]): Record<string, string> {
  const kafkaAdmin = credentials.kafka.admin;
  const jaas = (module: string, options: Record<string, string>) =>
    `${module} required ${Object.entries(options)
      .map(([k, v]) => `${k}="${v}"`)
      .join(' ')};`;
  const scram = jaas('org.apache.kafka.common.security.scram.ScramLoginModule', {
    username: kafkaAdmin.username,
    password: kafkaAdmin.password,
  });
  const files: Record<string, Record<string, string>> = {
    // The apache/kafka image turns KAFKA_A_B__C___D into the property a.b_c-d.
    kafka: {
      KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___512_SASL_JAAS_CONFIG: scram,
      KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG: jaas(
        'org.apache.kafka.common.security.plain.PlainLoginModule',
        {
          username: kafkaAdmin.username,
          password: kafkaAdmin.password,
          [`user_${kafkaAdmin.username}`]: kafkaAdmin.password,
        },
      ),
      // For kafka-format (every principal's SCRAM user) and the health check (the admin's sign-in).
      SCRAM_USERS: Object.values(credentials.kafka)
        .map((c) => `--add-scram SCRAM-SHA-512=[name=${c.username},password=${c.password}]`)
        .join(' '),
      ADMIN_JAAS: scram,
    },
    cassandra: {
      ADMIN_USERNAME: credentials.cassandra.admin.username,
      ADMIN_PASSWORD: credentials.cassandra.admin.password,
    },
    postgres: {
      POSTGRES_USER: credentials.postgres.admin.username,
      POSTGRES_PASSWORD: credentials.postgres.admin.password,
    },
  };
  for (const service of services) files[service] = credentialsEnv(credentials, service);
  return Object.fromEntries(
    Object.entries(files).map(([name, env]) => [
      `${name}.env`,
      `# Written by npm run stack -- credentials from credentials.json; edits are overwritten.\n${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    ]),
  );
}

/** Writes the env files into `<stackDir>/env/`; returns their paths. */
export function writeComposeEnvFiles(
  stackDir: string,
  credentials: StackCredentials,
  services: readonly string[],
): string[] {
  const dir = join(stackDir, 'env');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Object.entries(composeEnvFiles(credentials, services)).map(([name, body]) => {
    const file = join(dir, name);
    writeFileSync(file, body, { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  });
}

/** The engines compose gives an env file of their own. */
export const composeEngineEnvFiles = Object.keys(enginePrincipals).map((engine) => `${engine}.env`);
