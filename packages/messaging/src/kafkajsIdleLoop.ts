import { createRequire } from 'node:module';

/** What this fix touches of kafkajs's (untyped, internal) request queue. */
interface RequestQueueInternals {
  pending: unknown[];
  scheduleCheckPendingRequests(this: RequestQueueInternals): void;
}

const require = createRequire(import.meta.url);
let applied = false;

/**
 * kafkajs 2.2.4, its latest release, keeps every broker connection's request queue in a 1 ms
 * timer loop once the connection has answered its first request: `checkPendingRequests` always
 * ends by scheduling itself again, with a negative delay when nothing is throttled (kafkajs
 * issues #1556 and #1704, unfixed in a release). Each of this project's processes holds several
 * consumers, a producer and an admin client, so those loops were most of their CPU at idle
 * (≈ 40–60 ms per second per process, measured). With nothing pending there is nothing to
 * check: a request that has to wait is queued by `push`, which schedules its own check, and
 * every finished request checks the queue again. So the check is scheduled only while
 * something is pending. Process-wide (it is the library's class); applied once, by
 * `createKafka`, before any client exists. Returns whether the fix is in place.
 */
export function stopKafkajsIdleLoop(): boolean {
  if (applied) return true;
  const queue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype?: Partial<RequestQueueInternals>;
  };
  const schedule = queue.prototype?.scheduleCheckPendingRequests;
  // A kafkajs whose queue looks different is left as it is.
  if (typeof schedule !== 'function' || queue.prototype === undefined) return false;
  queue.prototype.scheduleCheckPendingRequests = function scheduleWhilePending(this: RequestQueueInternals) {
    if (this.pending.length > 0) schedule.call(this);
  };
  applied = true;
  return true;
}
