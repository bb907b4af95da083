import type { ConnectionLevel } from '@verograph/domain';

/** A user's public profile, as the users writer keeps it. */
export interface Profile {
  readonly username: string;
  readonly displayName: string;
  readonly bio: string;
  readonly avatarUrl: string;
}

/** Commands on users.commands: imperative, one type per intent. */
export type UserCommand =
  | { readonly type: 'CreateProfile'; readonly userId: string; readonly profile: Profile }
  | {
      readonly type: 'UpdateProfile';
      readonly userId: string;
      readonly profile: Profile;
      /** Profile field names (`display_name` or `displayName`); only these change. */
      readonly updateMask: readonly string[];
    }
  | { readonly type: 'Follow'; readonly followerId: string; readonly followeeId: string }
  | { readonly type: 'Unfollow'; readonly followerId: string; readonly followeeId: string }
  | {
      readonly type: 'RequestConnection';
      readonly requesterId: string;
      readonly addresseeId: string;
      readonly level: ConnectionLevel | undefined;
    }
  | {
      readonly type: 'AcceptConnection';
      readonly accepterId: string;
      readonly requesterId: string;
      readonly level: ConnectionLevel | undefined;
    }
  | {
      readonly type: 'SetConnectionLevel';
      readonly userId: string;
      readonly otherId: string;
      readonly level: ConnectionLevel | undefined;
    }
  | { readonly type: 'RemoveConnection'; readonly userId: string; readonly otherId: string }
  | { readonly type: 'DeclineConnection'; readonly declinerId: string; readonly requesterId: string }
  | { readonly type: 'CancelConnectionRequest'; readonly requesterId: string; readonly addresseeId: string }
  | MarkNotificationsRead;

/** Notifications read up to (time, id): a position in the user's notifications, from a cursor. */
export interface MarkNotificationsRead {
  readonly type: 'MarkNotificationsRead';
  readonly userId: string;
  readonly upToTime: Date | undefined;
  readonly upToId: string;
}

/** Events on users.events: what happened, in the past tense. */
export type UserEvent =
  | { readonly type: 'ProfileCreated'; readonly userId: string; readonly profile: Profile }
  | { readonly type: 'ProfileUpdated'; readonly userId: string; readonly profile: Profile }
  | { readonly type: 'Followed'; readonly followerId: string; readonly followeeId: string }
  | { readonly type: 'Unfollowed'; readonly followerId: string; readonly followeeId: string }
  | {
      readonly type: 'ConnectionRequested';
      readonly requesterId: string;
      readonly addresseeId: string;
      readonly level: ConnectionLevel;
    }
  | {
      readonly type: 'ConnectionAccepted';
      readonly requesterId: string;
      readonly accepterId: string;
      readonly requesterLevel: ConnectionLevel;
      readonly accepterLevel: ConnectionLevel;
    }
  | {
      readonly type: 'ConnectionLevelSet';
      readonly userId: string;
      readonly otherId: string;
      readonly level: ConnectionLevel;
    }
  | { readonly type: 'ConnectionRemoved'; readonly userId: string; readonly otherId: string }
  | { readonly type: 'ConnectionDeclined'; readonly declinerId: string; readonly requesterId: string }
  | { readonly type: 'ConnectionRequestCancelled'; readonly requesterId: string; readonly addresseeId: string }
  | {
      readonly type: 'NotificationsMarkedRead';
      readonly userId: string;
      readonly upToTime: Date;
      readonly upToId: string;
    };

/** One side of a connection, as that side's row in `connections` says. */
export interface ConnectionSide {
  /** OUTGOING: this side asked; INCOMING: the other side asked; CONNECTED: accepted. */
  readonly state: 'OUTGOING' | 'INCOMING' | 'CONNECTED';
  /** How this side files the other (known to the requester from its request on). */
  readonly myLevel?: ConnectionLevel | undefined;
  /** How the other side files this one (once connected). */
  readonly theirLevel?: ConnectionLevel | undefined;
}

/** What the users writer knows when it decides a command. */
export interface UserState {
  /** The profiles, among the users the command names, that exist. */
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Who holds the username the command would take, when a claim on it was lost. */
  readonly usernameHolder?: string | undefined;
  /** For Follow and Unfollow: whether the follower already follows the followee. */
  readonly following?: boolean | undefined;
  /** For connection commands: each side's row, by that side's user id. */
  readonly connection?: ReadonlyMap<string, ConnectionSide> | undefined;
}
