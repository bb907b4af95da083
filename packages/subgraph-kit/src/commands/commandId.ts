import { keyedId, newId, deterministicId } from '@verograph/domain';
import { ConfigError, type EnvReader } from '@verograph/service';

/** The id-derivation secret of the local stack; refused in production. */
export const LOCAL_ID_DERIVATION_SECRET = 'verograph-local-id-derivation-secret';

/**
 * ID_DERIVATION_SECRET: the key of every id derived from a client's idempotency key (see
 * `commandIdFor`). Every instance of a subgraph must share it (a resend may reach another
 * instance), and changing it makes resends of earlier commands new commands.
 */
export function readIdDerivationSecret(env: EnvReader): string {
  const secret = env.string('ID_DERIVATION_SECRET', LOCAL_ID_DERIVATION_SECRET);
  if (env.string('NODE_ENV', 'development') === 'production' && secret === LOCAL_ID_DERIVATION_SECRET) {
    throw new ConfigError('ID_DERIVATION_SECRET must be set to a secret of this deployment in production');
  }
  if (secret.length < 16) throw new ConfigError('ID_DERIVATION_SECRET must be at least 16 characters');
  return secret;
}

export interface CommandIdInput {
  /** ID_DERIVATION_SECRET (see `readIdDerivationSecret`). */
  readonly secret: string;
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
 * it, such as a new post's, are the same objects), otherwise fresh. The derivation is keyed
 * by the server's secret: clients count their keys ("0", "1", …), and an id computable from
 * the author and a counter would let anyone name, and probe for, another user's posts.
 */
export function commandIdFor(input: CommandIdInput): string {
  const key = input.idempotencyKey?.trim();
  if (!hasIdempotencyKey(key)) return newId();
  return keyedId(input.secret, 'command', input.viewerId, input.mutation, key, ...(input.scope ?? []));
}

/**
 * Whether `commandIdFor` derives the command id from this key; otherwise the id is fresh, and
 * no decision can be recorded under it yet (`CommandToPublish.resendable`).
 */
export function hasIdempotencyKey(key: string | null | undefined): key is string {
  return Boolean(key?.trim());
}

/** The client's idempotency key: `clientMutationId` wins over the request's header. */
export function idempotencyKeyOf(
  clientMutationId: string | null | undefined,
  headerKey: string | undefined,
): string | undefined {
  const own = clientMutationId?.trim();
  return own ? own : headerKey;
}

/**
 * The id of an object a command creates (a post, a comment): a resend creates nothing new.
 * It is as unguessable as the command id it derives from (keyed, or random), which only the
 * command's sender is ever told.
 */
export function createdIdFor(commandId: string, kind: string): string {
  return deterministicId(kind, commandId);
}
