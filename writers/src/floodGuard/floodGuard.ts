import type { PostCommand } from '../posts/postModel.ts';
import type { UserCommand } from '../users/userModel.ts';
import type { AggregateWriter } from '../writer/aggregateWriter.ts';
import { reject, type Decision, type DecisionContext } from '../writer/decision.ts';
import type { ThrottleBook, ThrottledActionName } from './throttleBook.ts';

/** Who does which throttleable action with a command, or undefined when it is not one. */
export type ThrottledActionOf<C> = (command: C) => { userId: string; action: ThrottledActionName } | undefined;

/** Follows and connection requests are throttleable; every other users command is not. */
export const userThrottledAction: ThrottledActionOf<UserCommand> = (command) => {
  switch (command.type) {
    case 'Follow':
      return { userId: command.followerId, action: 'FOLLOW' };
    case 'RequestConnection':
      return { userId: command.requesterId, action: 'CONNECTION_REQUEST' };
    default:
      return undefined;
  }
};

/** Comments are throttleable; every other posts command is not. */
export const postThrottledAction: ThrottledActionOf<PostCommand> = (command) =>
  command.type === 'CommentOnPost' ? { userId: command.authorId, action: 'COMMENT' } : undefined;

const what: Record<ThrottledActionName, string> = {
  COMMENT: 'comments',
  FOLLOW: 'follows',
  CONNECTION_REQUEST: 'connection requests',
};

/**
 * The flood guard in front of a decider (pure): a throttleable command of a user the book
 * throttles for that action is REJECTED with RATE_LIMITED until the throttle passes; any other
 * command is decided as before. The rejection is recorded like any decision, so a redelivered
 * command keeps it even after the throttle passed.
 */
export function guardDecide<C, E, S>(
  decide: (command: C, state: S, context: DecisionContext) => Decision<E>,
  book: ThrottleBook,
  actionOf: ThrottledActionOf<C>,
): (command: C, state: S, context: DecisionContext) => Decision<E> {
  return (command, state, context) => {
    // A trusted bulk load (the demo network, an import) is not one person's burst.
    const throttled = context.bulkLoad ? undefined : actionOf(command);
    const until = throttled && book.throttledUntil(throttled.userId, throttled.action, context.now);
    if (throttled && until) {
      return reject(
        'RATE_LIMITED',
        `Too many ${what[throttled.action]} in the last minute; try again after ${until.toISOString()}.`,
      );
    }
    return decide(command, state, context);
  };
}

/** The writer with the flood guard in front of its decider; everything else is the writer's own. */
export function withFloodGuard<C, E, S>(
  writer: AggregateWriter<C, E, S>,
  book: ThrottleBook | undefined,
  actionOf: ThrottledActionOf<C>,
): AggregateWriter<C, E, S> {
  if (!book) return writer;
  return { ...writer, decide: guardDecide((c, s, ctx) => writer.decide(c, s, ctx), book, actionOf) };
}
