import { HeaderMap } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';

import {
  earlyAdmission,
  inFlightCount,
  looksLikeMutation,
  retryAfterSeconds,
  useMutationAdmission,
} from './useMutationAdmission.ts';

type Hooks = {
  didResolveOperation(ctx: unknown): Promise<void>;
  willSendResponse(ctx: unknown): Promise<void>;
};

/** One request through the plugin's hooks, as Apollo Server calls them. */
async function start(plugin: ReturnType<typeof useMutationAdmission>, operation: 'query' | 'mutation') {
  const hooks = (await plugin.requestDidStart!({} as never)) as unknown as Hooks;
  const headers = new HeaderMap();
  const response = { http: { headers }, body: { kind: 'single', singleResult: {} } };
  const refused = await hooks.didResolveOperation({ operation: { operation } }).then(
    () => undefined,
    (error: GraphQLError) => error,
  );
  return {
    refused,
    headers,
    finish: (errors?: readonly GraphQLError[]) => hooks.willSendResponse({ response, errors }),
  };
}

describe('mutation admission in the gateway', () => {
  it('given maxInFlight mutations executing, then the next is refused with 429 OVERLOADED and Retry-After, and queries pass', async () => {
    const plugin = useMutationAdmission({ maxInFlight: 2, retryAfterMs: 1_500 });
    const first = await start(plugin, 'mutation');
    const second = await start(plugin, 'mutation');
    expect(first.refused ?? second.refused).toBeUndefined();
    const query = await start(plugin, 'query');
    expect(query.refused).toBeUndefined();

    const third = await start(plugin, 'mutation');
    expect(third.refused?.extensions).toMatchObject({
      code: 'OVERLOADED',
      retryable: true,
      retryAfterMs: 1_500,
      http: { status: 429 },
    });
    await third.finish([third.refused!]);
    expect(third.headers.get('retry-after')).toBe('2');

    // A refused mutation held no place; a finished one gives its place back.
    await first.finish();
    expect((await start(plugin, 'mutation')).refused).toBeUndefined();
    expect((await start(plugin, 'mutation')).refused).toBeDefined();
  });

  it('given an event loop running later than the limit, then mutations are refused and queries still pass', async () => {
    let delay = 500;
    const plugin = useMutationAdmission({
      maxInFlight: 100,
      retryAfterMs: 1_000,
      maxEventLoopDelayMs: 200,
      eventLoopDelayMs: () => delay,
    });
    expect((await start(plugin, 'mutation')).refused?.extensions?.code).toBe('OVERLOADED');
    expect((await start(plugin, 'query')).refused).toBeUndefined();
    delay = 20;
    expect((await start(plugin, 'mutation')).refused).toBeUndefined();
  });

  it('refuses early, before any parse, only while starved, and only what reads as a mutation', () => {
    let delay = 500;
    const early = earlyAdmission({
      maxInFlight: 1,
      retryAfterMs: 2_500,
      maxEventLoopDelayMs: 200,
      eventLoopDelayMs: () => delay,
    });
    expect(early.refusal()).toEqual({
      message: expect.any(String),
      headers: { 'retry-after': '3' },
      extensions: { retryable: true, retryAfterMs: 2_500 },
    });
    delay = 10;
    expect(early.refusal()).toBeUndefined();
    expect(looksLikeMutation('  # a comment\n mutation Love($p: ID!) { lovePost(postId: $p) { status } }')).toBe(true);
    expect(looksLikeMutation('mutation{x}')).toBe(true);
    expect(looksLikeMutation('query { mutationLog }')).toBe(false);
    expect(looksLikeMutation('{ mutations }')).toBe(false);
    expect(looksLikeMutation(undefined)).toBe(false);
  });

  it('counts and rounds the retry hint to whole seconds, at least one', () => {
    const count = inFlightCount(1);
    expect(count.enter()).toBe(true);
    expect(count.enter()).toBe(false);
    count.leave();
    expect(count.inside).toBe(0);
    expect(retryAfterSeconds(0)).toBe('1');
    expect(retryAfterSeconds(1_000)).toBe('1');
    expect(retryAfterSeconds(1_001)).toBe('2');
  });
});
