import { signViewer, type CheckResult, type ReadinessCheck } from '@verograph/service';

import type { SubgraphEndpoint } from './subgraphsOf.ts';

/**
 * The gateway's readiness checks, one per subgraph it routes to now (`subgraph:<name>`), plus
 * `serving`: whether the gateway itself has started and is not stopping.
 */
export function gatewayReadinessChecks(options: {
  readonly serving: () => boolean;
  readonly subgraphs: () => readonly SubgraphEndpoint[];
  readonly signingSecret: string;
  readonly timeoutMs: number;
}): () => Record<string, ReadinessCheck> {
  return () => ({
    serving: () => (options.serving() ? { ok: true } : { ok: false, detail: 'starting or stopping' }),
    ...Object.fromEntries(
      options.subgraphs().map((endpoint) => [`subgraph:${endpoint.name}`, () => probeSubgraph(endpoint, options)]),
    ),
  });
}

/**
 * Asks one subgraph the cheapest question there is, `{ __typename }`, signed like any gateway
 * request (subgraphs refuse unsigned ones), within `timeoutMs`.
 */
export async function probeSubgraph(
  { name, url }: SubgraphEndpoint,
  { signingSecret, timeoutMs }: { signingSecret: string; timeoutMs: number },
): Promise<CheckResult> {
  const started = performance.now();
  const took = () => `${Math.round(performance.now() - started)} ms`;
  const question = JSON.stringify({ query: '{ __typename }' });
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signViewer(signingSecret, undefined, { subgraph: name, body: question, scope: 'request' }),
      },
      body: question,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => undefined)) as { data?: { __typename?: unknown } } | undefined;
    if (!response.ok || typeof body?.data?.__typename !== 'string') {
      return { ok: false, detail: `HTTP ${response.status} without data after ${took()}` };
    }
    return { ok: true, detail: `answered in ${took()}` };
  } catch (error) {
    return {
      ok: false,
      detail:
        error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable',
    };
  }
}
