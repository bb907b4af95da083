import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { UserEventSchema } from '@verograph/contracts/users/v1/events';
import {
  ConnectionLevel as ConnectionLevelEnum,
  type Profile as ProfileMessage,
} from '@verograph/contracts/users/v1/users';
import { connectionLevels, type ConnectionLevel } from '@verograph/domain';

import { commandDecoder, eventDecoder, eventEncoder, type EventInit } from '../writer/codec.ts';
import { assertNever } from '../writer/decision.ts';
import { enumToName, nameToEnum } from '../writer/enums.ts';
import type { Profile, UserCommand, UserEvent } from './userModel.ts';

const level = (value: number): ConnectionLevel | undefined => enumToName(connectionLevels, ConnectionLevelEnum, value);
const levelEnum = (name: ConnectionLevel) => nameToEnum<ConnectionLevelEnum>(ConnectionLevelEnum, name);

function profileOf(message: ProfileMessage | undefined): Profile {
  return {
    username: message?.username ?? '',
    displayName: message?.displayName ?? '',
    bio: message?.bio ?? '',
    avatarUrl: message?.avatarUrl ?? '',
  };
}

/** A users.commands record as a domain command, or why it is poison. */
export const decodeUserCommand = commandDecoder(UserCommandSchema, (command): UserCommand => {
  switch (command.case) {
    case 'createProfile':
      return { type: 'CreateProfile', userId: command.value.userId, profile: profileOf(command.value.profile) };
    case 'updateProfile':
      return {
        type: 'UpdateProfile',
        userId: command.value.userId,
        profile: profileOf(command.value.profile),
        updateMask: command.value.updateMask,
      };
    case 'follow':
      return { type: 'Follow', followerId: command.value.followerId, followeeId: command.value.followeeId };
    case 'unfollow':
      return { type: 'Unfollow', followerId: command.value.followerId, followeeId: command.value.followeeId };
    case 'requestConnection':
      return {
        type: 'RequestConnection',
        requesterId: command.value.requesterId,
        addresseeId: command.value.addresseeId,
        level: level(command.value.level),
      };
    case 'acceptConnection':
      return {
        type: 'AcceptConnection',
        accepterId: command.value.accepterId,
        requesterId: command.value.requesterId,
        level: level(command.value.level),
      };
    case 'setConnectionLevel':
      return {
        type: 'SetConnectionLevel',
        userId: command.value.userId,
        otherId: command.value.otherId,
        level: level(command.value.level),
      };
    case 'removeConnection':
      return { type: 'RemoveConnection', userId: command.value.userId, otherId: command.value.otherId };
    case 'declineConnection':
      return {
        type: 'DeclineConnection',
        declinerId: command.value.declinerId,
        requesterId: command.value.requesterId,
      };
    case 'cancelConnectionRequest':
      return {
        type: 'CancelConnectionRequest',
        requesterId: command.value.requesterId,
        addresseeId: command.value.addresseeId,
      };
    case 'markNotificationsRead':
      return {
        type: 'MarkNotificationsRead',
        userId: command.value.userId,
        upToTime: command.value.upToTime && timestampDate(command.value.upToTime),
        upToId: command.value.upToId,
      };
    default:
      return assertNever(command);
  }
});

function eventMessage(event: UserEvent): EventInit<typeof UserEventSchema> {
  switch (event.type) {
    case 'ProfileCreated':
      return { case: 'profileCreated', value: { userId: event.userId, profile: event.profile } };
    case 'ProfileUpdated':
      return { case: 'profileUpdated', value: { userId: event.userId, profile: event.profile } };
    case 'Followed':
      return { case: 'followed', value: { followerId: event.followerId, followeeId: event.followeeId } };
    case 'Unfollowed':
      return { case: 'unfollowed', value: { followerId: event.followerId, followeeId: event.followeeId } };
    case 'ConnectionRequested':
      return {
        case: 'connectionRequested',
        value: {
          requesterId: event.requesterId,
          addresseeId: event.addresseeId,
          level: levelEnum(event.level),
        },
      };
    case 'ConnectionAccepted':
      return {
        case: 'connectionAccepted',
        value: {
          requesterId: event.requesterId,
          accepterId: event.accepterId,
          requesterLevel: levelEnum(event.requesterLevel),
          accepterLevel: levelEnum(event.accepterLevel),
        },
      };
    case 'ConnectionLevelSet':
      return {
        case: 'connectionLevelSet',
        value: { userId: event.userId, otherId: event.otherId, level: levelEnum(event.level) },
      };
    case 'ConnectionRemoved':
      return { case: 'connectionRemoved', value: { userId: event.userId, otherId: event.otherId } };
    case 'ConnectionDeclined':
      return { case: 'connectionDeclined', value: { declinerId: event.declinerId, requesterId: event.requesterId } };
    case 'ConnectionRequestCancelled':
      return {
        case: 'connectionRequestCancelled',
        value: { requesterId: event.requesterId, addresseeId: event.addresseeId },
      };
    case 'NotificationsMarkedRead':
      return {
        case: 'notificationsMarkedRead',
        value: { userId: event.userId, upToTime: timestampFromDate(event.upToTime), upToId: event.upToId },
      };
    default:
      return assertNever(event);
  }
}

export const encodeUserEvent = eventEncoder(UserEventSchema, eventMessage);

/** A recorded event's connection level: one the writer would not write is a bug, and throws. */
const known = (l: number): ConnectionLevel => {
  const name = level(l);
  if (!name) throw new Error(`a recorded users event has connection level ${l}`);
  return name;
};

/** Reads back an event the users writer recorded; anything else is a bug, and throws. */
export const decodeUserEvent = eventDecoder(UserEventSchema, 'users', (event): UserEvent => {
  switch (event.case) {
    case 'profileCreated':
      return { type: 'ProfileCreated', userId: event.value.userId, profile: profileOf(event.value.profile) };
    case 'profileUpdated':
      return { type: 'ProfileUpdated', userId: event.value.userId, profile: profileOf(event.value.profile) };
    case 'followed':
      return { type: 'Followed', followerId: event.value.followerId, followeeId: event.value.followeeId };
    case 'unfollowed':
      return { type: 'Unfollowed', followerId: event.value.followerId, followeeId: event.value.followeeId };
    case 'connectionRequested':
      return {
        type: 'ConnectionRequested',
        requesterId: event.value.requesterId,
        addresseeId: event.value.addresseeId,
        level: known(event.value.level),
      };
    case 'connectionAccepted':
      return {
        type: 'ConnectionAccepted',
        requesterId: event.value.requesterId,
        accepterId: event.value.accepterId,
        requesterLevel: known(event.value.requesterLevel),
        accepterLevel: known(event.value.accepterLevel),
      };
    case 'connectionLevelSet':
      return {
        type: 'ConnectionLevelSet',
        userId: event.value.userId,
        otherId: event.value.otherId,
        level: known(event.value.level),
      };
    case 'connectionRemoved':
      return { type: 'ConnectionRemoved', userId: event.value.userId, otherId: event.value.otherId };
    case 'connectionDeclined':
      return {
        type: 'ConnectionDeclined',
        declinerId: event.value.declinerId,
        requesterId: event.value.requesterId,
      };
    case 'connectionRequestCancelled':
      return {
        type: 'ConnectionRequestCancelled',
        requesterId: event.value.requesterId,
        addresseeId: event.value.addresseeId,
      };
    case 'notificationsMarkedRead': {
      const upToTime = event.value.upToTime && timestampDate(event.value.upToTime);
      if (!upToTime) throw new Error('a recorded NotificationsMarkedRead has no up_to_time');
      return { type: 'NotificationsMarkedRead', userId: event.value.userId, upToTime, upToId: event.value.upToId };
    }
    default:
      return assertNever(event);
  }
});
