import { signViewer } from '@verograph/service';

import type { SubgraphEndpoint } from './subgraphsOf.ts';

export interface SubgraphStatus {
  readonly up: boolean;
  readonly latencyMs: number;
  /** Why it counts as down. */
  readonly error?: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly subgraphs: Readonly<Record<string, SubgraphStatus>>;
}

/**
 * Asks each subgraph the cheapest question there is, `{ __typename }`, signed like any gateway
 * request (subgraphs refuse unsigned ones), within `timeoutMs`. Ready means every one answered.
 */
export async function probeSubgraphs(
  subgraphs: readonly SubgraphEndpoint[],
  { signingSecret, timeoutMs }: { signingSecret: string; timeoutMs: number },
): Promise<Readiness> {
  const statuses = await Promise.all(
    subgraphs.map(async ({ name, url }): Promise<[string, SubgraphStatus]> => {
      const started = performance.now();
      const took = () => Math.round(performance.now() - started);
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
          return [name, { up: false, latencyMs: took(), error: `HTTP ${response.status} without data` }];
        }
        return [name, { up: true, latencyMs: took() }];
      } catch (error) {
        const reason =
          error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable';
        return [name, { up: false, latencyMs: took(), error: reason }];
      }
    }),
  );
  return {
    ready: statuses.length > 0 && statuses.every(([, status]) => status.up),
    subgraphs: Object.fromEntries(statuses),
  };
}
