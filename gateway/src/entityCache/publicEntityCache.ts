import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';

/**
 * Per subgraph, per entity type: the fields whose value is the same for every viewer and is
 * never restricted by an audience. Only fetches that select nothing else are cached.
 *
 * A field belongs here only if the subgraph answers it identically to an anonymous viewer and
 * to anyone else, and no audience rule decides whether it is shown. For `User` that is the
 * profile: id, username, display name, bio, avatar, creation time. `viewerIsFollowing` and
 * `viewerConnectionLevel` depend on the viewer; the counts move with every follow; `posts`
 * is audience-filtered: none of them is here, so a fetch asking for any of them goes to the
 * subgraph every time. Whether a user appears at all (as a post's author, in a feed) is
 * decided by the posts subgraph, which is never cached.
 */
export const PUBLIC_ENTITY_FIELDS: Readonly<Record<string, Readonly<Record<string, ReadonlySet<string>>>>> = {
  users: {
    User: new Set(['__typename', 'id', 'username', 'displayName', 'bio', 'avatarUrl', 'createdAt']),
  },
};

/** A cached entity as the subgraph answered it: flat, scalar fields only. */
export type CachedEntity = Readonly<Record<string, unknown>>;

export interface PublicEntityCacheOptions {
  /** Entities older than this are fetched again, invalidation or not: bounds any missed event. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly fields?: typeof PUBLIC_ENTITY_FIELDS;
  readonly now?: () => number;
}

/** What a cacheable `_entities` fetch looks like, worked out once per subgraph query text. */
interface FetchShape {
  readonly types: ReadonlySet<string>;
}

/** A lookup's answer: every entity from the cache, or what to do with the subgraph's answer. */
export type EntityLookup =
  | { readonly kind: 'uncacheable' }
  | { readonly kind: 'hit'; readonly entities: CachedEntity[] }
  | { readonly kind: 'miss'; readonly store: (response: unknown) => void };

export interface PublicEntityCache {
  /**
   * Looks up an `_entities` fetch to `subgraph`. `uncacheable` when the fetch asks for anything
   * but public fields of keyed entities, or while the cache is not live; `hit` when every
   * entity is cached and fresh; otherwise `miss`, whose `store` keeps the subgraph's answer.
   */
  lookup(subgraph: string, query: string, variables: unknown): EntityLookup;
  /** Forgets every cached entity of this id (any type, any subgraph). */
  invalidate(id: string): void;
  /** Whether any entity of this subgraph may be cached: only its mutations can change one. */
  covers(subgraph: string): boolean;
  /** Forgets everything, including what was learnt about query shapes (a new supergraph). */
  clear(): void;
  /**
   * Caching happens only while live: the invalidation feed is running. Going live or
   * leaving it empties the cache, since events may have been missed in between.
   */
  setLive(live: boolean): void;
  readonly size: number;
}

/**
 * An entity cache for the public fields of entities (as Apollo Router's entity cache does),
 * keyed by subgraph query text, type and id, with a short TTL and invalidation by id. A fetch
 * is served from the cache only when ALL its entities are cached; otherwise the whole fetch
 * goes to the subgraph (so errors and nulls keep their positions) and its answer is cached.
 * Nulls and answers with errors are never cached.
 */
export function createPublicEntityCache(options: PublicEntityCacheOptions): PublicEntityCache {
  const fields = options.fields ?? PUBLIC_ENTITY_FIELDS;
  const now = options.now ?? Date.now;
  const shapes = new Map<string, FetchShape | null>();
  const entries = new Map<string, { readonly entity: CachedEntity; readonly expires: number; readonly id: string }>();
  /** The keys cached for each id: an invalidation (one per users.events record) touches only those. */
  const keysById = new Map<string, Set<string>>();
  /** When each id was last invalidated, so an answer fetched before that is not stored. */
  const invalidatedAt = new Map<string, number>();
  let live = false;

  const shapeOf = (subgraph: string, query: string): FetchShape | null => {
    let shape = shapes.get(`${subgraph}\u0000${query}`);
    if (shape === undefined) {
      shape = analyse(query, fields[subgraph]);
      // Query texts come from the query planner: a bounded set per supergraph.
      if (shapes.size > 10_000) shapes.clear();
      shapes.set(`${subgraph}\u0000${query}`, shape);
    }
    return shape;
  };

  const forget = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    const keys = keysById.get(entry.id);
    keys?.delete(key);
    if (keys?.size === 0) keysById.delete(entry.id);
  };

  const remember = (key: string, id: string, entity: CachedEntity) => {
    forget(key);
    entries.set(key, { entity, expires: now() + options.ttlMs, id });
    const keys = keysById.get(id);
    if (keys) keys.add(key);
    else keysById.set(id, new Set([key]));
    // Map order is insertion order: the first key is the oldest.
    while (entries.size > options.maxEntries) forget(entries.keys().next().value as string);
  };

  const forgetAll = () => {
    entries.clear();
    keysById.clear();
  };

  return {
    lookup(subgraph, query, variables) {
      if (!live || fields[subgraph] === undefined) return { kind: 'uncacheable' };
      const shape = shapeOf(subgraph, query);
      if (shape === null) return { kind: 'uncacheable' };
      const representations = representationsOf(variables, shape);
      if (representations === undefined) return { kind: 'uncacheable' };
      const keys = representations.map(({ typename, id }) => `${subgraph}\u0000${query}\u0000${typename}\u0000${id}`);
      const at = now();
      const hits: CachedEntity[] = [];
      for (const key of keys) {
        const entry = entries.get(key);
        if (entry === undefined || entry.expires <= at) break;
        hits.push({ ...entry.entity });
      }
      if (hits.length === keys.length) return { kind: 'hit', entities: hits };
      const startedAt = at;
      return {
        kind: 'miss',
        store(response) {
          if (!live) return;
          const answered = entitiesOf(response, keys.length);
          if (answered === undefined) return;
          answered.forEach((entity, i) => {
            const { id } = representations[i]!;
            const invalidated = invalidatedAt.get(id);
            if (entity === null || (invalidated !== undefined && invalidated >= startedAt)) return;
            remember(keys[i]!, id, entity);
          });
        },
      };
    },
    invalidate(id) {
      const at = now();
      invalidatedAt.set(id, at);
      // Invalidation marks only matter to fetches in flight, which end within the TTL.
      if (invalidatedAt.size > options.maxEntries) {
        for (const [key, when] of invalidatedAt) if (when < at - options.ttlMs) invalidatedAt.delete(key);
      }
      for (const key of keysById.get(id) ?? []) forget(key);
    },
    covers(subgraph) {
      return fields[subgraph] !== undefined;
    },
    clear() {
      forgetAll();
      shapes.clear();
    },
    setLive(next) {
      if (next !== live) forgetAll();
      live = next;
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * The entity types a subgraph fetch selects, when it is exactly
 * `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on T { f g } } }`
 * with only public fields of T, no aliases, arguments or directives; null otherwise.
 */
export function analyse(
  query: string,
  publicFields: Readonly<Record<string, ReadonlySet<string>>> | undefined,
): FetchShape | null {
  if (publicFields === undefined) return null;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return null;
  }
  const [operation, ...rest] = document.definitions;
  if (rest.length > 0 || operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return null;
  if (operation.directives?.length) return null;
  const variables = operation.variableDefinitions ?? [];
  if (variables.length !== 1 || variables[0]?.variable.name.value !== 'representations') return null;
  const [root, ...others] = operation.selectionSet.selections;
  if (others.length > 0 || root?.kind !== Kind.FIELD || root.name.value !== '_entities' || root.alias) return null;
  if (root.directives?.length || !root.selectionSet) return null;
  const argument = root.arguments?.[0];
  if (
    root.arguments?.length !== 1 ||
    argument?.name.value !== 'representations' ||
    argument.value.kind !== Kind.VARIABLE ||
    argument.value.name.value !== 'representations'
  ) {
    return null;
  }
  const types = new Set<string>();
  for (const selection of root.selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === '__typename' && !selection.alias) continue;
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition || selection.directives?.length) {
      return null;
    }
    const type = selection.typeCondition.name.value;
    const allowed = publicFields[type];
    if (!allowed || !onlyPublicScalars(selection.selectionSet, allowed)) return null;
    types.add(type);
  }
  return types.size > 0 ? { types } : null;
}

function onlyPublicScalars(selectionSet: SelectionSetNode, allowed: ReadonlySet<string>): boolean {
  return selectionSet.selections.every(
    (selection) =>
      selection.kind === Kind.FIELD &&
      !selection.alias &&
      !selection.selectionSet &&
      !selection.arguments?.length &&
      !selection.directives?.length &&
      allowed.has(selection.name.value),
  );
}

/** The representations when each is exactly `{ __typename, id }` of a cached type. */
function representationsOf(variables: unknown, shape: FetchShape): Array<{ typename: string; id: string }> | undefined {
  const list = (variables as { representations?: unknown } | undefined)?.representations;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Array<{ typename: string; id: string }> = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { __typename: typename, id, ...more } = item as Record<string, unknown>;
    if (typeof typename !== 'string' || typeof id !== 'string' || !shape.types.has(typename)) return undefined;
    if (Object.keys(more).length > 0) return undefined;
    out.push({ typename, id });
  }
  return out;
}

/** The `_entities` of an answer without errors, aligned with the representations sent. */
function entitiesOf(response: unknown, count: number): Array<CachedEntity | null> | undefined {
  const { data, errors } = (response ?? {}) as { data?: { _entities?: unknown }; errors?: unknown };
  if (errors !== undefined && (!Array.isArray(errors) || errors.length > 0)) return undefined;
  const entities = data?._entities;
  if (!Array.isArray(entities) || entities.length !== count) return undefined;
  const out: Array<CachedEntity | null> = [];
  for (const entity of entities) {
    if (entity === null) out.push(null);
    else if (typeof entity === 'object' && Object.values(entity).every((v) => v === null || typeof v !== 'object')) {
      out.push(entity as CachedEntity);
    } else return undefined;
  }
  return out;
}
