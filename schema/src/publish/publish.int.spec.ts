/**
 * A publish reaches a running gateway without a restart: the real gateway watches the
 * registry's supergraph, `publishSchema` writes a new version, and the new field is served.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import {
  accountsSdl,
  NOTES_SDL,
  postGraphQL,
  startAccountsSubgraph,
  startNotesSubgraph,
  startTestGateway,
  type TestGateway,
} from '@verograph/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SubgraphSource } from '../subgraphs.ts';
import { diffVersions } from './diff.ts';
import { publishSchema } from './publish.ts';
import { registry } from './registry.ts';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const schemaDir = mkdtempSync(join(tmpdir(), 'schema-publish-'));
let stops: Array<() => Promise<void>> = [];
let gateway: TestGateway;
let sources: (withBio: boolean) => SubgraphSource[];

beforeAll(async () => {
  const accounts = await startAccountsSubgraph();
  const notes = await startNotesSubgraph();
  stops = [() => accounts.stop(), () => notes.stop()];
  sources = (withBio) => [
    { name: 'accounts', url: accounts.url, path: 'accounts.graphql', sdl: accountsSdl({ withBio }) },
    { name: 'notes', url: notes.url, path: 'notes.graphql', sdl: NOTES_SDL },
  ];
  await publishSchema({
    repoRoot,
    schemaDir,
    sources: sources(false),
    reason: 'accounts and notes',
    env: { SCHEMA_PUBLISHER: 'test' },
  });
  gateway = await startTestGateway({
    subgraphs: sources(false).map((s) => ({ name: s.name, url: s.url, typeDefs: s.sdl })),
    env: { GATEWAY_SUPERGRAPH: join(schemaDir, 'supergraph.graphql') },
  });
  stops.unshift(() => gateway.stop());
});

afterAll(async () => {
  for (const stop of stops) await stop();
  rmSync(schemaDir, { recursive: true, force: true });
});

describe('npm run schema -- publish', () => {
  it('is picked up by a running gateway without a restart, and recorded with who, when and why', async () => {
    const askBio = () => postGraphQL(gateway.graphqlUrl, { query: '{ account(id: "a1") { name bio } }' });
    expect((await askBio()).body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    await publishSchema({
      repoRoot,
      schemaDir,
      sources: sources(true),
      reason: 'Account.bio for the profile page',
      env: { SCHEMA_PUBLISHER: 'accounts-team' },
    });

    const deadline = Date.now() + 10_000;
    let answer = await askBio();
    while (answer.body.errors && Date.now() < deadline) {
      await sleep(100);
      answer = await askBio();
    }
    expect(answer.body).toEqual({ data: { account: { name: 'Name of a1', bio: 'Bio of a1' } } });

    const versions = await registry(schemaDir).versions();
    expect(versions.map((v) => [v.version, v.publisher, v.reason])).toEqual([
      ['v0001', 'test', 'accounts and notes'],
      ['v0002', 'accounts-team', 'Account.bio for the profile page'],
    ]);
    expect(Date.parse(versions[1]!.publishedAt)).toBeGreaterThanOrEqual(Date.parse(versions[0]!.publishedAt));
  });

  it('diffs any two published versions, both ways', async () => {
    const forward = await diffVersions(repoRoot, schemaDir, 'v0001', 'v0002');
    expect(forward.changes).toEqual([expect.objectContaining({ severity: 'safe', path: 'Account.bio' })]);
    expect(forward.proto).toEqual([]);
    const backward = await diffVersions(repoRoot, schemaDir, 'v0002', 'v0001');
    expect(backward.changes).toEqual([expect.objectContaining({ severity: 'breaking', path: 'Account.bio' })]);
    await expect(diffVersions(repoRoot, schemaDir, 'v0001', 'v0009')).rejects.toThrow(/no published version v0009/);
  });
});
