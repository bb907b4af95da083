/**
 * A tiny evaluator of the Elasticsearch filter subset the search subgraph writes (bool with
 * filter/should/must_not, term, terms with a lookup), over plain documents, so unit specs can
 * check what a filter admits without a node. Anything else is refused, never guessed.
 */
export type Doc = Readonly<Record<string, unknown>>;

/** The docs a terms lookup may read: by index, then by id. */
export type LookupDocs = Readonly<Record<string, Readonly<Record<string, Doc>>>>;

const valuesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

export function evaluate(query: unknown, doc: Doc, lookups: LookupDocs = {}): boolean {
  const [kind, body] = single(query);
  switch (kind) {
    case 'term': {
      const [field, expected] = single(body);
      const value =
        typeof expected === 'object' && expected !== null ? (expected as { value: unknown }).value : expected;
      return valuesOf(doc[field]).includes(value);
    }
    case 'terms': {
      const [field, spec] = single(body);
      const wanted = Array.isArray(spec)
        ? spec
        : (() => {
            const { index, id, path } = spec as { index: string; id: string; path: string };
            return valuesOf(lookups[index]?.[id]?.[path]);
          })();
      return valuesOf(doc[field]).some((v) => wanted.includes(v));
    }
    case 'bool': {
      const b = body as {
        filter?: unknown[];
        must?: unknown[];
        should?: unknown[];
        must_not?: unknown[];
        minimum_should_match?: number;
      };
      const all = [...(b.filter ?? []), ...(b.must ?? [])].every((q) => evaluate(q, doc, lookups));
      const none = (b.must_not ?? []).every((q) => !evaluate(q, doc, lookups));
      const should = b.should ?? [];
      // Elasticsearch's default: with no filter or must, at least one should clause must match.
      const needed =
        b.minimum_should_match ?? (b.filter === undefined && b.must === undefined && should.length > 0 ? 1 : 0);
      const matched = should.filter((q) => evaluate(q, doc, lookups)).length;
      return all && none && matched >= needed;
    }
    default:
      throw new Error(`evaluate: unsupported query ${kind}`);
  }
}

function single(value: unknown): [string, unknown] {
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) throw new Error(`evaluate: expected one key in ${JSON.stringify(value)}`);
  return entries[0]!;
}
