import { describe, expect, it } from 'vitest';

import { checkDecisions, type SeenOutcome } from './decisions.ts';

const applied = (commandId: string, decision = `d-${commandId}`): SeenOutcome => ({
  commandId,
  status: 'APPLIED',
  reasonCode: '',
  decision,
});

describe('checkDecisions', () => {
  it('given each answered command once in Kafka with one APPLIED outcome, then every command was decided once', () => {
    const check = checkDecisions(
      // Another client's command and outcome on the shared topics are not the soak's business.
      {
        copies: new Map([
          ['a', 1],
          ['b', 1],
          ['other', 1],
        ]),
        outcomes: [applied('a'), applied('other'), applied('b')],
      },
      new Set(['a', 'b']),
    );
    expect(check).toEqual({
      commands: 2,
      notInKafka: 0,
      undecided: 0,
      decidedTwice: 0,
      notApplied: {},
      watchFailed: undefined,
      ok: true,
    });
  });

  it('given a resent command (two copies) answered twice with the identical decision, then it was decided once', () => {
    const check = checkDecisions(
      { copies: new Map([['a', 2]]), outcomes: [applied('a'), applied('a')] },
      new Set(['a']),
    );
    expect(check.ok).toBe(true);
  });

  it('given more outcomes than copies, or two different decisions, then the command was decided twice', () => {
    expect(
      checkDecisions({ copies: new Map([['a', 1]]), outcomes: [applied('a'), applied('a')] }, new Set(['a'])),
    ).toMatchObject({ decidedTwice: 1, ok: false });
    expect(
      checkDecisions({ copies: new Map([['a', 2]]), outcomes: [applied('a', 'x'), applied('a', 'y')] }, new Set(['a'])),
    ).toMatchObject({ decidedTwice: 1, ok: false });
  });

  it('given an answered command missing from Kafka, one with no outcome, or one REJECTED, then it fails and says which', () => {
    const check = checkDecisions(
      {
        copies: new Map([
          ['b', 1],
          ['c', 1],
        ]),
        outcomes: [{ commandId: 'c', status: 'REJECTED', reasonCode: 'POST_NOT_FOUND', decision: 'r' }],
      },
      new Set(['a', 'b', 'c']),
    );
    expect(check).toMatchObject({
      notInKafka: 1,
      undecided: 2,
      notApplied: { 'REJECTED POST_NOT_FOUND': 1 },
      ok: false,
    });
  });

  it('given a watch that crashed, then nothing it saw counts as proof', () => {
    const check = checkDecisions(
      { copies: new Map([['a', 1]]), outcomes: [applied('a')], crashed: () => 'TypeError: BigInt' },
      new Set(['a']),
    );
    expect(check).toMatchObject({ watchFailed: 'TypeError: BigInt', ok: false });
  });
});
