import { describe, expect, it } from 'vitest';

import { deciderSpec } from '../testing/deciderSpec.ts';
import { decideUser, userAggregateId } from './decideUser.ts';
import { decodeUserEvent, encodeUserEvent } from './userCodec.ts';
import type { RecordedEvent } from '../writer/aggregateWriter.ts';
import type { UserEvent, UserState } from './userModel.ts';

const { given } = deciderSpec(decideUser);
const alice = { actorId: 'alice', now: new Date('2026-03-01T10:00:00.000Z') };
const none: UserState = { profiles: new Map() };
const upToTime = new Date('2026-03-01T09:00:00.000Z');

describe('MarkNotificationsRead', () => {
  it('records how far the user has read, on the user aggregate', () => {
    const command = { type: 'MarkNotificationsRead', userId: 'alice', upToTime, upToId: 'e1' } as const;
    expect(userAggregateId(command)).toBe('alice');
    given(none).when(command, alice).then({ type: 'NotificationsMarkedRead', userId: 'alice', upToTime, upToId: 'e1' });
  });

  it("refuses to mark someone else's notifications", () => {
    given(none)
      .when({ type: 'MarkNotificationsRead', userId: 'bob', upToTime, upToId: 'e1' }, alice)
      .rejectedWith('FORBIDDEN');
  });

  it('refuses a position without its time or id', () => {
    given(none)
      .when({ type: 'MarkNotificationsRead', userId: 'alice', upToTime: undefined, upToId: 'e1' }, alice)
      .rejectedWith('INVALID_CURSOR');
    given(none)
      .when({ type: 'MarkNotificationsRead', userId: 'alice', upToTime, upToId: '' }, alice)
      .rejectedWith('INVALID_CURSOR');
  });

  it('round-trips its event through the wire', () => {
    const recorded: RecordedEvent<UserEvent> = {
      event: { type: 'NotificationsMarkedRead', userId: 'alice', upToTime, upToId: 'e1' },
      envelope: {
        messageId: 'm',
        commandId: 'c',
        aggregateId: 'alice',
        actorId: 'alice',
        occurredAt: alice.now,
        traceparent: '',
        tracestate: '',
      },
    };
    expect(decodeUserEvent(encodeUserEvent(recorded)).event).toEqual(recorded.event);
  });
});
