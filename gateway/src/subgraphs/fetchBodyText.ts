/** What is sent of a subgraph fetch. */
export interface FetchBody {
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  readonly [other: string]: unknown;
}

interface Frame {
  readonly query: string;
  readonly operationName: string | undefined;
  /** `{"query":…,"variables":` */
  readonly head: string;
  /** `,"operationName":…}` or `}` */
  readonly tail: string;
}

/**
 * The JSON text of subgraph fetches, equal to `JSON.stringify` of the fetch. A plan's fetch sends
 * the same query and operation name on every request: their JSON (the query is most of the
 * text) is written once per query and kept, so only the variables are serialised per fetch.
 */
export function createFetchBodyText(maxFrames = 1000): (body: FetchBody) => string {
  const frames = new Map<string, Frame>();
  const frameOf = (query: string, operationName: string | undefined): Frame => {
    // Keyed by the query text: the planner hands out the same string each time, whose hash V8 keeps.
    let frame = frames.get(query);
    if (frame === undefined || frame.operationName !== operationName) {
      frame = {
        query,
        operationName,
        head: `{"query":${JSON.stringify(query)},"variables":`,
        tail: operationName === undefined ? '}' : `,"operationName":${JSON.stringify(operationName)}}`,
      };
      if (frames.size >= maxFrames) frames.delete(frames.keys().next().value as string);
      frames.set(query, frame);
    }
    return frame;
  };

  return (body) => {
    const { query, variables, operationName } = body;
    if (typeof query !== 'string' || variables === undefined || !onlyFramedKeys(body)) return JSON.stringify(body);
    if (operationName !== undefined && typeof operationName !== 'string') return JSON.stringify(body);
    const frame = frameOf(query, operationName);
    return frame.head + JSON.stringify(variables) + frame.tail;
  };
}

/** Whether the body has no key but query, variables and operationName (in that order), an undefined `http` aside. */
function onlyFramedKeys(body: FetchBody): boolean {
  let index = 0;
  for (const key in body) {
    if (body[key] === undefined) continue;
    if (key !== framedKeys[index]) {
      // operationName may be absent (undefined values are skipped above), nothing else may differ.
      return false;
    }
    index++;
  }
  return true;
}

const framedKeys = ['query', 'variables', 'operationName'];
