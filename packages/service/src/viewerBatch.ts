/**
 * A viewer batch: ONE query (text, variables, operation name) executed as each of several
 * viewers, sent by the gateway to a subgraph in one POST. The gateway sends one when the same
 * fetch is made for many viewers at once, as when a post is delivered live to each of its
 * recipients: each viewer still gets the answer the subgraph gives that viewer (its audience
 * rules, its `viewerHasLoved`), and the subgraph can read what the viewers share once.
 *
 * The request carries VIEWER_BATCH_HEADER and the gateway's signature for no viewer over the
 * whole body (scope `batch`); each viewer in the body carries its own signature, over the
 * batch's operation (`viewerBatchOperation`) and its index in the batch (scope `{ viewerIndex }`),
 * so it is worth nothing as a lone request's headers or at another index.
 * The answer is `{ results: [...] }`, one GraphQL response per viewer, in the same order.
 */
export const VIEWER_BATCH_HEADER = 'x-viewer-batch';

/** The most viewers one batch carries. */
export const MAX_BATCH_VIEWERS = 100;

export interface BatchViewer {
  /** `signViewer`'s headers for this viewer at its index. */
  readonly headers: Record<string, string>;
  /** The viewer's span of its own trace. */
  readonly traceparent?: string;
}

export interface ViewerBatchBody {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  readonly viewers: readonly BatchViewer[];
}

export interface ViewerBatchAnswer {
  readonly results: ReadonlyArray<{ readonly data?: unknown; readonly errors?: readonly unknown[] }>;
}

/**
 * What each viewer's signature covers of a batch: its query, variables and operation name as
 * one JSON text. The subgraph rebuilds it from the body it parsed; JSON.stringify of what
 * JSON.parse read back from JSON.stringify is the same text, so both ends agree.
 */
export function viewerBatchOperation(batch: Pick<ViewerBatchBody, 'query' | 'variables' | 'operationName'>): string {
  return JSON.stringify([batch.query, batch.variables ?? null, batch.operationName ?? null]);
}

/** The body as a ViewerBatchBody, or why it is not one. */
export function readViewerBatch(body: unknown): ViewerBatchBody | string {
  if (typeof body !== 'object' || body === null) return 'a viewer batch is a JSON object';
  const { query, variables, operationName, viewers } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.length === 0) return 'a viewer batch needs a query';
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return 'variables must be an object';
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return 'operationName must be a string';
  }
  if (!Array.isArray(viewers) || viewers.length === 0 || viewers.length > MAX_BATCH_VIEWERS) {
    return `viewers must list 1 to ${MAX_BATCH_VIEWERS} viewers`;
  }
  for (const viewer of viewers as unknown[]) {
    const headers = (viewer as { headers?: unknown } | null)?.headers;
    const traceparent = (viewer as { traceparent?: unknown } | null)?.traceparent;
    if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) {
      return "each viewer needs its signature's headers";
    }
    if (traceparent !== undefined && typeof traceparent !== 'string') return 'traceparent must be a string';
  }
  return {
    query,
    ...(variables ? { variables: variables as Record<string, unknown> } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
    viewers: viewers as BatchViewer[],
  };
}
