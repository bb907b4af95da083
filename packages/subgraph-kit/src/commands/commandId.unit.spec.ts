import { describe, expect, it } from 'vitest';

import { commandIdFor, createdIdFor, idempotencyKeyOf } from './commandId.ts';

describe('command ids', () => {
  const base = { viewerId: 'alice', mutation: 'lovePost', scope: ['post-1'] };

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
