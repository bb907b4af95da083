import { ConfigError, engineAddresses, readOpsPort, type EngineAddresses, type EnvReader } from '@verograph/service';

import { readMutationLimits, type MutationLimits } from './commands/admission.ts';

/** The signing secret of the local stack; refused in production. */
export const LOCAL_SIGNING_SECRET = 'verograph-local-subgraph-secret';

/** What every subgraph reads from its environment. */
export interface SubgraphConfig {
  readonly port: number;
  /** `<NAME>_SUBGRAPH_OPS_PORT` (or OPS_PORT): health, readiness and metrics; default the port + 10. */
  readonly opsPort: number;
  readonly host: string;
  /** SUBGRAPH_SIGNING_SECRET, shared with the gateway. */
  readonly signingSecret: string;
  /** MUTATION_WAIT_MS: how long a mutation waits for the writer's outcome. */
  readonly mutationWaitMs: number;
  /** MUTATION_MAX_PENDING, MUTATION_PUBLISH_BUDGET_MS, MUTATION_MAX_WAITING, … (see `MutationLimits`). */
  readonly mutationLimits: MutationLimits;
  readonly engines: EngineAddresses;
}

/**
 * Reads a subgraph's configuration once, failing fast with the variable's name: its port
 * (`<NAME>_SUBGRAPH_PORT`, e.g. USERS_SUBGRAPH_PORT), its operations port
 * (`<NAME>_SUBGRAPH_OPS_PORT`), SUBGRAPH_HOST, SUBGRAPH_SIGNING_SECRET,
 * MUTATION_WAIT_MS, the mutation limits (`readMutationLimits`) and the engines' addresses.
 */
export function readSubgraphConfig(env: EnvReader, subgraph: { name: string; defaultPort: number }): SubgraphConfig {
  const signingSecret = env.string('SUBGRAPH_SIGNING_SECRET', LOCAL_SIGNING_SECRET);
  if (env.string('NODE_ENV', 'development') === 'production' && signingSecret === LOCAL_SIGNING_SECRET) {
    throw new ConfigError('SUBGRAPH_SIGNING_SECRET must be set to a secret shared with the gateway in production');
  }
  if (signingSecret.length < 16) throw new ConfigError('SUBGRAPH_SIGNING_SECRET must be at least 16 characters');
  const mutationWaitMs = env.int('MUTATION_WAIT_MS', 2000, { min: 0, max: 30_000 });
  return {
    port: env.int(`${subgraph.name.toUpperCase()}_SUBGRAPH_PORT`, subgraph.defaultPort, { min: 0, max: 65535 }),
    opsPort: readOpsPort(env, `${subgraph.name}_subgraph`, subgraph.defaultPort + 10),
    host: env.string('SUBGRAPH_HOST', '127.0.0.1'),
    signingSecret,
    mutationWaitMs,
    mutationLimits: readMutationLimits(env, mutationWaitMs),
    engines: engineAddresses(env),
  };
}
