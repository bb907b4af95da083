import { join } from 'node:path';

import { buildProtoImage } from '../check/protoChanges.ts';
import { composeSubgraphs, formatProblem, writeComposition } from '../compose.ts';
import type { SubgraphSource } from '../subgraphs.ts';
import { currentCommit, publisher, registry, type PublishedVersion } from './registry.ts';

export interface PublishOptions {
  readonly repoRoot: string;
  readonly schemaDir: string;
  readonly sources: readonly SubgraphSource[];
  readonly protoDir?: string;
  /** Why: required, it is the history's most useful column. */
  readonly reason: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Publishes the working tree: composes it, writes the supergraph the gateway hot-reloads
 * (atomically), the API schema, each subgraph's SDL and the protobuf image, and records the
 * new version with who, when and why.
 */
export async function publishSchema(options: PublishOptions): Promise<PublishedVersion> {
  if (!options.reason.trim()) throw new Error('say why you publish: npm run schema -- publish --message "…"');
  const composition = composeSubgraphs(options.sources);
  if (!composition.ok) {
    throw new Error(
      `cannot publish, the subgraphs do not compose:\n${composition.problems.map(formatProblem).join('\n')}`,
    );
  }
  const image = join(options.schemaDir, 'proto.binpb');
  await buildProtoImage(options.repoRoot, options.protoDir ?? 'proto', image);
  const written = await writeComposition(options.schemaDir, options.sources, composition);
  const files: Record<string, string> = { 'proto.binpb': image };
  for (const relative of written) files[relative] = join(options.schemaDir, relative);
  return registry(options.schemaDir).record(
    {
      publishedAt: new Date().toISOString(),
      publisher: publisher(options.repoRoot, options.env),
      reason: options.reason.trim(),
      commit: currentCommit(options.repoRoot),
      subgraphs: options.sources.map((s) => s.name),
    },
    files,
  );
}
