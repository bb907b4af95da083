import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { createTrustedDocuments, documentHash, normalizeDocument, resolveDocument } from './trustedDocuments.ts';

const FEED =
  '# the home feed\nquery HomeFeed($first: Int = 20) {\n  feed(first: $first) { edges { node { id } } }\n}\n';
const documents = createTrustedDocuments([{ source: 'HomeFeed.graphql', text: FEED }]);
const hash = documentHash(FEED);

describe('trusted documents', () => {
  it('identify a document by the sha256 of its normalized text, whatever its layout and comments', () => {
    expect(hash).toBe(createHash('sha256').update(normalizeDocument(FEED)).digest('hex'));
    expect(documentHash('query HomeFeed($first: Int = 20) { feed(first: $first) { edges { node { id } } } }')).toBe(
      hash,
    );
    expect(documentHash('query HomeFeed($first: Int = 10) { feed(first: $first) { edges { node { id } } } }')).not.toBe(
      hash,
    );
    expect(documents.get(hash)).toMatchObject({ operationNames: ['HomeFeed'], source: 'HomeFeed.graphql' });
    expect(documents.get(hash.toUpperCase())?.hash).toBe(hash);
  });

  it('turn a documentId or an APQ hash into the document text, keeping other extensions', () => {
    for (const params of [
      { documentId: `sha256:${hash}` },
      { documentId: hash },
      { extensions: { persistedQuery: { version: 1, sha256Hash: hash }, tracing: true } },
    ]) {
      const resolution = resolveDocument({ ...params, variables: { first: 5 } }, documents, { trustedOnly: true });
      expect(resolution).toMatchObject({
        ok: true,
        params: { query: normalizeDocument(FEED), variables: { first: 5 } },
      });
      if (!resolution.ok) continue;
      expect(resolution.params.extensions).toEqual('extensions' in params ? { tracing: true } : undefined);
      expect(resolution.params).not.toHaveProperty('documentId');
    }
  });

  it('report an unknown hash as PERSISTED_QUERY_NOT_FOUND', () => {
    const resolution = resolveDocument({ documentId: 'a'.repeat(64) }, documents, { trustedOnly: false });
    expect(resolution).toMatchObject({ ok: false, code: 'PERSISTED_QUERY_NOT_FOUND' });
  });

  it('let any text through outside trusted-only mode, and only published text inside it', () => {
    const other = { query: '{ me { id } }' };
    expect(resolveDocument(other, documents, { trustedOnly: false })).toMatchObject({ ok: true, trusted: undefined });
    expect(resolveDocument(other, documents, { trustedOnly: true })).toMatchObject({
      ok: false,
      code: 'TRUSTED_DOCUMENT_REQUIRED',
    });
    expect(resolveDocument({ query: 'not graphql {' }, documents, { trustedOnly: true })).toMatchObject({
      ok: false,
      code: 'TRUSTED_DOCUMENT_REQUIRED',
    });
    expect(resolveDocument({}, documents, { trustedOnly: true })).toMatchObject({
      ok: false,
      code: 'TRUSTED_DOCUMENT_REQUIRED',
    });
    expect(resolveDocument({ query: FEED }, documents, { trustedOnly: true })).toMatchObject({
      ok: true,
      trusted: { hash },
    });
  });

  it('accept text sent with its hash (APQ registration) only when they match', () => {
    const raw = '{ me { id } }';
    const rawHash = createHash('sha256').update(raw).digest('hex');
    const matching = { query: raw, extensions: { persistedQuery: { version: 1, sha256Hash: rawHash } } };
    expect(resolveDocument(matching, documents, { trustedOnly: false })).toMatchObject({
      ok: true,
      params: { query: raw },
    });
    const mismatched = { query: raw, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
    expect(resolveDocument(mismatched, documents, { trustedOnly: false })).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
  });

  it('refuse malformed persisted-document requests with BAD_REQUEST', () => {
    for (const params of [
      { documentId: 42 },
      { extensions: { persistedQuery: { version: 2, sha256Hash: hash } } },
      { extensions: { persistedQuery: 'yes' } },
    ]) {
      expect(resolveDocument(params, documents, { trustedOnly: false })).toMatchObject({
        ok: false,
        code: 'BAD_REQUEST',
      });
    }
  });
});
