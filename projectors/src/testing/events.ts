import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CollectionEventSchema } from '@verograph/contracts/collections/v1/events';
import { EnvelopeSchema } from '@verograph/contracts/common/v1/envelope';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { UserEventSchema } from '@verograph/contracts/users/v1/events';
import { ConnectionLevel } from '@verograph/contracts/users/v1/users';
import { connectionId, type Audience as DomainAudience, type ConnectionLevel as DomainLevel } from '@verograph/domain';
import { randomUUID } from 'node:crypto';

import type { ProjectedEvent } from '../events/projectedEvent.ts';

/**
 * Builders of real protobuf events for specs: each gets a unique message id and an envelope
 * like the writers', so specs read as given/when/then over the events themselves.
 */
function envelope(aggregateId: string, at: Date) {
  return create(EnvelopeSchema, {
    messageId: randomUUID(),
    commandId: randomUUID(),
    aggregateId,
    occurredAt: timestampFromDate(at),
    actorId: aggregateId,
  });
}

export const protoAudience: Record<DomainAudience, Audience> = {
  CLOSE_FRIENDS: Audience.CLOSE_FRIENDS,
  FRIENDS: Audience.FRIENDS,
  ACQUAINTANCES: Audience.ACQUAINTANCES,
  FOLLOWERS: Audience.FOLLOWERS,
};

export const protoLevel: Record<DomainLevel, ConnectionLevel> = {
  CLOSE_FRIEND: ConnectionLevel.CLOSE_FRIEND,
  FRIEND: ConnectionLevel.FRIEND,
  ACQUAINTANCE: ConnectionLevel.ACQUAINTANCE,
};

const user = (
  aggregateId: string,
  event: MessageInitShape<typeof UserEventSchema>['event'],
  at = new Date(),
): ProjectedEvent => ({
  stream: 'users',
  event: create(UserEventSchema, { envelope: envelope(aggregateId, at), event }),
});
const post = (
  aggregateId: string,
  event: MessageInitShape<typeof PostEventSchema>['event'],
  at = new Date(),
): ProjectedEvent => ({
  stream: 'posts',
  event: create(PostEventSchema, { envelope: envelope(aggregateId, at), event }),
});
const collection = (
  aggregateId: string,
  event: MessageInitShape<typeof CollectionEventSchema>['event'],
  at = new Date(),
): ProjectedEvent => ({
  stream: 'collections',
  event: create(CollectionEventSchema, { envelope: envelope(aggregateId, at), event }),
});

export const events = {
  profileCreated: (userId: string, username: string, displayName = username, at = new Date()) =>
    user(
      userId,
      { case: 'profileCreated', value: { userId, profile: { username, displayName, bio: '', avatarUrl: '' } } },
      at,
    ),
  profileUpdated: (userId: string, username: string, displayName: string, at = new Date()) =>
    user(
      userId,
      { case: 'profileUpdated', value: { userId, profile: { username, displayName, bio: 'updated', avatarUrl: '' } } },
      at,
    ),
  followed: (followerId: string, followeeId: string) =>
    user(followerId, { case: 'followed', value: { followerId, followeeId } }),
  unfollowed: (followerId: string, followeeId: string) =>
    user(followerId, { case: 'unfollowed', value: { followerId, followeeId } }),
  connectionRequested: (requesterId: string, addresseeId: string, level: DomainLevel) =>
    user(connectionId(requesterId, addresseeId), {
      case: 'connectionRequested',
      value: { requesterId, addresseeId, level: protoLevel[level] },
    }),
  connectionAccepted: (
    requesterId: string,
    accepterId: string,
    requesterLevel: DomainLevel,
    accepterLevel: DomainLevel,
  ) =>
    user(connectionId(requesterId, accepterId), {
      case: 'connectionAccepted',
      value: {
        requesterId,
        accepterId,
        requesterLevel: protoLevel[requesterLevel],
        accepterLevel: protoLevel[accepterLevel],
      },
    }),
  connectionLevelSet: (userId: string, otherId: string, level: DomainLevel) =>
    user(connectionId(userId, otherId), {
      case: 'connectionLevelSet',
      value: { userId, otherId, level: protoLevel[level] },
    }),
  notificationsMarkedRead: (userId: string, upToTime: Date, upToId: string) =>
    user(userId, {
      case: 'notificationsMarkedRead',
      value: { userId, upToTime: timestampFromDate(upToTime), upToId },
    }),
  connectionRemoved: (userId: string, otherId: string) =>
    user(connectionId(userId, otherId), { case: 'connectionRemoved', value: { userId, otherId } }),
  connectionDeclined: (declinerId: string, requesterId: string) =>
    user(connectionId(declinerId, requesterId), { case: 'connectionDeclined', value: { declinerId, requesterId } }),
  connectionRequestCancelled: (requesterId: string, addresseeId: string) =>
    user(connectionId(requesterId, addresseeId), {
      case: 'connectionRequestCancelled',
      value: { requesterId, addresseeId },
    }),
  postCreated: (p: {
    postId: string;
    authorId: string;
    audience: DomainAudience;
    createdAt: Date;
    caption?: string;
    tags?: string[];
  }) =>
    post(
      p.postId,
      {
        case: 'postCreated',
        value: {
          postId: p.postId,
          authorId: p.authorId,
          kind: PostKind.TEXT,
          audience: protoAudience[p.audience],
          caption: p.caption ?? `caption of ${p.postId}`,
          url: '',
          tags: p.tags ?? [],
          createdAt: timestampFromDate(p.createdAt),
        },
      },
      p.createdAt,
    ),
  postDeleted: (p: { postId: string; authorId: string; createdAt: Date }) =>
    post(p.postId, {
      case: 'postDeleted',
      value: { postId: p.postId, authorId: p.authorId, createdAt: timestampFromDate(p.createdAt) },
    }),
  postLoved: (postId: string, userId: string, loveCount: number) =>
    post(postId, {
      case: 'postLoved',
      value: { postId, userId, loveCount: BigInt(loveCount), lovedAt: timestampFromDate(new Date()) },
    }),
  postUnloved: (postId: string, userId: string, loveCount: number) =>
    post(postId, { case: 'postUnloved', value: { postId, userId, loveCount: BigInt(loveCount) } }),
  commentAdded: (postId: string, commentId: string, authorId: string, commentCount: number) =>
    post(postId, {
      case: 'commentAdded',
      value: {
        postId,
        commentId,
        authorId,
        text: 'nice',
        createdAt: timestampFromDate(new Date()),
        commentCount: BigInt(commentCount),
      },
    }),
  collectionCreated: (collectionId: string, ownerId: string, title: string, createdAt = new Date()) =>
    collection(
      collectionId,
      {
        case: 'collectionCreated',
        value: {
          collectionId,
          ownerId,
          title,
          description: `about ${title}`,
          createdAt: timestampFromDate(createdAt),
        },
      },
      createdAt,
    ),
  postAddedToCollection: (collectionId: string, postId: string, position: number, addedAt = new Date()) =>
    collection(collectionId, {
      case: 'postAddedToCollection',
      value: {
        collectionId,
        postId,
        position: BigInt(position),
        addedAt: timestampFromDate(addedAt),
      },
    }),
  postRemovedFromCollection: (collectionId: string, postId: string) =>
    collection(collectionId, {
      case: 'postRemovedFromCollection',
      value: { collectionId, postId },
    }),
};
