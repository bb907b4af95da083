import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
import { loadTrustedDocuments } from '@verograph/gateway';
import { print } from 'graphql';
import { describe, expect, expectTypeOf, it } from 'vitest';

import * as client from './index.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The gateway's own trusted-document store, loaded as its main loads it. */
const gatewayStore = () => loadTrustedDocuments(join(repoRoot, 'schema/operations'));

const typedDocuments = Object.entries(client).flatMap(([name, value]) =>
  name.endsWith('Document') ? [[name, value as TypedDocumentNode] as const] : [],
);

describe('@verograph/client', () => {
  it("ships a manifest whose every hash the gateway's trusted-document store accepts, with the same text", async () => {
    const store = await gatewayStore();
    const manifest = JSON.parse(
      await readFile(join(repoRoot, 'packages/client/src/gen/trustedDocuments.json'), 'utf8'),
    ) as Record<string, string>;
    expect(Object.keys(manifest)).toHaveLength(store.size);
    for (const [hash, text] of Object.entries(manifest)) {
      expect(store.get(hash)?.document, hash).toBe(text);
    }
  });

  it('has a typed document for every registered operation, sendable as text or by id', async () => {
    const store = await gatewayStore();
    const registered = [...store.entries()].flatMap((document) => document.operationNames).sort();
    expect(typedDocuments.map(([name]) => name.replace(/Document$/, '')).sort()).toEqual(registered);
    for (const [name, document] of typedDocuments) {
      const trusted = store.matchText(print(document));
      expect(trusted, `${name} as text`).toBeDefined();
      expect(client.documentIdOf(document), `${name} by id`).toBe(trusted?.hash);
    }
  });

  it("types each document's result and variables from the published API schema", () => {
    expectTypeOf<VariablesOf<typeof client.PostPageDocument>>().toEqualTypeOf<client.PostPageQueryVariables>();
    expectTypeOf<VariablesOf<typeof client.PostPageDocument>>().toHaveProperty('id').toEqualTypeOf<string>();
    expectTypeOf<ResultOf<typeof client.HomeFeedDocument>>().toEqualTypeOf<client.HomeFeedQuery>();
    expectTypeOf<client.FeedUpdatedSubscription['feedUpdated']['kind']>().toEqualTypeOf<
      'POST_ADDED' | 'POST_REMOVED'
    >();
  });

  it('refuses a document that was never registered', () => {
    expect(() => client.documentIdOf({ kind: 'Document', definitions: [] } as unknown as TypedDocumentNode)).toThrow(
      /not one of the registered operations/,
    );
  });
});
