/**
 * An open-loop load: request i is due at `start + i / rate` and goes out then, whatever the
 * earlier ones are doing, and its latency counts from that scheduled time, so that a system
 * that queues (or a load generator that falls behind) shows as latency instead of hiding it.
 */
import { performance } from 'node:perf_hooks';

import { HttpStatusError, type GraphQLAnswer } from './gatewayClient.ts';
import { sleep, summarize, type LatencySummary } from './stats.ts';

export interface OpenLoopFigures {
  readonly offeredPerSecond: number;
  /** Requests sent per second of sending: below the offered rate when the load generator fell behind. */
  readonly achievedPerSecond: number;
  readonly sent: number;
  /** From each request's scheduled time to its answer (or failure). */
  readonly latency: LatencySummary;
  /** How many answers of each kind: APPLIED, ACCEPTED, REJECTED CODE, error CODE, HTTP n, client timeout… */
  readonly kinds: Readonly<Record<string, number>>;
  /** The latest any request left after its scheduled time. */
  readonly maxSendLagMs: number;
  /** From the first request sent to the last (not to the last answer). */
  readonly sendingSeconds: number;
}

/** What a request's answer was, in one word or two (see `answerKind`). */
export type SendResult = Promise<string>;

/** Runs `send(i)` for every i due within `seconds` at `rate` per second; waits for every answer. */
export async function openLoop(
  rate: number,
  seconds: number,
  send: (index: number) => SendResult,
  firstIndex = 0,
): Promise<OpenLoopFigures> {
  const answers: Promise<{ ms: number; kind: string }>[] = [];
  const started = performance.now();
  const total = Math.round(rate * seconds);
  let maxSendLagMs = 0;
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    for (; sent < total && started + (sent * 1000) / rate <= now; sent++) {
      const scheduled = started + (sent * 1000) / rate;
      maxSendLagMs = Math.max(maxSendLagMs, now - scheduled);
      answers.push(
        send(firstIndex + sent).then(
          (kind) => ({ ms: performance.now() - scheduled, kind }),
          (error: unknown) => ({ ms: performance.now() - scheduled, kind: failureKind(error) }),
        ),
      );
    }
    await sleep(1);
  }
  const sendingSeconds = (performance.now() - started) / 1000;
  const settled = await Promise.all(answers);
  const kinds: Record<string, number> = {};
  for (const { kind } of settled) kinds[kind] = (kinds[kind] ?? 0) + 1;
  return {
    offeredPerSecond: rate,
    achievedPerSecond: total / Math.max(sendingSeconds, seconds),
    latency: summarize(settled.map((a) => a.ms)),
    kinds,
    sent: total,
    maxSendLagMs,
    sendingSeconds,
  };
}

/** A request that failed before an answer: a client timeout, an HTTP error page, a refused connection. */
export function failureKind(error: unknown): string {
  if (error instanceof HttpStatusError) return `HTTP ${error.httpStatus}`;
  if (error instanceof Error && error.message === 'timeout') return 'client timeout';
  const code = (error as { code?: unknown }).code;
  return `connection ${typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)}`;
}

/**
 * An answer's kind: the payload's status (`APPLIED`, `ACCEPTED`, `REJECTED CODE`), or the first
 * error's `extensions.code` (`error OVERLOADED`), with the HTTP status when it is not 200.
 */
export function answerKind(answer: GraphQLAnswer<unknown>, httpStatus = 200): string {
  const http = httpStatus === 200 ? '' : ` (HTTP ${httpStatus})`;
  if (answer.errors?.length) return `error ${answer.errors[0]!.extensions?.code ?? 'without a code'}${http}`;
  const payload = (answer.data ? Object.values(answer.data)[0] : undefined) as
    { status?: unknown; reason?: { code?: unknown } | null; __typename?: unknown } | null | undefined;
  if (typeof payload?.status !== 'string') return `no payload${http}`;
  return payload.status === 'REJECTED'
    ? `REJECTED ${String(payload.reason?.code ?? '?')}${http}`
    : payload.status + http;
}

/** The kinds the targets allow: a payload APPLIED or ACCEPTED (REJECTED is the command's own answer). */
export function isError(kind: string): boolean {
  return !(kind === 'APPLIED' || kind === 'ACCEPTED' || kind === 'OK' || kind.startsWith('REJECTED '));
}

export function countOf(kinds: Readonly<Record<string, number>>, predicate: (kind: string) => boolean): number {
  return Object.entries(kinds)
    .filter(([kind]) => predicate(kind))
    .reduce((sum, [, count]) => sum + count, 0);
}
