import { DomainError } from '@verograph/domain';

/** The page size when a client gives none. */
export const DEFAULT_FIRST = 20;
/** The largest page a client may ask for. */
export const MAX_FIRST = 100;

/**
 * Validates a `first` argument: absent means DEFAULT_FIRST, above `max` is FIRST_TOO_LARGE,
 * below zero is BAD_USER_INPUT. Zero is allowed (it answers only whether items exist).
 */
export function pageSize(first: number | null | undefined, max = MAX_FIRST, field = 'first'): number {
  if (first === null || first === undefined) return Math.min(DEFAULT_FIRST, max);
  if (!Number.isInteger(first) || first < 0) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be a whole number of at least 0`, { field });
  }
  if (first > max) {
    throw new DomainError('FIRST_TOO_LARGE', `${field} may be at most ${max}; page with the after cursor instead`, {
      field,
    });
  }
  return first;
}
