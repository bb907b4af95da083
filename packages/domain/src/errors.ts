/**
 * Every error a user can see carries one of these stable codes (GraphQL `extensions.code`,
 * a command's rejection reason). Messages may change; codes never do.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID_ID'
  | 'INVALID_CURSOR'
  | 'FIRST_TOO_LARGE'
  | 'USERNAME_TAKEN'
  | 'PROFILE_EXISTS'
  | 'PROFILE_REQUIRED'
  | 'ALREADY_FOLLOWING'
  | 'NOT_FOLLOWING'
  | 'CANNOT_TARGET_SELF'
  | 'CONNECTION_EXISTS'
  | 'NO_PENDING_REQUEST'
  | 'NOT_CONNECTED'
  | 'POST_EXISTS'
  | 'POST_NOT_FOUND'
  | 'NOT_POST_AUTHOR'
  | 'ALREADY_LOVED'
  | 'NOT_LOVED'
  | 'COLLECTION_EXISTS'
  | 'COLLECTION_NOT_FOUND'
  | 'NOT_COLLECTION_OWNER'
  | 'ALREADY_IN_COLLECTION'
  | 'NOT_IN_COLLECTION'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'RATE_LIMITED'
  | 'STORE_UNAVAILABLE'
  /** More mutations than can be published in time; nothing was sent, retry after the hint. */
  | 'OVERLOADED'
  | 'SUBGRAPH_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** A domain error: a stable code, a message that says what to do, and an optional cause. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options);
    this.field = options?.field;
  }
  readonly field: string | undefined;
}
