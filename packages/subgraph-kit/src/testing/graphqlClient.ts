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
  /** Sends `body` as JSON with exactly these headers (no signature unless given). */
  raw(headers: Record<string, string>, body: unknown): Promise<GraphQLAnswer>;
  /** Sends `body` as JSON, signed as the gateway signs it for `viewerId`, with these headers too. */
  signed(viewerId: string | undefined, body: unknown, headers?: Record<string, string>): Promise<GraphQLAnswer>;
}

/**
 * A request as the gateway sends it to `subgraph`: the body's exact JSON text and the headers
 * that sign it for `viewerId` (a lone request; `now` moves the signature's time).
 */
export function gatewayRequest(
  secret: string,
  subgraph: string,
  viewerId: string | undefined,
  body: unknown,
  now = Date.now(),
): { text: string; headers: Record<string, string> } {
  const text = JSON.stringify(body);
  return { text, headers: signViewer(secret, viewerId, { subgraph, body: text, scope: 'request' }, now) };
}

/**
 * A client that talks to the subgraph named `subgraph` the way the gateway does: JSON over
 * POST, each request signed for its viewer, its body and that subgraph.
 */
export function signedGraphQLClient(url: string, secret: string, subgraph: string): SignedGraphQLClient {
  const post = async (headers: Record<string, string>, text: string): Promise<GraphQLAnswer> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: text,
    });
    const json = (await response.json()) as { data?: unknown; errors?: GraphQLAnswer['errors'] };
    return { status: response.status, data: json.data as Record<string, unknown> | undefined, errors: json.errors };
  };
  const signed = (viewerId: string | undefined, body: unknown, headers: Record<string, string> = {}) => {
    const request = gatewayRequest(secret, subgraph, viewerId, body);
    return post({ ...request.headers, ...headers }, request.text);
  };
  return {
    raw: (headers, body) => post(headers, JSON.stringify(body)),
    signed,
    async query<TData>(
      viewerId: string | undefined,
      query: string,
      variables: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) {
      return (await signed(viewerId, { query, variables }, headers)) as GraphQLAnswer<TData>;
    },
  };
}

/** The codes of an answer's errors, for assertions. */
export function errorCodes(answer: GraphQLAnswer<unknown>): Array<string | undefined> {
  return (answer.errors ?? []).map((e) => e.extensions?.code);
}
