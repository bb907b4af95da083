import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { schemaChanges, type SchemaChange } from '../check/schemaChanges.ts';
import { protoImageChanges, type ProtoFinding } from '../check/protoChanges.ts';
import { registry } from './registry.ts';

export interface VersionDiff {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly SchemaChange[];
  readonly proto: readonly ProtoFinding[];
}

/** Compares any two published versions: API schema changes and protobuf breaking changes. */
export async function diffVersions(
  repoRoot: string,
  schemaDir: string,
  from: string,
  to: string,
): Promise<VersionDiff> {
  const history = registry(schemaDir);
  const known = (await history.versions()).map((v) => v.version);
  for (const v of [from, to]) {
    if (!known.includes(v)) throw new Error(`no published version ${v}; published: ${known.join(', ') || 'none yet'}`);
  }
  const api = (v: string) => readFile(join(history.versionDir(v), 'api.graphql'), 'utf8');
  return {
    from,
    to,
    changes: await schemaChanges(await api(from), await api(to)),
    proto: await protoImageChanges(
      repoRoot,
      join(history.versionDir(to), 'proto.binpb'),
      join(history.versionDir(from), 'proto.binpb'),
    ),
  };
}
