import { signViewer } from '@verograph/service';

/** What a subgraph answered over HTTP. */
export interface GraphQLAnswer<TData = Record<string, unknown>> {
  readonly status: number;
  readonly data: TData | null | undefined;
  readonly errors: ReadonlyArray<{ message: string; path?: unknown[]; extensions?: { code?: string } }> | undefined;
}

export interface SignedGraphQLClient {
  /** Sends one operation as the gateway would, signed for `viewerId` (undefined: anonymous). */
  query<TData = Record<string, unknown>>(
    viewerId: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLAnswer<TData>>;
  /** Sends a request with exactly these headers (no signature unless given). */
  raw(headers: Record<string, string>, body: unknown): Promise<GraphQLAnswer>;
}

/** A client that talks to a subgraph the way the gateway does: JSON over POST, viewer signed. */
export function signedGraphQLClient(url: string, secret: string): SignedGraphQLClient {
  const raw = async (headers: Record<string, string>, body: unknown): Promise<GraphQLAnswer> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { data?: unknown; errors?: GraphQLAnswer['errors'] };
    return { status: response.status, data: json.data as Record<string, unknown> | undefined, errors: json.errors };
  };
  return {
    raw,
    async query<TData>(
      viewerId: string | undefined,
      query: string,
      variables: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) {
      return (await raw({ ...signViewer(secret, viewerId), ...headers }, { query, variables })) as GraphQLAnswer<TData>;
    },
  };
}

/** The codes of an answer's errors, for assertions. */
export function errorCodes(answer: GraphQLAnswer<unknown>): Array<string | undefined> {
  return (answer.errors ?? []).map((e) => e.extensions?.code);
}
