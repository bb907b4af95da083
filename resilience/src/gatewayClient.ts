import { request as httpRequest } from 'node:http';

import { LOCAL_JWT_SECRET, mintToken } from '@verograph/gateway';

/** What the gateway answered: the GraphQL response and the HTTP status it came with. */
export interface GraphQLResult<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: ReadonlyArray<{
    readonly message: string;
    readonly path?: readonly (string | number)[];
    readonly extensions?: { readonly code?: string };
  }>;
}

/** A client of the gateway acting as one viewer, as a frontend would. */
export interface GatewayClient {
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>>;
}

/**
 * Each request on a connection of its own (`agent: false`): a pooled connection the gateway
 * closes for idleness just as the next request is written resets that request (a race that a
 * loaded machine widens), and a test client must not report that as the system's answer.
 */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, agent: false, timeout: 60_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function gatewayClient(url: string, userId: string): Promise<GatewayClient> {
  const token = await mintToken(process.env.JWT_SECRET ?? LOCAL_JWT_SECRET, userId);
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}) {
      const body = JSON.stringify({ query, variables });
      const response = await post(
        url,
        {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${token}`,
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
      );
      const answer = JSON.parse(response.text) as Omit<GraphQLResult<T>, 'status'>;
      return { status: response.status, ...answer };
    },
  };
}

/** The error codes of a response, in order; empty when it has none. */
export function errorCodes(result: GraphQLResult<unknown>): string[] {
  return (result.errors ?? []).map((e) => e.extensions?.code ?? '(no code)');
}

/** The fields every mutation payload shares. */
export interface CommandPayload {
  readonly commandId: string;
  readonly status: 'ACCEPTED' | 'APPLIED' | 'REJECTED';
  readonly reason: { readonly code: string; readonly message: string } | null;
}

/** Selection of the shared payload fields. */
export const PAYLOAD = 'commandId status reason { code message }';

/** The mutations both outage specs send, with the payload fields above. */
export const CREATE_PROFILE = `mutation($input: CreateProfileInput!) { createProfile(input: $input) { ${PAYLOAD} } }`;
export const FOLLOW = `mutation($u: ID!, $m: String) { follow(userId: $u, clientMutationId: $m) { ${PAYLOAD} } }`;
export const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { ${PAYLOAD} post { id } } }`;

/** One answer a client got while resending a mutation. */
export interface Attempt {
  /** When the answer came (epoch ms). */
  readonly at: number;
  /** How long the gateway took to answer. */
  readonly ms: number;
  /** The payload's status, or the error codes. */
  readonly answer: string;
}

/** A mutation a client sent until it got a payload, and every answer on the way. */
export interface Answered<P> {
  readonly payload: P & CommandPayload;
  readonly startedAt: number;
  readonly attempts: readonly Attempt[];
}

/** How long a client keeps retrying a mutation the gateway refuses as OVERLOADED. */
const OVERLOAD_PATIENCE_MS = 60_000;

/** The pause an OVERLOADED answer asks for (`extensions.retryAfterMs`), 1 s when it names none. */
function retryAfterMs(result: { readonly errors?: ReadonlyArray<{ readonly extensions?: unknown }> }): number {
  const asked = result.errors
    ?.map((e) => (e.extensions as { retryAfterMs?: unknown } | undefined)?.retryAfterMs)
    .find((ms): ms is number => typeof ms === 'number');
  return asked ?? 1_000;
}

/**
 * What a careful client does with a mutation that carries an idempotency key
 * (`clientMutationId`): whenever the answer is a coded error that says "try again"
 * (`retryable`), it sends the very same mutation again after a pause, until it gets a payload.
 * Any other error fails, with the whole answer in the message.
 */
export async function sendUntilAnswered<P = Record<string, unknown>>(
  client: GatewayClient,
  mutation: string,
  variables: Record<string, unknown>,
  field: string,
  options: { readonly retryable: ReadonlySet<string>; readonly pauseMs: number; readonly deadline: number },
): Promise<Answered<P>> {
  const attempts: Attempt[] = [];
  const startedAt = Date.now();
  for (;;) {
    const sentAt = Date.now();
    const result = await client.request<Record<string, P & CommandPayload>>(mutation, variables);
    const answered = { at: Date.now(), ms: Date.now() - sentAt };
    const payload = result.data?.[field];
    const codes = errorCodes(result);
    if (payload && codes.length === 0 && result.status === 200) {
      attempts.push({ ...answered, answer: payload.status });
      return { payload, startedAt, attempts };
    }
    attempts.push({ ...answered, answer: codes.join(',') || `HTTP ${result.status}` });
    // OVERLOADED (429) says that nothing was sent and when to try again: every careful client
    // does, whatever else it retries, for as long as OVERLOAD_PATIENCE_MS (a set-up's burst of
    // mutations meets the gateway's admission control on a busy machine).
    const overloaded = result.status === 429 && codes.length > 0 && codes.every((code) => code === 'OVERLOADED');
    if (overloaded) {
      if (Date.now() - startedAt > OVERLOAD_PATIENCE_MS) {
        throw new Error(`${field} was still refused as OVERLOADED after ${OVERLOAD_PATIENCE_MS / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(options.pauseMs, retryAfterMs(result))));
      continue;
    }
    // A server error status is never an answer a client can act on, whatever code it carries.
    if (result.status >= 500 || codes.length === 0 || !codes.every((code) => options.retryable.has(code))) {
      throw new Error(`${field} failed with an error a client cannot retry: ${JSON.stringify(result)}`);
    }
    if (Date.now() > options.deadline) {
      throw new Error(`${field} was still failing at the deadline: ${JSON.stringify(attempts.slice(-5))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
}

/** A mutation sent once, no error retried (set-up, with every engine up): its payload, whatever its status. */
export async function sendOnce(
  client: GatewayClient,
  mutation: string,
  variables: Record<string, unknown>,
  field: string,
): Promise<CommandPayload> {
  const { payload } = await sendUntilAnswered(client, mutation, variables, field, {
    retryable: new Set(),
    pauseMs: 0,
    deadline: Date.now(),
  });
  return payload;
}
