import { DomainError } from '@verograph/domain';

import type { UsersContext } from './context.ts';
import { signedInUser } from './userCommands.ts';
import type { UserRow } from './users/usersStore.ts';

/** What an owner-only field is about, for the two errors it may answer. */
export interface PrivateField {
  /** What the viewer tried, completing "Sign in to …" (UNAUTHENTICATED). */
  readonly what: string;
  /** Why nobody else may ask, as a sentence start completed by "; ask for yours through 'me'." */
  readonly privateTo: string;
}

/**
 * The guard of every User field only its owner may read (notifications, connections, requests):
 * anonymous gets UNAUTHENTICATED, anyone but the User themselves FORBIDDEN with no data.
 * The owner asks through `me`, or `user(id:)` with their own id. Returns the viewer's id.
 */
export function ownerOnly(user: UserRow, ctx: UsersContext, field: PrivateField): string {
  const viewerId = signedInUser(ctx, field.what);
  if (viewerId !== user.id) {
    throw new DomainError('FORBIDDEN', `${field.privateTo}; ask for yours through 'me'.`);
  }
  return viewerId;
}
