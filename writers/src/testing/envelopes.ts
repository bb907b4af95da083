import type { EventEnvelope } from '../writer/aggregateWriter.ts';

/** An event envelope for codec specs. */
export function eventEnvelope(aggregateId: string, index = 0): EventEnvelope {
  return {
    messageId: `00000000-0000-5000-8000-00000000000${index}`,
    commandId: 'c6b1e6a0-0000-4000-8000-000000000001',
    aggregateId,
    occurredAt: new Date('2026-03-01T10:00:00.123Z'),
    actorId: 'alice',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tracestate: '',
  };
}
