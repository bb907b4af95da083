import { expect } from 'vitest';

import type { ErrorCode } from '@verograph/domain';

import type { Decision, DecisionContext } from '../writer/decision.ts';

/**
 * Given/when/then for a pure decider:
 * `given(state).when(command, context).then(...events)` or `.rejectedWith(code)`.
 */
export function deciderSpec<C, E, S>(decide: (command: C, state: S, context: DecisionContext) => Decision<E>) {
  return {
    given: (state: S) => ({
      when: (command: C, context: DecisionContext) => {
        const decision = decide(command, state, context);
        return {
          then: (...events: E[]) => expect(decision).toEqual({ events }),
          rejectedWith: (code: ErrorCode, message?: RegExp) => {
            expect(decision).toMatchObject({ rejection: { code } });
            if (message && 'rejection' in decision) expect(decision.rejection.message).toMatch(message);
          },
        };
      },
    }),
  };
}
