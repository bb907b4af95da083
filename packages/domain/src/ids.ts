import { createHash, createHmac, randomUUID } from 'node:crypto';

import { DomainError } from './errors.ts';

/** Ids are UUIDs (users take theirs from the identity provider's `sub`, which may be any short token). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_ID = /^[A-Za-z0-9._:@|-]{1,128}$/;

export function validUuid(field: string, raw: string): string {
  const id = raw.trim().toLowerCase();
  if (!UUID.test(id)) throw new DomainError('INVALID_ID', `${field} "${raw}" is not a valid id`, { field });
  return id;
}

export function validUserId(field: string, raw: string): string {
  if (!USER_ID.test(raw)) throw new DomainError('INVALID_ID', `${field} "${raw}" is not a valid user id`, { field });
  return raw;
}

/** A UUID (version 5 layout) over the first 16 bytes of a digest. */
function uuidOf(hash: Buffer): string {
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A name-based UUID (version 5 layout over SHA-256's first bytes would do, but the layout
 * matters less than determinism): the same inputs always give the same id, which is what
 * makes retried mutations and replayed commands land on the same objects. Anyone who knows
 * the inputs can compute it: for ids a client must not guess, use `keyedId`.
 */
export function deterministicId(...parts: readonly string[]): string {
  return uuidOf(createHash('sha256').update(parts.join('\u0000')).digest());
}

/**
 * A deterministic UUID keyed by a server-side secret (HMAC-SHA256): the same inputs and
 * secret always give the same id, but without the secret nobody can compute it, even from
 * inputs a client chose (a user id and a mutation counter "0", "1", …).
 */
export function keyedId(secret: string, ...parts: readonly string[]): string {
  return uuidOf(createHmac('sha256', secret).update(parts.join('\u0000')).digest());
}

export function newId(): string {
  return randomUUID();
}

/** The aggregate id of the connection between two users: both ids, sorted, joined by '~'. */
export function connectionId(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}
