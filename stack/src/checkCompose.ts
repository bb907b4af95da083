/**
 * `npm run check:compose`: docker-compose.yml cannot run where there is no Docker engine,
 * so it is checked statically against the local stack, which is the source of truth:
 * same versions, same heaps, same ports, health checks, services that wait for healthy
 * engines, and the same sign-in: engines that require it, and each service reading its own
 * principal's env file (written by `npm run stack -- credentials`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { parse } from 'yaml';

import type { EngineDefinition } from './engine.ts';
import { engines } from './engines.ts';
import { deployedCommand, services as projectServices, type ServiceDefinition } from './services.ts';
import { repoRoot } from './layout.ts';

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null>;
  env_file?: string | string[];
  command?: string | string[];
  ports?: string[];
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }> | string[];
}

interface ComposeFile {
  services?: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface Twin {
  image: RegExp;
  mustContain: string[];
  /** Settings that would turn sign-in or authorization off. */
  mustNotContain?: string[];
}

/** The image each engine runs in compose and what must show that its settings match ours. */
const twins: Record<string, (engine: EngineDefinition) => Twin> = {
  kafka: (e) => ({
    image: new RegExp(`^apache/kafka:${escape(e.version)}$`),
    mustContain: [
      `-Xmx${e.heap}`,
      'broker,controller',
      'KAFKA_AUTO_CREATE_TOPICS_ENABLE=false',
      'KAFKA_LISTENERS=SASL_PLAINTEXT://',
      'CONTROLLER:SASL_PLAINTEXT',
      'KAFKA_SASL_ENABLED_MECHANISMS=SCRAM-SHA-512',
      'KAFKA_AUTHORIZER_CLASS_NAME=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND=false',
    ],
    mustNotContain: ['PLAINTEXT:PLAINTEXT'],
  }),
  cassandra: (e) => ({
    image: new RegExp(`^cassandra:${escape(e.version)}$`),
    mustContain: [
      `MAX_HEAP_SIZE=${e.heap}`,
      'CASSANDRA_NUM_TOKENS=1',
      'skip_wait_for_gossip_to_settle=0',
      'PasswordAuthenticator',
      'CassandraAuthorizer',
    ],
  }),
  elasticsearch: (e) => ({
    image: new RegExp(`^docker\\.elastic\\.co/elasticsearch/elasticsearch:${escape(e.version)}$`),
    mustContain: [`-Xmx${e.heap}`, 'discovery.type=single-node', 'xpack.security.enabled=false'],
  }),
  // The job on the official Flink image at the pom's version, in application mode, signing in
  // to Kafka as its own principal and resuming from its checkpoints like the local stack's.
  'insights-job': (e) => ({
    image: new RegExp(`^flink:${escape(e.version)}-scala_2\\.12-java17$`),
    mustContain: [
      'standalone-job',
      'dev.verograph.insights.InsightsJob',
      'INSIGHTS_CHECKPOINT_DIR=',
      'INSIGHTS_RESUME_FROM_LATEST_CHECKPOINT=true',
    ],
  }),
  postgres: (e) => ({
    image: new RegExp(`^postgres:${escape(e.version)}(\\.\\d+)?$`),
    mustContain: ['shared_buffers=256MB', 'max_connections=200', 'POSTGRES_HOST_AUTH_METHOD=scram-sha-256'],
    mustNotContain: ['trust'],
  }),
};

function envFiles(service: ComposeService): string[] {
  return [service.env_file ?? []].flat();
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every way the compose file differs from the local stack; empty when they are twins. */
export function composeProblems(
  compose: ComposeFile,
  stackEngines: readonly EngineDefinition[],
  projectServices: readonly ServiceDefinition[] = [],
): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  for (const project of projectServices) {
    const service = services[project.name];
    if (!service) problems.push(`${project.name}: the project's service is missing`);
    else if (!service.healthcheck?.test) problems.push(`${project.name}: has no health check`);
    // The same Node flags as `npm start` and the Kubernetes manifests (services.ts: why each).
    const command = deployedCommand(project);
    if (service && JSON.stringify([service.command ?? []].flat()) !== JSON.stringify(command)) {
      problems.push(`${project.name}: command must be ${JSON.stringify(command)}`);
    }
    if (service && !envFiles(service).includes(`.stack/env/${project.name}.env`)) {
      problems.push(`${project.name}: must sign in as its own principal (env_file: .stack/env/${project.name}.env)`);
    }
  }
  for (const engine of stackEngines) {
    const service = services[engine.name];
    if (!service) {
      problems.push(`${engine.name}: no service of that name`);
      continue;
    }
    const twin = twins[engine.name]?.(engine);
    if (!twin) {
      problems.push(`${engine.name}: checkCompose.ts does not know this engine's image`);
      continue;
    }
    if (!twin.image.test(service.image ?? '')) {
      problems.push(`${engine.name}: image ${service.image ?? '(none)'} does not run version ${engine.version}`);
    }
    const settings = [
      ...Object.entries(service.environment ?? {}).map(([k, v]) => `${k}=${String(v)}`),
      ...[service.command ?? []].flat(),
    ].join('\n');
    for (const expected of twin.mustContain) {
      if (!settings.includes(expected)) problems.push(`${engine.name}: settings lack ${expected}`);
    }
    for (const unwanted of twin.mustNotContain ?? []) {
      if (settings.includes(unwanted)) problems.push(`${engine.name}: settings must not contain ${unwanted}`);
    }
    if (engine.name !== 'elasticsearch' && !envFiles(service).includes(`.stack/env/${engine.name}.env`)) {
      problems.push(`${engine.name}: must read its credentials (env_file: .stack/env/${engine.name}.env)`);
    }
    const port = `127.0.0.1:${engine.defaultPort}:${engine.defaultPort}`;
    if (!(service.ports ?? []).includes(port)) problems.push(`${engine.name}: must publish ${port}`);
    if (!service.healthcheck?.test) problems.push(`${engine.name}: has no health check`);
  }
  const engineNames = new Set<string>(stackEngines.map((e) => e.name));
  for (const [name, service] of Object.entries(services)) {
    if (engineNames.has(name)) continue;
    const deps = service.depends_on ?? {};
    if (Array.isArray(deps)) {
      problems.push(`${name}: depends_on must wait for service_healthy, not just start order`);
      continue;
    }
    for (const [dep, spec] of Object.entries(deps)) {
      if (!(dep in services)) problems.push(`${name}: depends on unknown service ${dep}`);
      else if (engineNames.has(dep) && spec.condition !== 'service_healthy') {
        problems.push(`${name}: must wait for ${dep} to be healthy (condition: service_healthy)`);
      }
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = join(repoRoot, 'docker-compose.yml');
  const problems = composeProblems(parse(readFileSync(file, 'utf8')) as ComposeFile, engines, projectServices);
  if (problems.length > 0) {
    console.error(`docker-compose.yml has drifted from the local stack:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    `docker-compose.yml matches the local stack (${engines.map((e) => `${e.name} ${e.version}`).join(', ')})`,
  );
}
