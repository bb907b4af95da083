import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { envReader, type EnvReader } from '@verograph/service';

/** The subgraphs that make up the supergraph, in the order their SDL is composed. */
export const SUBGRAPH_NAMES = ['users', 'posts', 'collections', 'search', 'insights'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Where each subgraph listens locally unless `<NAME>_SUBGRAPH_URL` says otherwise. */
export const DEFAULT_SUBGRAPH_PORTS: Readonly<Record<SubgraphName, number>> = {
  users: 4001,
  posts: 4002,
  collections: 4003,
  search: 4004,
  insights: 4005,
};

/** One subgraph's SDL as its team wrote it, with the URL the gateway will route to. */
export interface SubgraphSource {
  readonly name: string;
  /** The routing URL written into the supergraph. */
  readonly url: string;
  /** Path of the SDL file, relative to the repository root; composition errors point here. */
  readonly path: string;
  readonly sdl: string;
}

/** The env variable that overrides a subgraph's routing URL, e.g. `USERS_SUBGRAPH_URL`. */
export function routingUrlVariable(name: string): string {
  return `${name.toUpperCase()}_SUBGRAPH_URL`;
}

export function subgraphRoutingUrl(name: SubgraphName, env: EnvReader = envReader()): string {
  return env.string(routingUrlVariable(name), `http://127.0.0.1:${DEFAULT_SUBGRAPH_PORTS[name]}/graphql`);
}

/** Reads every subgraph's `subgraphs/<name>/src/schema.graphql` under the repository root. */
export async function readSubgraphSources(repoRoot: string, env: EnvReader = envReader()): Promise<SubgraphSource[]> {
  return Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const path = `subgraphs/${name}/src/schema.graphql`;
      return { name, url: subgraphRoutingUrl(name, env), path, sdl: await readFile(join(repoRoot, path), 'utf8') };
    }),
  );
}
