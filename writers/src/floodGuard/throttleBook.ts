import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { ThrottledAction, ThrottleSchema } from '@verograph/contracts/insights/v1/insights';

/** The actions the insights job may throttle; the names of `ThrottledAction` without its prefix. */
export type ThrottledActionName = 'COMMENT' | 'FOLLOW' | 'CONNECTION_REQUEST';

/** The key of a throttle on insights.throttles: `<user id>:<action>`. */
export function throttleKey(userId: string, action: ThrottledActionName): string {
  return `${userId}:${action}`;
}

/** One record of insights.throttles as the book applies it: a throttle, or a tombstone (null value). */
export type ThrottleRecord =
  | { readonly kind: 'throttle'; readonly key: string; readonly untilMs: number }
  | { readonly kind: 'tombstone'; readonly key: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const actionNames: Partial<Record<ThrottledAction, ThrottledActionName>> = {
  [ThrottledAction.COMMENT]: 'COMMENT',
  [ThrottledAction.FOLLOW]: 'FOLLOW',
  [ThrottledAction.CONNECTION_REQUEST]: 'CONNECTION_REQUEST',
};

/**
 * Reads one record. The key is rebuilt from the value rather than trusted, so a record keyed
 * by something else still throttles the user and action it names; a tombstone can only go by
 * its key. Anything unreadable is `invalid` and throttles nobody.
 */
export function readThrottleRecord(key: string | undefined, value: Uint8Array | null | undefined): ThrottleRecord {
  if (!value || value.length === 0) {
    return key ? { kind: 'tombstone', key } : { kind: 'invalid', reason: 'a tombstone without a key' };
  }
  try {
    const throttle = fromBinary(ThrottleSchema, value);
    const action = actionNames[throttle.action];
    if (!throttle.userId || !action || !throttle.until) {
      return { kind: 'invalid', reason: 'a throttle without user, action or until' };
    }
    return { kind: 'throttle', key: throttleKey(throttle.userId, action), untilMs: timestampMs(throttle.until) };
  } catch (error) {
    return { kind: 'invalid', reason: `undecodable: ${(error as Error).message}` };
  }
}

/**
 * Who is throttled until when, as the compacted topic says: the latest record per key wins.
 * Pure and in memory: a process rebuilds it from the topic when it starts.
 */
export interface ThrottleBook {
  apply(record: ThrottleRecord): void;
  /** Until when the user may not do the action, or undefined when they may (now included). */
  throttledUntil(userId: string, action: ThrottledActionName, now: Date): Date | undefined;
  /** Keys held; expired ones are dropped as they are met. */
  readonly size: number;
}

export function createThrottleBook(): ThrottleBook {
  const until = new Map<string, number>();
  return {
    apply(record) {
      if (record.kind === 'throttle') until.set(record.key, record.untilMs);
      else if (record.kind === 'tombstone') until.delete(record.key);
    },
    throttledUntil(userId, action, now) {
      const key = throttleKey(userId, action);
      const ms = until.get(key);
      if (ms === undefined) return undefined;
      if (ms <= now.getTime()) {
        // Passed: it throttles nothing any more, and a newer record would replace it anyway.
        until.delete(key);
        return undefined;
      }
      return new Date(ms);
    },
    get size() {
      return until.size;
    },
  };
}
