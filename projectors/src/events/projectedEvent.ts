import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { CollectionEventSchema, type CollectionEvent } from '@verograph/contracts/collections/v1/events';
import { PostEventSchema, type PostEvent } from '@verograph/contracts/posts/v1/events';
import { Audience as ProtoAudience } from '@verograph/contracts/posts/v1/posts';
import { UserEventSchema, type UserEvent } from '@verograph/contracts/users/v1/events';
import { ConnectionLevel as ProtoConnectionLevel } from '@verograph/contracts/users/v1/users';
import type { Audience, ConnectionLevel } from '@verograph/domain';

/** The three event streams the projectors read. */
export type Stream = 'users' | 'posts' | 'collections';

/** A decoded event, tagged with the stream it came from: a discriminated union over `stream`. */
export type ProjectedEvent =
  | { readonly stream: 'users'; readonly event: UserEvent }
  | { readonly stream: 'posts'; readonly event: PostEvent }
  | { readonly stream: 'collections'; readonly event: CollectionEvent };

/** Which Kafka topic carries each stream (the real names in production, unique ones in tests). */
export type StreamTopics = Readonly<Record<Stream, string>>;

/**
 * An event the projectors cannot apply however often they retry (a missing id, an unspecified
 * enum): a bug upstream. Handlers turn it into a dead-letter outcome instead of retrying forever.
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  readonly code = 'INVALID_EVENT';
}

/** Decodes a record's value; throws InvalidEventError when the bytes are not the stream's message. */
export function decodeEvent(stream: Stream, bytes: Uint8Array): ProjectedEvent {
  try {
    switch (stream) {
      case 'users':
        return { stream, event: fromBinary(UserEventSchema, bytes) };
      case 'posts':
        return { stream, event: fromBinary(PostEventSchema, bytes) };
      case 'collections':
        return { stream, event: fromBinary(CollectionEventSchema, bytes) };
      default:
        return unreachable(stream);
    }
  } catch (cause) {
    throw new InvalidEventError(`a ${stream} event could not be decoded: ${(cause as Error).message}`, { cause });
  }
}

/** The stream a topic carries, or undefined for a topic this process was not told about. */
export function streamOf(topics: StreamTopics, topic: string): Stream | undefined {
  return (Object.keys(topics) as Stream[]).find((stream) => topics[stream] === topic);
}

/** The event's own id (for live-update dedupe and logs); every event carries one. */
export function eventId(projected: ProjectedEvent): string {
  const id = projected.event.envelope?.messageId;
  if (!id) throw new InvalidEventError(`a ${projected.stream} event has no envelope.message_id`);
  return id;
}

/** When the event was decided; the epoch when the writer left it out, so replays stay deterministic. */
export function occurredAt(projected: ProjectedEvent): Date {
  return dateOf(projected.event.envelope?.occurredAt) ?? new Date(0);
}

export function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

/** The name of the event inside its oneof, for logs and metrics ("postCreated"). */
export function eventName(projected: ProjectedEvent): string {
  return projected.event.event.case ?? 'unknown';
}

const audienceNames: Record<ProtoAudience, Audience | undefined> = {
  [ProtoAudience.UNSPECIFIED]: undefined,
  [ProtoAudience.CLOSE_FRIENDS]: 'CLOSE_FRIENDS',
  [ProtoAudience.FRIENDS]: 'FRIENDS',
  [ProtoAudience.ACQUAINTANCES]: 'ACQUAINTANCES',
  [ProtoAudience.FOLLOWERS]: 'FOLLOWERS',
};

const levelNames: Record<ProtoConnectionLevel, ConnectionLevel | undefined> = {
  [ProtoConnectionLevel.UNSPECIFIED]: undefined,
  [ProtoConnectionLevel.CLOSE_FRIEND]: 'CLOSE_FRIEND',
  [ProtoConnectionLevel.FRIEND]: 'FRIEND',
  [ProtoConnectionLevel.ACQUAINTANCE]: 'ACQUAINTANCE',
};

/** A post's audience from the wire; an unspecified one is a writer bug, not something to guess. */
export function audienceOf(value: ProtoAudience, what: string): Audience {
  const audience = audienceNames[value];
  if (!audience) throw new InvalidEventError(`${what} has no audience`);
  return audience;
}

/** A connection level from the wire; an unspecified one is a writer bug. */
export function levelOf(value: ProtoConnectionLevel, what: string): ConnectionLevel {
  const level = levelNames[value];
  if (!level) throw new InvalidEventError(`${what} has no connection level`);
  return level;
}

/** A required id field: empty means the writer sent a broken event. */
export function required(value: string, what: string): string {
  if (value === '') throw new InvalidEventError(`${what} is empty`);
  return value;
}

export function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
