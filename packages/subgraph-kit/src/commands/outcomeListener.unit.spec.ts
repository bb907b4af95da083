import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { describe, expect, it } from 'vitest';

import { createOutcomeWaiters, outcomeFromMessage } from './outcomeListener.ts';
import type { RecordedOutcome } from './outcomes.ts';

const applied = (commandId: string): RecordedOutcome => ({
  commandId,
  aggregateId: 'a1',
  status: 'APPLIED',
  reason: null,
  decidedAt: new Date(0),
});

describe('outcome waiters', () => {
  it('given a wait, when its outcome is heard, then the wait answers it and is forgotten', async () => {
    const waiters = createOutcomeWaiters();
    const wait = waiters.expect('c1');
    expect(waiters.size).toBe(1);
    expect(waiters.heard(applied('c2'))).toBe(false);
    expect(waiters.heard(applied('c1'))).toBe(true);
    expect(await wait.until(Date.now() + 5_000)).toEqual(applied('c1'));
    expect(waiters.size).toBe(0);
  });

  it('given an outcome heard before anyone awaits the wait, then the wait still answers it', async () => {
    const waiters = createOutcomeWaiters();
    const wait = waiters.expect('c1');
    waiters.heard(applied('c1'));
    expect(await wait.until(Date.now())).toEqual(applied('c1'));
  });

  it('given no outcome, when the deadline passes, then the wait answers undefined and is forgotten', async () => {
    const waiters = createOutcomeWaiters();
    const started = Date.now();
    expect(await waiters.expect('c1').until(started + 30)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(waiters.size).toBe(0);
  });

  it('settles every wait for one command (concurrent resends), and clear settles the rest with undefined', async () => {
    const waiters = createOutcomeWaiters();
    const first = waiters.expect('c1');
    const second = waiters.expect('c1');
    const other = waiters.expect('c2');
    waiters.heard(applied('c1'));
    expect(await first.until(Date.now() + 5_000)).toEqual(applied('c1'));
    expect(await second.until(Date.now() + 5_000)).toEqual(applied('c1'));
    const pending = other.until(Date.now() + 5_000);
    waiters.clear();
    expect(await pending).toBeUndefined();
    expect(waiters.size).toBe(0);
  });

  it('forgets a cancelled wait', async () => {
    const waiters = createOutcomeWaiters();
    const wait = waiters.expect('c1');
    wait.cancel();
    expect(waiters.size).toBe(0);
    expect(waiters.heard(applied('c1'))).toBe(false);
    expect(await wait.until(Date.now() + 5_000)).toBeUndefined();
  });
});

describe('outcomeFromMessage', () => {
  const decidedAt = new Date('2026-03-01T10:00:00.000Z');
  it('reads an APPLIED outcome as the decision log reader does', () => {
    const message = create(CommandOutcomeSchema, {
      commandId: 'c1',
      aggregateId: 'p1',
      status: CommandStatus.APPLIED,
      decidedAt: timestampFromDate(decidedAt),
    });
    expect(outcomeFromMessage(message)).toEqual({
      commandId: 'c1',
      aggregateId: 'p1',
      status: 'APPLIED',
      reason: null,
      decidedAt,
    });
  });

  it('reads a REJECTED outcome with its reason, and nothing from an unknown status', () => {
    const rejected = create(CommandOutcomeSchema, {
      commandId: 'c2',
      aggregateId: 'p1',
      status: CommandStatus.REJECTED,
      reasonCode: 'ALREADY_LOVED',
      reasonMessage: 'you already love this post',
    });
    expect(outcomeFromMessage(rejected)).toMatchObject({
      status: 'REJECTED',
      reason: { code: 'ALREADY_LOVED', message: 'you already love this post' },
      decidedAt: undefined,
    });
    expect(outcomeFromMessage(create(CommandOutcomeSchema, { commandId: 'c3' }))).toBeUndefined();
  });
});
