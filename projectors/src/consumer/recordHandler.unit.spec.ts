import { Writable } from 'node:stream';

import { continueTrace, type IncomingRecord } from '@verograph/messaging';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import type { ProjectedEvent } from '../events/projectedEvent.ts';
import { events } from '../testing/events.ts';
import { encodeEvent } from '../testing/publish.ts';
import type { DeliveryContext, Projector } from './projector.ts';
import { recordHandlerFor } from './recordHandler.ts';

const topics = { users: 'u.events', posts: 'p.events', collections: 'c.events' };

function recording() {
  const seen: { event: ProjectedEvent; context: DeliveryContext }[] = [];
  const projector: Projector = {
    name: 'feeds',
    groupId: 'g',
    streams: ['posts'],
    handle: async (event, context) => {
      seen.push({ event, context });
      return { kind: 'done' };
    },
  };
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    }),
  );
  return { seen, lines, handle: recordHandlerFor(projector, topics, logger) };
}

function record(topic: string, value: Uint8Array | null, headers: IncomingRecord['headers'] = {}): IncomingRecord {
  return {
    topic,
    partition: 0,
    offset: '7',
    key: null,
    value: value && Buffer.from(value),
    headers,
    timestamp: '0',
    trace: continueTrace(headers.traceparent?.toString()),
    attempt: 1,
  };
}

const created = events.postCreated({ postId: 'p', authorId: 'a', audience: 'FOLLOWERS', createdAt: new Date() });
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('the record adapter', () => {
  it('decodes the event and hands it over with a logger and headers carrying the trace', async () => {
    const { seen, handle } = recording();
    expect(await handle(record('p.events', encodeEvent(created), { traceparent }))).toEqual({ kind: 'done' });
    expect(seen[0]?.event.event.envelope?.messageId).toBe(created.event.envelope?.messageId);
    // A child span of the same trace, for whatever the handler publishes.
    expect(seen[0]?.context.traceHeaders.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
  });

  it('falls back to the envelope trace when the headers carry none', async () => {
    const { seen, lines, handle } = recording();
    const traced = structuredClone(created);
    traced.event.envelope!.traceparent = traceparent;
    await handle(record('p.events', encodeEvent(traced)));
    seen[0]?.context.log.info('hello');
    expect(lines.at(-1)).toMatchObject({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      topic: 'p.events',
      offset: '7',
      event: 'postCreated',
    });
  });

  it('dead-letters undecodable, empty and unexpected records', async () => {
    const { seen, handle } = recording();
    expect(await handle(record('p.events', new Uint8Array([0xff, 0xff])))).toMatchObject({
      kind: 'dead-letter',
      code: 'UNDECODABLE',
    });
    expect(await handle(record('p.events', null))).toMatchObject({ kind: 'dead-letter', code: 'EMPTY_RECORD' });
    expect(await handle(record('u.events', encodeEvent(events.followed('a', 'b'))))).toMatchObject({
      kind: 'dead-letter',
      code: 'UNEXPECTED_TOPIC',
    });
    expect(seen).toEqual([]);
  });
});
