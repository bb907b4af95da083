import { deterministicId, newId } from '@verograph/domain';

export interface CommandIdInput {
  readonly viewerId: string;
  /** The GraphQL mutation's name, so one key used for two kinds of mutation makes two commands. */
  readonly mutation: string;
  /** The client's `clientMutationId`, else the `Idempotency-Key` header the gateway forwarded. */
  readonly idempotencyKey: string | null | undefined;
  /**
   * The target of the mutation (a post, a user) for mutations that have one: a client that
   * reuses one key for two targets (Relay counters start at "0" in every session) gets two
   * commands, while a true resend still maps onto the first.
   */
  readonly scope?: readonly string[];
}

/**
 * The command id of a mutation: derived from the viewer, the mutation and the client's
 * idempotency key when there is one (a resend is the same command, and the ids derived from
 * it, such as a new post's, are the same objects), otherwise fresh.
 */
export function commandIdFor(input: CommandIdInput): string {
  const key = input.idempotencyKey?.trim();
  if (!key) return newId();
  return deterministicId('command', input.viewerId, input.mutation, key, ...(input.scope ?? []));
}

/** The client's idempotency key: `clientMutationId` wins over the request's header. */
export function idempotencyKeyOf(
  clientMutationId: string | null | undefined,
  headerKey: string | undefined,
): string | undefined {
  const own = clientMutationId?.trim();
  return own ? own : headerKey;
}

/** The id of an object a command creates (a post, a comment): a resend creates nothing new. */
export function createdIdFor(commandId: string, kind: string): string {
  return deterministicId(kind, commandId);
}
