import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Kind, parse, print } from 'graphql';
import { LRUCache } from 'lru-cache';

import { GatewayErrorCode } from '../errors/gatewayErrors.ts';

/**
 * The canonical text of a GraphQL document: graphql-js's printer over its AST, so comments,
 * commas and layout do not change a document's identity.
 */
export function normalizeDocument(text: string): string {
  return print(parse(text, { noLocation: true }));
}

/** A trusted document's id: the sha256 (hex) of its normalized text. */
export function documentHash(text: string): string {
  return createHash('sha256').update(normalizeDocument(text)).digest('hex');
}

export interface TrustedDocument {
  readonly hash: string;
  /** The normalized text: what the gateway executes for this hash. */
  readonly document: string;
  readonly operationNames: readonly string[];
  /** Where it came from, for logs. */
  readonly source: string;
}

/** The manifest of operations the frontend teams really send, by hash. */
export interface TrustedDocuments {
  readonly size: number;
  get(hash: string): TrustedDocument | undefined;
  /**
   * The trusted document whose normalized text is this text's, if any. Throws a GraphQL
   * syntax error for unparseable text.
   */
  matchText(text: string): TrustedDocument | undefined;
  entries(): IterableIterator<TrustedDocument>;
}

/** How many recent query texts, and how many bytes of them, keep their normalised hash. */
export interface RememberedTexts {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * Clients send a handful of distinct texts, over and over; an attacker can send many, each once.
 * 1,000 texts and 4 MiB hold every operation a frontend sends (the longest allowed is
 * GATEWAY_MAX_QUERY_LENGTH, 20,000 characters, about 40 KB as UTF-16), and bound what a flood
 * of distinct texts can pin in memory.
 */
const REMEMBERED_TEXTS: RememberedTexts = { maxEntries: 1_000, maxBytes: 4 * 1024 * 1024 };

/** What a text's size in memory is taken to be: UTF-16, plus the hash and the cache's entry. */
const rememberedBytes = (text: string) => text.length * 2 + 200;

export interface TrustedDocumentsOptions {
  readonly remember?: RememberedTexts;
  /** The normaliser, given so that a test can count its calls. */
  readonly normalize?: (text: string) => string;
}

export function createTrustedDocuments(
  sources: readonly { source: string; text: string }[],
  { remember = REMEMBERED_TEXTS, normalize = normalizeDocument }: TrustedDocumentsOptions = {},
): TrustedDocuments {
  const byHash = new Map<string, TrustedDocument>();
  for (const { source, text } of sources) {
    const document = normalizeDocument(text);
    const hash = createHash('sha256').update(document).digest('hex');
    const operationNames = parse(document).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
    );
    byHash.set(hash, { hash, document, operationNames, source });
  }
  /*
   * Normalising a text (parse and print) and hashing it on every request was a visible share of
   * the gateway's CPU, for trusted texts and for the others alike: each recent text keeps its
   * hash, or the syntax error it raised, in a cache bounded by entries and by bytes, least
   * recently used first out.
   */
  const hashes = new LRUCache<string, string | Error>({
    max: remember.maxEntries,
    maxSize: remember.maxBytes,
    sizeCalculation: (_hash, text) => rememberedBytes(text),
  });
  const hashOf = (text: string): string => {
    let hash = hashes.get(text);
    if (hash === undefined) {
      try {
        hash = createHash('sha256').update(normalize(text)).digest('hex');
      } catch (error) {
        hash = error instanceof Error ? error : new Error(String(error));
      }
      hashes.set(text, hash);
    }
    if (hash instanceof Error) throw hash;
    return hash;
  };
  return {
    size: byHash.size,
    get: (hash) => byHash.get(hash.toLowerCase()),
    matchText: (text) => byHash.get(hashOf(text)),
    entries: () => byHash.values(),
  };
}

/** One document per `.graphql` file of the directory (schema/operations). */
export async function loadTrustedDocuments(dir: string): Promise<TrustedDocuments> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.graphql')).sort();
  return createTrustedDocuments(
    await Promise.all(files.map(async (file) => ({ source: file, text: await readFile(join(dir, file), 'utf8') }))),
  );
}

/** The GraphQL-over-HTTP request parameters this module reads and rewrites. */
export interface GraphQLParams {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

export type DocumentResolution =
  | { readonly ok: true; readonly params: GraphQLParams; readonly trusted: TrustedDocument | undefined }
  | {
      readonly ok: false;
      readonly code: GatewayErrorCode;
      readonly message: string;
    };

/**
 * Turns a persisted-document request into an ordinary one: `documentId` ("sha256:<hex>" or
 * "<hex>") and Apollo's `extensions.persistedQuery.sha256Hash` are looked up in the manifest
 * and replaced by the document's text. In trusted-only mode any other text is refused; outside
 * it, text is run as sent (an APQ client that misses the manifest falls back to sending text).
 */
export function resolveDocument(
  params: GraphQLParams,
  documents: TrustedDocuments,
  { trustedOnly }: { trustedOnly: boolean },
): DocumentResolution {
  const extensions = isRecord(params.extensions) ? params.extensions : undefined;
  const persisted = extensions?.persistedQuery;
  let hash: string | undefined;
  if (params.documentId !== undefined && params.documentId !== null) {
    if (typeof params.documentId !== 'string') return badRequest('documentId must be a string.');
    hash = params.documentId.replace(/^sha256:/, '');
  } else if (persisted !== undefined) {
    if (!isRecord(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') {
      return badRequest('extensions.persistedQuery must be {"version": 1, "sha256Hash": "<hex>"}.');
    }
    hash = persisted.sha256Hash;
  }
  // Apollo Server must not see the APQ extension: the manifest, not its cache, is the store.
  const rest = extensions ? withoutKey(extensions, 'persistedQuery') : undefined;
  const base: GraphQLParams = { operationName: params.operationName, variables: params.variables, extensions: rest };

  if (typeof params.query === 'string' && params.query !== '') {
    let trusted: TrustedDocument | undefined;
    try {
      trusted = documents.matchText(params.query);
    } catch {
      // Unparseable text: trusted-only mode refuses it below, otherwise the parser reports it.
    }
    if (hash !== undefined && trusted?.hash !== hash.toLowerCase() && sha256(params.query) !== hash.toLowerCase()) {
      return badRequest('The sha256Hash does not match the query text.');
    }
    if (trustedOnly && !trusted) return notTrusted();
    return { ok: true, params: { ...base, query: params.query }, trusted };
  }
  if (hash === undefined) {
    return trustedOnly ? notTrusted() : { ok: true, params: { ...base, query: params.query }, trusted: undefined };
  }
  const trusted = documents.get(hash);
  if (!trusted) {
    return {
      ok: false,
      code: GatewayErrorCode.PERSISTED_QUERY_NOT_FOUND,
      message: `No trusted document has the hash ${hash}. Send the query text${trustedOnly ? ' of a published operation' : ''}.`,
    };
  }
  return { ok: true, params: { ...base, query: trusted.document }, trusted };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function notTrusted(): DocumentResolution {
  return {
    ok: false,
    code: GatewayErrorCode.TRUSTED_DOCUMENT_REQUIRED,
    message:
      'This gateway runs only trusted documents: send a published operation by its documentId ' +
      '(or extensions.persistedQuery.sha256Hash). Publish new operations in schema/operations.',
  };
}

function badRequest(message: string): DocumentResolution {
  return { ok: false, code: GatewayErrorCode.BAD_REQUEST, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const { [key]: _dropped, ...rest } = record;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
