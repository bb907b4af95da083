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

  it('normalise each recent text once, trusted or not, unparseable included', () => {
    const normalized: string[] = [];
    const counted = createTrustedDocuments([{ source: 'HomeFeed.graphql', text: FEED }], {
      normalize: (text) => {
        normalized.push(text);
        return normalizeDocument(text);
      },
    });
    const other = '{ me { id } }';
    for (let request = 0; request < 3; request++) {
      expect(counted.matchText(other)).toBeUndefined();
      expect(counted.matchText(FEED)?.hash).toBe(hash);
      expect(() => counted.matchText('not graphql {')).toThrow(/Syntax Error/);
    }
    expect(normalized).toEqual([other, FEED, 'not graphql {']);
  });

  it('remember a bounded number of texts and bytes, the least recently used leaving first', () => {
    const normalized: string[] = [];
    const store = (maxEntries: number, maxBytes: number) =>
      createTrustedDocuments([], {
        remember: { maxEntries, maxBytes },
        normalize: (text) => {
          normalized.push(text);
          return normalizeDocument(text);
        },
      });
    const texts = ['{ a }', '{ b }', '{ c }', '{ d }'];
    const byCount = store(3, 1_000_000);
    for (const text of texts.slice(0, 3)) byCount.matchText(text);
    byCount.matchText(texts[0]!); // a is now the most recent: b leaves when d comes
    byCount.matchText(texts[3]!);
    normalized.length = 0;
    // The ones kept first, then the one that left (reading it back makes room by evicting another).
    for (const text of ['{ a }', '{ c }', '{ d }', '{ b }']) byCount.matchText(text);
    expect(normalized).toEqual(['{ b }']);

    // Each text of 400 characters takes about 1 KB: 2.5 KB hold two of them, not three.
    const long = (name: string) => `{ ${name} ${'x '.repeat(197)}}`;
    const byBytes = store(1_000, 2_500);
    for (const name of ['a', 'b', 'c']) byBytes.matchText(long(name));
    normalized.length = 0;
    for (const name of ['c', 'b', 'a']) byBytes.matchText(long(name));
    expect(normalized).toEqual([long('a')]);
    // A text larger than the whole budget is normalised every time rather than kept.
    const huge = `{ h ${'y '.repeat(2_000)}}`;
    byBytes.matchText(huge);
    byBytes.matchText(huge);
    expect(normalized.filter((text) => text === huge)).toHaveLength(2);
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
