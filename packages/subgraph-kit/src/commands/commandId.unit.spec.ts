import { describe, expect, it } from 'vitest';

import { deterministicId } from '@verograph/domain';
import { envReader } from '@verograph/service';

import {
  commandIdFor,
  createdIdFor,
  idempotencyKeyOf,
  LOCAL_ID_DERIVATION_SECRET,
  readIdDerivationSecret,
} from './commandId.ts';

describe('command ids', () => {
  const base = { secret: 'a-secret-of-this-deployment', viewerId: 'alice', mutation: 'lovePost', scope: ['post-1'] };

  it('are the same for a resend with the same idempotency key', () => {
    expect(commandIdFor({ ...base, idempotencyKey: 'k1' })).toBe(commandIdFor({ ...base, idempotencyKey: 'k1' }));
  });

  it('differ by viewer, mutation, key and target', () => {
    const id = commandIdFor({ ...base, idempotencyKey: 'k1' });
    expect(commandIdFor({ ...base, viewerId: 'bob', idempotencyKey: 'k1' })).not.toBe(id);
    expect(commandIdFor({ ...base, mutation: 'unlovePost', idempotencyKey: 'k1' })).not.toBe(id);
    expect(commandIdFor({ ...base, idempotencyKey: 'k2' })).not.toBe(id);
    expect(commandIdFor({ ...base, scope: ['post-2'], idempotencyKey: 'k1' })).not.toBe(id);
  });

  it('are keyed by the server secret: another secret gives other ids, so nobody can compute them from a counter', () => {
    const id = commandIdFor({ ...base, idempotencyKey: '0' });
    const other = commandIdFor({ ...base, secret: 'another-secret-entirely', idempotencyKey: '0' });
    expect(other).not.toBe(id);
    expect(createdIdFor(other, 'post')).not.toBe(createdIdFor(id, 'post'));
    // What the unkeyed derivation used to give for the same inputs is not it either.
    expect(id).not.toBe(deterministicId('command', 'alice', 'lovePost', '0', 'post-1'));
    // A resend under the same secret is still the same command and the same post.
    expect(createdIdFor(commandIdFor({ ...base, idempotencyKey: '0' }), 'post')).toBe(createdIdFor(id, 'post'));
  });

  it('read their secret from ID_DERIVATION_SECRET; production refuses the local default and short secrets', () => {
    const env = (vars: Record<string, string>) => envReader(vars);
    expect(readIdDerivationSecret(env({}))).toBe(LOCAL_ID_DERIVATION_SECRET);
    expect(readIdDerivationSecret(env({ ID_DERIVATION_SECRET: 'x'.repeat(32), NODE_ENV: 'production' }))).toBe(
      'x'.repeat(32),
    );
    expect(() => readIdDerivationSecret(env({ NODE_ENV: 'production' }))).toThrow(/ID_DERIVATION_SECRET/);
    expect(() => readIdDerivationSecret(env({ ID_DERIVATION_SECRET: 'short' }))).toThrow(/at least 16/);
  });

  it('are fresh each time without a key', () => {
    expect(commandIdFor({ ...base, idempotencyKey: undefined })).not.toBe(
      commandIdFor({ ...base, idempotencyKey: '  ' }),
    );
  });

  it('derive the ids of created objects, so a resend creates nothing new', () => {
    const command = commandIdFor({ ...base, idempotencyKey: 'k1' });
    expect(createdIdFor(command, 'post')).toBe(createdIdFor(command, 'post'));
    expect(createdIdFor(command, 'post')).not.toBe(createdIdFor(command, 'comment'));
    expect(createdIdFor(command, 'post')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('take the clientMutationId before the Idempotency-Key header', () => {
    expect(idempotencyKeyOf('m-1', 'h-1')).toBe('m-1');
    expect(idempotencyKeyOf(null, 'h-1')).toBe('h-1');
    expect(idempotencyKeyOf('', undefined)).toBeUndefined();
  });
});
