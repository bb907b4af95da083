import { describe, it } from 'vitest';

import { deciderSpec } from '../testing/deciderSpec.ts';
import type { CollectionState } from './collectionModel.ts';
import { decideCollection } from './decideCollection.ts';

const { given } = deciderSpec(decideCollection);
const now = new Date('2026-03-01T10:00:00.000Z');
const alice = { actorId: 'alice', now };
const bob = { actorId: 'bob', now };
const collectionId = '2d9f9c4a-1f3b-4eac-8b22-3e4f5a6b7c8d';
const postId = '0b7e7a2e-9d1f-4c8a-8f00-1c2d3e4f5a6b';
const existing: CollectionState = { collection: { ownerId: 'alice', nextPosition: 7 } };
const create = { type: 'CreateCollection', collectionId, ownerId: 'alice', title: ' Trips ', description: '' } as const;

describe('CreateCollection', () => {
  it('creates the owner’s collection', () => {
    given({ ownerHasProfile: true }).when(create, alice).then({
      type: 'CollectionCreated',
      collectionId,
      ownerId: 'alice',
      title: 'Trips',
      description: '',
      createdAt: now,
    });
  });

  it('refuses an existing id, a missing profile, somebody else’s behalf, and bad input', () => {
    given({ ...existing, ownerHasProfile: true })
      .when(create, alice)
      .rejectedWith('COLLECTION_EXISTS');
    given({ ownerHasProfile: false }).when(create, alice).rejectedWith('PROFILE_REQUIRED');
    given({ ownerHasProfile: true }).when(create, bob).rejectedWith('FORBIDDEN');
    given({ ownerHasProfile: true })
      .when({ ...create, title: '' }, alice)
      .rejectedWith('BAD_USER_INPUT', /title/);
    given({ ownerHasProfile: true })
      .when({ ...create, description: 'x'.repeat(1001) }, alice)
      .rejectedWith('BAD_USER_INPUT', /description/);
    given({ ownerHasProfile: true })
      .when({ ...create, collectionId: 'c1' }, alice)
      .rejectedWith('INVALID_ID');
  });
});

describe('AddToCollection', () => {
  const add = { type: 'AddToCollection', collectionId, postId } as const;

  it('adds the post last', () => {
    given({ ...existing, postExists: true, inCollection: false })
      .when(add, alice)
      .then({ type: 'PostAddedToCollection', collectionId, postId, position: 7, addedAt: now });
  });

  it('refuses a missing collection, a non-owner, a missing post, and a post already in it', () => {
    given({ postExists: true, inCollection: false }).when(add, alice).rejectedWith('COLLECTION_NOT_FOUND');
    given({ ...existing, postExists: true, inCollection: false })
      .when(add, bob)
      .rejectedWith('NOT_COLLECTION_OWNER');
    given({ ...existing, postExists: false, inCollection: false })
      .when(add, alice)
      .rejectedWith('POST_NOT_FOUND');
    given({ ...existing, postExists: true, inCollection: true })
      .when(add, alice)
      .rejectedWith('ALREADY_IN_COLLECTION');
    given({ ...existing, postExists: true, inCollection: false })
      .when({ ...add, postId: 'p1' }, alice)
      .rejectedWith('INVALID_ID');
  });
});

describe('RemoveFromCollection', () => {
  const remove = { type: 'RemoveFromCollection', collectionId, postId } as const;

  it('removes the post', () => {
    given({ ...existing, inCollection: true })
      .when(remove, alice)
      .then({ type: 'PostRemovedFromCollection', collectionId, postId });
  });

  it('refuses a missing collection, a non-owner, and a post not in it', () => {
    given({ inCollection: true }).when(remove, alice).rejectedWith('COLLECTION_NOT_FOUND');
    given({ ...existing, inCollection: true })
      .when(remove, bob)
      .rejectedWith('NOT_COLLECTION_OWNER');
    given({ ...existing, inCollection: false })
      .when(remove, alice)
      .rejectedWith('NOT_IN_COLLECTION');
  });
});
